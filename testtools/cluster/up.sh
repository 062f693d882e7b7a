#!/usr/bin/env bash
# Starts a local Kubernetes cluster on 127.0.0.1 for end-to-end tests and the
# local playground: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, Azure's workload identity webhook (as its Helm chart
# deploys it) and our node agent, which registers node local-node-0 and runs
# the pods scheduled to it as local processes. Everything lives in DIR: pki/,
# etcd data, logs/, pids/, node/, DIR/env and DIR/admin.kubeconfig. Stop it
# with down.sh DIR.
#
# The webhook injects AZURE_AUTHORITY_HOST from a cloud environment file, so
# the local "Azure" (Entra ID and Azure OpenAI) must have a fixed address
# known now: up.sh picks a free port for it and a TLS certificate signed by a
# CA of its own (pki/azure-ca.crt, the "public" PKI of this local Azure,
# which the node puts in every image's trust store). Whoever plays Azure
# (the e2e suite, the playground) serves there: E2E_AZURE_ADDR and the
# certificate are in DIR/env.
#
# Usage: up.sh DIR
# Environment:
#   SA_ISSUER  service account token issuer (default https://127.0.0.1/e2e-issuer/)
#   AZURE_TENANT_ID the webhook's tenant (default: the stand-in's tenant)
#   E2E_CACHE  where build.sh put the binaries (default ~/.cache/aks-openai-e2e)
#   UP_TIMEOUT seconds to wait for each readiness step (default 60)
# Binaries come from build.sh (run first; it is a no-op when up to date), the
# node agent from `go build ./nodeagent` (in testtools/) into the same folder.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
E2E_CACHE="${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}"
BIN="$E2E_CACHE/bin"
SA_ISSUER="${SA_ISSUER:-https://127.0.0.1/e2e-issuer/}"
UP_TIMEOUT="${UP_TIMEOUT:-60}"
NODE_NAME=local-node-0
AZURE_TENANT_ID="${AZURE_TENANT_ID:-00000000-0000-0000-0000-00000000bbbb}"
# controller-runtime serves webhooks on 9443 and cmd/webhook has no flag to
# change it, so only one cluster with the webhook runs on a machine at a time.
WEBHOOK_PORT=9443
T0=$(date +%s.%N)

log() { printf '[up %5.1fs] %s\n' "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*"; }
die() { echo "up.sh: $*" >&2; exit 1; }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler azure-wi-webhook nodeagent kubectl; do
  [[ -x "$BIN/$b" ]] || die "$BIN/$b missing: run $HERE/build.sh first"
done

# Refuse to start twice in the same DIR.
if [[ -d "$DIR/pids" ]]; then
  for f in "$DIR"/pids/*.pid; do
    [[ -e "$f" ]] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then
      die "$(basename "$f" .pid) is still running in $DIR (pid $(cat "$f")); run down.sh $DIR first"
    fi
  done
fi
mkdir -p "$DIR"/{pki,logs,pids,etcd,node,webhook-certs}

UP_OK=0
on_exit() {
  local rc=$?
  ((UP_OK)) && return
  echo "up.sh: failed (exit $rc); last log lines:" >&2
  for f in "$DIR"/logs/*.log; do [[ -e "$f" ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  "$HERE/down.sh" "$DIR" >&2 || true
}
trap on_exit EXIT

# ---- ports ---------------------------------------------------------------
# Free loopback TCP ports, below the usual ephemeral range (32768+).
declare -A TAKEN=()
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 12000))
    [[ -z "${TAKEN[$p]:-}" ]] || continue
    if [[ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ]]; then
      TAKEN[$p]=1; echo "$p"; return
    fi
  done
  die "no free port found"
}
ETCD_CLIENT_PORT=$(free_port)
ETCD_PEER_PORT=$(free_port)
APISERVER_PORT=$(free_port)
KCM_PORT=$(free_port)
SCHEDULER_PORT=$(free_port)
WEBHOOK_HEALTH_PORT=$(free_port)
NODE_PORT=$(free_port)
AZURE_PORT=$(free_port)
if [[ -n "$(ss -Htln "sport = :$WEBHOOK_PORT" 2>/dev/null)" ]]; then
  die "port $WEBHOOK_PORT is taken: Azure's webhook serves there (another local cluster running? stop it with its down.sh)"
fi
APISERVER_URL="https://127.0.0.1:$APISERVER_PORT"

# ---- certificates and kubeconfigs (pki.sh) --------------------------------
source "$HERE/pki.sh"

cat > "$DIR/env" <<EOF
# Written by testtools/cluster/up.sh; source it.
export KUBECONFIG=$DIR/admin.kubeconfig
export APISERVER_URL=$APISERVER_URL
export APISERVER_PORT=$APISERVER_PORT
export ETCD_CLIENT_PORT=$ETCD_CLIENT_PORT
export ETCD_PEER_PORT=$ETCD_PEER_PORT
export KCM_PORT=$KCM_PORT
export SCHEDULER_PORT=$SCHEDULER_PORT
export SA_ISSUER=$SA_ISSUER
export E2E_CLUSTER_DIR=$DIR
export E2E_CLUSTER_BIN=$BIN
export E2E_CA_FILE=$PKI/ca.crt
export E2E_NODE_NAME=$NODE_NAME
export E2E_NODE_PORT=$NODE_PORT
export E2E_IMAGES=$DIR/images.json
export E2E_AZURE_ADDR=127.0.0.1:$AZURE_PORT
export E2E_AZURE_URL=https://127.0.0.1:$AZURE_PORT
export E2E_AZURE_CA=$PKI/azure-ca.crt
export E2E_AZURE_CERT=$PKI/azure.crt
export E2E_AZURE_KEY=$PKI/azure.key
export E2E_TENANT_ID=$AZURE_TENANT_ID
export WEBHOOK_PORT=$WEBHOOK_PORT
export WEBHOOK_HEALTH_PORT=$WEBHOOK_HEALTH_PORT
EOF

# start NAME CMD...: own session/process group, pid in DIR/pids/NAME.pid.
start() {
  local name="$1"; shift
  setsid "$@" </dev/null >>"$DIR/logs/$name.log" 2>&1 &
  echo $! > "$DIR/pids/$name.pid"
}
# wait_for WHAT CMD...: poll CMD until it succeeds or UP_TIMEOUT passes.
wait_for() {
  local what="$1" deadline=$((SECONDS + UP_TIMEOUT)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${UP_TIMEOUT}s waiting for $what"
    for f in "$DIR"/pids/*.pid; do
      kill -0 "$(cat "$f")" 2>/dev/null || die "$(basename "$f" .pid) exited (see $DIR/logs/$(basename "$f" .pid).log) while waiting for $what"
    done
    sleep 0.2
  done
  log "$what"
}
CURL=(curl -sf --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key")
KUBECTL=("$BIN/kubectl" --kubeconfig "$DIR/admin.kubeconfig" --request-timeout=5s)

# ---- etcd ------------------------------------------------------------------
start etcd "$BIN/etcd" \
  --name=e2e --data-dir="$DIR/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --log-level=warn
wait_for "etcd healthy" curl -sf --max-time 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health"

# ---- kube-apiserver, behind AKS's Entra and Azure RBAC webhooks ----------
source "$HERE/aks-guard.sh"
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" --client-ca-file="$PKI/ca.crt" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  "${AKS_GUARD_FLAGS[@]}" --enable-admission-plugins=NodeRestriction \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$PKI/ca.crt" \
  --kubelet-preferred-address-types=InternalIP \
  --endpoint-reconciler-type=none \
  --service-cluster-ip-range=10.96.0.0/16 \
  --service-account-issuer="$SA_ISSUER" \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --api-audiences="$SA_ISSUER,api://AzureADTokenExchange,https://kubernetes.default.svc.cluster.local" \
  --allow-privileged=true --profiling=false
wait_for "kube-apiserver /readyz ok" "${CURL[@]}" "$APISERVER_URL/readyz"

# ---- kube-controller-manager, kube-scheduler -------------------------------
start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig="$DIR/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
  --leader-elect=false \
  --use-service-account-credentials=false \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --profiling=false
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig="$DIR/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" \
  --leader-elect=false --profiling=false

# ---- Azure's workload identity webhook -------------------------------------
# As its Helm chart (charts/workload-identity-webhook of v1.5.1) deploys it:
# the ConfigMap's AZURE_TENANT_ID and AZURE_ENVIRONMENT, the container's
# --log-level/--metrics-* args, the ClusterRole, and the
# MutatingWebhookConfiguration with its rules, object selector and failure
# policy. Differences, because nothing here runs in a pod: a process with
# its own client certificate instead of a service account; certificates
# made here (--disable-cert-rotation) instead of cert-controller's; the
# API server calls it by URL instead of through its Service; metrics off.
# AZURE_ENVIRONMENT=AzureStackCloud makes go-autorest read the cloud's
# endpoints from AZURE_ENVIRONMENT_FILEPATH, as on Azure Stack Hub: that is
# where the webhook's AZURE_AUTHORITY_HOST (activeDirectoryEndpoint) comes
# from, unpatched.
cat > "$DIR/azure-environment.json" <<JSON
{
  "name": "AzureStackCloud",
  "activeDirectoryEndpoint": "https://127.0.0.1:$AZURE_PORT/",
  "resourceManagerEndpoint": "https://127.0.0.1:$AZURE_PORT/",
  "tokenAudience": "https://management.azure.com/"
}
JSON
start azure-wi-webhook env KUBECONFIG="$DIR/azure-wi-webhook.kubeconfig" \
  POD_NAMESPACE=azure-workload-identity-system \
  AZURE_TENANT_ID="$AZURE_TENANT_ID" AZURE_ENVIRONMENT=AzureStackCloud \
  AZURE_ENVIRONMENT_FILEPATH="$DIR/azure-environment.json" \
  "$BIN/azure-wi-webhook" --log-level=info --metrics-addr=0 --metrics-backend=prometheus \
  --webhook-cert-dir="$DIR/webhook-certs" --disable-cert-rotation \
  --health-addr="127.0.0.1:$WEBHOOK_HEALTH_PORT"
cat > "$DIR/azure-wi-webhook.yaml" <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: azure-wi-webhook-manager-role
  labels: {azure-workload-identity.io/system: "true"}
rules:
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get, list, watch]
- apiGroups: [admissionregistration.k8s.io]
  resources: [mutatingwebhookconfigurations]
  verbs: [get, list, update, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: azure-wi-webhook-manager-rolebinding
  labels: {azure-workload-identity.io/system: "true"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: azure-wi-webhook-manager-role}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: azure-wi-webhook-admin}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: azure-wi-webhook-mutating-webhook-configuration
  labels: {azure-workload-identity.io/system: "true"}
webhooks:
- name: mutation.azure-workload-identity.io
  admissionReviewVersions: [v1, v1beta1]
  clientConfig:
    url: https://127.0.0.1:$WEBHOOK_PORT/mutate-v1-pod
    caBundle: $(base64 -w0 < "$PKI/ca.crt")
  failurePolicy: Fail
  matchPolicy: Equivalent
  namespaceSelector: {}
  objectSelector:
    matchLabels:
      azure.workload.identity/use: "true"
  reinvocationPolicy: IfNeeded
  rules:
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE]
    resources: [pods]
  sideEffects: None
YAML
wait_for "azure-wi-webhook /readyz ok" curl -sf --max-time 2 "http://127.0.0.1:$WEBHOOK_HEALTH_PORT/readyz"
"${KUBECTL[@]}" apply -f "$DIR/azure-wi-webhook.yaml" >/dev/null
log "MutatingWebhookConfiguration applied"

# ---- the node ----------------------------------------------------------------
# The only node, so the scheduler places every pod here, as AKS places the
# demo pod on any node of its pool: the program sets no node selector or
# toleration, and neither does this cluster need one.
[[ -f "$DIR/images.json" ]] || echo '[]' > "$DIR/images.json"
start nodeagent "$BIN/nodeagent" \
  --kubeconfig="$DIR/node.kubeconfig" --node-name="$NODE_NAME" --dir="$DIR/node" \
  --images="$DIR/images.json" --trust="$PKI/azure-ca.crt" \
  --listen="127.0.0.1:$NODE_PORT" --tls-cert="$PKI/node-serving.crt" --tls-key="$PKI/node-serving.key" \
  --client-ca="$PKI/ca.crt"
# Ready, and the node.kubernetes.io/not-ready taint (added on create by the
# TaintNodesByCondition admission plugin) removed by the node lifecycle
# controller, so pods can be scheduled.
node_ready() {
  [[ "$("${KUBECTL[@]}" get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}/{.spec.taints}')" == True/ ]]
}
sa_exists() { "${KUBECTL[@]}" -n default get serviceaccount default; }
wait_for "default/default service account exists" sa_exists
wait_for "node $NODE_NAME Ready and untainted" node_ready
wait_for "kube-controller-manager healthz" curl -skf --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
wait_for "kube-scheduler healthz" curl -skf --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz"
UP_OK=1
log "cluster up: $APISERVER_URL (source $DIR/env)"
