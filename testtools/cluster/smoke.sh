#!/usr/bin/env bash
# Smoke test of a control plane started by up.sh DIR: a Job completes, a Job
# in namespace e2e-fail fails with BackoffLimitExceeded and the stand-in
# termination message, a TokenRequest for api://AzureADTokenExchange yields a
# token with iss=$SA_ISSUER, and a namespace is deleted (controller-manager).
#
# Usage: smoke.sh DIR
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
# shellcheck disable=SC1091
source "$1/env"
k() { "$E2E_CLUSTER_BIN/kubectl" --request-timeout=10s "$@"; }
ok() { echo "ok   [$((SECONDS - T0))s] $*"; }
fail() { echo "FAIL $*" >&2; exit 1; }
T0=$SECONDS
WANT_MSG='error: Azure OpenAI returned 403 Forbidden (stand-in failure)'

job() { # job NAMESPACE NAME
  cat <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: $2, namespace: $1}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: example.invalid/x@sha256:0000000000000000000000000000000000000000000000000000000000000000
EOF
}

# 1. A Job in default completes.
k delete job -n default smoke-ok --ignore-not-found --wait >/dev/null
job default smoke-ok | k apply -f - >/dev/null
k wait -n default --for=condition=Complete job/smoke-ok --timeout=60s >/dev/null
phase=$(k get pods -n default -l job-name=smoke-ok -o jsonpath='{.items[0].status.phase} exit={.items[0].status.containerStatuses[0].state.terminated.exitCode}')
[[ "$phase" == "Succeeded exit=0" ]] || fail "default Job pod: $phase"
ok "job default/smoke-ok Complete (pod $phase)"

# 2. A Job in e2e-fail fails.
k create namespace e2e-fail --dry-run=client -o yaml | k apply -f - >/dev/null
k delete job -n e2e-fail smoke-fail --ignore-not-found --wait >/dev/null
job e2e-fail smoke-fail | k apply -f - >/dev/null
k wait -n e2e-fail --for=condition=Failed job/smoke-fail --timeout=90s >/dev/null
reason=$(k get job -n e2e-fail smoke-fail -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')
[[ "$reason" == BackoffLimitExceeded ]] || fail "e2e-fail Job reason: $reason"
term=$(k get pods -n e2e-fail -l job-name=smoke-fail -o jsonpath='{.items[0].status.phase}|{.items[0].status.containerStatuses[0].state.terminated.exitCode}|{.items[0].status.containerStatuses[0].state.terminated.reason}|{.items[0].status.containerStatuses[0].state.terminated.message}')
[[ "$term" == "Failed|1|Error|$WANT_MSG" ]] || fail "e2e-fail pod: $term"
ok "job e2e-fail/smoke-fail Failed/$reason (pod $term)"

# 3. TokenRequest: iss is SA_ISSUER, aud api://AzureADTokenExchange.
resp=$(curl -sf --cacert "$E2E_CA_FILE" \
  --cert "$E2E_CLUSTER_DIR/pki/admin.crt" --key "$E2E_CLUSTER_DIR/pki/admin.key" \
  -H 'Content-Type: application/json' -X POST \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["api://AzureADTokenExchange"],"expirationSeconds":3600}}' \
  "$APISERVER_URL/api/v1/namespaces/default/serviceaccounts/default/token")
token=$(tr -d ' \n' <<<"$resp" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
payload=$(cut -d. -f2 <<<"$token" | tr '_-' '/+')
while (( ${#payload} % 4 )); do payload+='='; done
claims=$(base64 -d <<<"$payload")
iss=$(sed -n 's/.*"iss":"\([^"]*\)".*/\1/p' <<<"$claims")
sub=$(sed -n 's/.*"sub":"\([^"]*\)".*/\1/p' <<<"$claims")
[[ "$iss" == "$SA_ISSUER" ]] || fail "token iss=$iss, want $SA_ISSUER"
[[ "$sub" == system:serviceaccount:default:default ]] || fail "token sub=$sub"
grep -q '"aud":\["api://AzureADTokenExchange"\]' <<<"$claims" || fail "token aud: $claims"
ok "TokenRequest iss=$iss sub=$sub aud=[api://AzureADTokenExchange]"

# 4. Namespace deletion (namespace controller, garbage collector).
k create namespace smoke-del >/dev/null
k create configmap -n smoke-del x --from-literal=a=b >/dev/null
k delete namespace smoke-del --wait=false >/dev/null
k wait --for=delete namespace/smoke-del --timeout=60s >/dev/null
ok "namespace smoke-del deleted"

echo "smoke passed in $((SECONDS - T0))s"
