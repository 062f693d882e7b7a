# Sourced by up.sh (DIR, PKI and AZURE_PORT set): AKS's Entra and Azure
# RBAC webhooks for the local API server.
# As on an AKS cluster with managed Entra integration and Azure RBAC (Learn,
# aks/manage-azure-rbac): bearer tokens no other authenticator knows go to
# the token webhook, and requests Kubernetes RBAC does not allow to the
# authorization webhook, which decides them as Azure data actions. The
# local Azure serves both (testtools/azurefront/aksguard.go), at its one
# address, under its own CA. With no local Azure running, only Entra
# tokens fail: certificates and service account tokens never reach them.
guard_kubeconfig() {
  cat > "$DIR/aks-guard-$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: aks-guard
  cluster:
    server: https://127.0.0.1:$AZURE_PORT/aks-guard/$1
    certificate-authority: $PKI/azure-ca.crt
users:
- name: kube-apiserver
contexts:
- name: aks-guard
  context: {cluster: aks-guard, user: kube-apiserver}
current-context: aks-guard
EOF
}
guard_kubeconfig authenticate
guard_kubeconfig authorize

# The API server's flags: Kubernetes RBAC first, so components' certificates
# and service account tokens never wait on a webhook.
AKS_GUARD_FLAGS=(
  --authorization-mode=Node,RBAC,Webhook
  --authentication-token-webhook-config-file="$DIR/aks-guard-authenticate.kubeconfig"
  --authentication-token-webhook-version=v1
  --authorization-webhook-config-file="$DIR/aks-guard-authorize.kubeconfig"
  --authorization-webhook-version=v1
)
