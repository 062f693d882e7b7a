# Sourced by up.sh (not run alone): the cluster's certificates and
# kubeconfigs in DIR/pki and DIR/*.kubeconfig, kept across restarts of the
# same DIR. Reads up.sh's DIR, APISERVER_URL, log and die.
# ---- certificates (kept across restarts of the same DIR) -----------------
PKI="$DIR/pki"
ossl() { openssl "$@" 2>>"$DIR/logs/openssl.log"; }
# sign NAME SUBJECT EXTENSIONS: EC P-256 key + cert signed by the CA.
sign() {
  local name="$1" subj="$2" ext="$3"
  [[ -s "$PKI/$name.crt" ]] && return
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$name.key"
  ossl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr"
  ossl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -sha256 -out "$PKI/$name.crt" -extfile <(printf '%s\n' "$ext")
  rm -f "$PKI/$name.csr"
}
if [[ ! -s "$PKI/ca.crt" ]]; then
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/ca.key"
  ossl req -x509 -new -key "$PKI/ca.key" -subj "/CN=aks-openai-e2e-ca" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt"
fi
sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1"
CLIENT_EXT="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
sign admin "/O=system:masters/CN=kubernetes-admin" "$CLIENT_EXT"
# The components are system:masters too (simplest with
# --use-service-account-credentials=false); their own CN shows in audit/logs.
sign controller-manager "/O=system:masters/CN=system:kube-controller-manager" "$CLIENT_EXT"
sign scheduler "/O=system:masters/CN=system:kube-scheduler" "$CLIENT_EXT"
# The node agent is a node, as a kubelet is: the Node authorizer lets it read
# only its pods and what they reference, and request tokens only for them.
sign node-client "/O=system:nodes/CN=system:node:$NODE_NAME" "$CLIENT_EXT"
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$CLIENT_EXT"
# The webhook's identity; RBAC below grants what the chart's ClusterRole does.
sign azure-wi-webhook "/CN=azure-wi-webhook-admin" "$CLIENT_EXT"
SERVING_EXT="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
sign node-serving "/CN=$NODE_NAME" "$SERVING_EXT
subjectAltName=IP:127.0.0.1,DNS:$NODE_NAME"
# The chart's service name; the API server calls the webhook by URL here.
sign webhook-serving "/CN=azure-wi-webhook-webhook-service" "$SERVING_EXT
subjectAltName=IP:127.0.0.1,DNS:azure-wi-webhook-webhook-service.azure-workload-identity-system.svc"
cp "$PKI/webhook-serving.crt" "$DIR/webhook-certs/tls.crt"
cp "$PKI/webhook-serving.key" "$DIR/webhook-certs/tls.key"
# The local Azure's own CA and server certificate.
if [[ ! -s "$PKI/azure-ca.crt" ]]; then
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/azure-ca.key"
  ossl req -x509 -new -key "$PKI/azure-ca.key" -subj "/CN=local Azure root CA" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/azure-ca.crt"
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/azure.key"
  ossl req -new -key "$PKI/azure.key" -subj "/CN=127.0.0.1" -out "$PKI/azure.csr"
  ossl x509 -req -in "$PKI/azure.csr" -CA "$PKI/azure-ca.crt" -CAkey "$PKI/azure-ca.key" -CAcreateserial \
    -days 30 -sha256 -out "$PKI/azure.crt" -extfile <(printf '%s\n' "$SERVING_EXT" "subjectAltName=IP:127.0.0.1,DNS:localhost")
  rm -f "$PKI/azure.csr"
fi
# Service account token signing key pair (RSA: tokens are RS256, like AKS).
if [[ ! -s "$PKI/sa.key" ]]; then
  ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key"
  ossl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
fi
chmod 600 "$PKI"/*.key

# kubeconfig NAME CERT: client kubeconfig with embedded CA and client cert.
kubeconfig() {
  local out="$DIR/$1.kubeconfig" cert="$2" b64='base64 -w0'
  cat > "$out" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $($b64 < "$PKI/ca.crt")
users:
- name: $cert
  user:
    client-certificate-data: $($b64 < "$PKI/$cert.crt")
    client-key-data: $($b64 < "$PKI/$cert.key")
contexts:
- name: e2e
  context:
    cluster: e2e
    user: $cert
current-context: e2e
EOF
  chmod 600 "$out"
}
kubeconfig admin admin
kubeconfig controller-manager controller-manager
kubeconfig scheduler scheduler
kubeconfig node node-client
kubeconfig azure-wi-webhook azure-wi-webhook
log "certificates and kubeconfigs ready"
