#!/usr/bin/env bash
# Starts a local Kubernetes control plane on 127.0.0.1 for end-to-end tests:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok with
# one fake node (kwok-node-0). Everything lives in DIR: pki/, etcd data,
# logs/, pids/, DIR/env and DIR/admin.kubeconfig. Stop it with down.sh DIR.
#
# Usage: up.sh DIR
# Environment:
#   SA_ISSUER  service account token issuer (default https://127.0.0.1/e2e-issuer/)
#   E2E_CACHE  where build.sh put the binaries (default ~/.cache/aks-openai-e2e)
#   UP_TIMEOUT seconds to wait for each readiness step (default 60)
# Binaries come from build.sh (run first; it is a no-op when up to date).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
E2E_CACHE="${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}"
BIN="$E2E_CACHE/bin"
SA_ISSUER="${SA_ISSUER:-https://127.0.0.1/e2e-issuer/}"
UP_TIMEOUT="${UP_TIMEOUT:-60}"
NODE_NAME=kwok-node-0
T0=$(date +%s.%N)

log() { printf '[up %5.1fs] %s\n' "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*"; }
die() { echo "up.sh: $*" >&2; exit 1; }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl; do
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
mkdir -p "$DIR"/{pki,logs,pids,etcd,kwok-home}

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
APISERVER_URL="https://127.0.0.1:$APISERVER_PORT"

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
sign kwok "/O=system:masters/CN=kwok-controller" "$CLIENT_EXT"
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
kubeconfig kwok kwok
log "certificates and kubeconfigs ready"

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

# ---- kube-apiserver --------------------------------------------------------
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --authorization-mode=RBAC \
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

# ---- kwok + the fake node --------------------------------------------------
cat > "$DIR/kwok.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  # Only nodes carrying this annotation (kwok-node-0): never real nodes.
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  nodeLeaseDurationSeconds: 40
  # kwok v0.8.0 does not default these when a KwokConfiguration is given.
  cidr: 10.244.0.0/24
  nodeLeaseParallelism: 4
  podPlayStageParallelism: 4
  nodePlayStageParallelism: 4
  podsOnNodeSyncParallelism: 1
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
  enableDebuggingHandlers: false
  enableProfilingHandler: false
EOF
KWOK_CONFIGS=(--config="$DIR/kwok.yaml")
for f in "$HERE"/stages/*.yaml; do KWOK_CONFIGS+=(--config="$f"); done
# HOME is DIR/kwok-home so that no ~/.kwok/kwok.yaml of the user is loaded.
start kwok env HOME="$DIR/kwok-home" "$BIN/kwok" \
  --kubeconfig="$DIR/kwok.kubeconfig" "${KWOK_CONFIGS[@]}"

cat > "$DIR/node.yaml" <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/agent: ""
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
  capacity: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
EOF
"${KUBECTL[@]}" get node "$NODE_NAME" >/dev/null 2>&1 || "${KUBECTL[@]}" create -f "$DIR/node.yaml" >/dev/null
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
log "control plane up: $APISERVER_URL (source $DIR/env)"
