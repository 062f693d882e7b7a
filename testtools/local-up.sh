#!/usr/bin/env bash
# The local playground (`make local-up`): a local model of Azure and AKS in
# which the real `pulumi up` of the dev stack runs, for someone with no
# Azure subscription at hand. It builds the cached tools, starts the local
# cluster (control plane, Azure's workload identity webhook, a node that
# runs pods as local processes), the Azure stand-in (provider plugin, and
# Entra ID and Azure OpenAI data plane), runs `pulumi up` of the dev stack
# in a stack and backend of its own, prints the outputs and the demo's log,
# and leaves it all running. `make local-down` stops it by PID.
#
# Env: E2E_CACHE (default ~/.cache/aks-openai-e2e), LOCAL_DIR (default
#      $E2E_CACHE/local), PULUMI_CONFIG_PASSPHRASE (default "local").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export E2E_CACHE="${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}"
LOCAL="${LOCAL_DIR:-$E2E_CACHE/local}"
BIN="$E2E_CACHE/bin"
ISSUER="https://oidc.local.invalid/00000000-0000-0000-0000-00000000bbbb/aks/"

if [[ -f "$LOCAL/localazure.pid" ]] && kill -0 "$(cat "$LOCAL/localazure.pid")" 2>/dev/null; then
  echo "local-up: the playground already runs in $LOCAL; run make local-down first" >&2
  exit 1
fi
[[ -d "$LOCAL/cluster" ]] && bash testtools/cluster/down.sh "$LOCAL/cluster" >/dev/null 2>&1 || true
rm -rf "$LOCAL"
mkdir -p "$LOCAL"/{bin,azure,backend,pulumi-home}

T0=$SECONDS
step() { printf '\n== %s (at %ds)\n' "$1" "$((SECONDS - T0))"; }
ok=0
trap '((ok)) || { echo "local-up failed; stopping what started" >&2; bash testtools/local-down.sh >&2 || true; }' EXIT

step "build the tools (cached)"
bash testtools/toolchain/build.sh
bash testtools/cluster/build.sh
(cd testtools && go build -o "$BIN/nodeagent" ./nodeagent)
(cd testtools && go build -o "$LOCAL/bin/pulumi-resource-azure-native" ./azurestandin)
(cd testtools && go build -o "$LOCAL/bin/localazure" ./localazure)

step "start the cluster"
SA_ISSUER="$ISSUER" bash testtools/cluster/up.sh "$LOCAL/cluster"
# shellcheck disable=SC1091
source "$LOCAL/cluster/env"

step "start the local Azure"
setsid "$LOCAL/bin/localazure" --state "$LOCAL/azure" --kubeconfig "$KUBECONFIG" \
  --addr "$E2E_AZURE_ADDR" --cert "$E2E_AZURE_CERT" --key "$E2E_AZURE_KEY" --images "$E2E_IMAGES" \
  --root "$ROOT" --log "$LOCAL/azure.log" --ready "$LOCAL/azure.ready" \
  </dev/null >>"$LOCAL/localazure.log" 2>&1 &
echo $! > "$LOCAL/localazure.pid"
for _ in $(seq 1 600); do
  [[ -s "$LOCAL/azure.ready" ]] && break
  kill -0 "$(cat "$LOCAL/localazure.pid")" 2>/dev/null || { cat "$LOCAL/localazure.log" >&2; exit 1; }
  sleep 0.2
done
[[ -s "$LOCAL/azure.ready" ]] || { echo "local-up: the local Azure did not start" >&2; exit 1; }
bash testtools/toolchain/install-plugins.sh "$LOCAL/pulumi-home" "$LOCAL/bin/pulumi-resource-azure-native" >/dev/null

# The project as a user has it, in a folder of its own, so this stack's
# files (its encryption salt) never touch the checkout.
mkdir -p "$LOCAL/project"
tar -C "$ROOT" --exclude=./.git --exclude=./e2e --exclude=./testtools --exclude=./.ci --exclude=./.build -cf - . | tar -C "$LOCAL/project" -xf -

# The CLI with a language host that honours Pulumi.yaml's buildTarget.
bash testtools/toolchain/cli-with-options.sh "$LOCAL/cli"

cat > "$LOCAL/env.sh" <<ENV
# The local playground: source this file, then use pulumi and kubectl.
export PATH="$LOCAL/cli/bin:$BIN:\$PATH"
export KUBECONFIG="$KUBECONFIG"
export PULUMI_HOME="$LOCAL/pulumi-home"
export PULUMI_BACKEND_URL="file://$LOCAL/backend"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-local}"
export PULUMI_SKIP_UPDATE_CHECK=1
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export AZURE_STANDIN_STATE="$LOCAL/azure"
export AZURE_STANDIN_LOG="$LOCAL/azure.log"
export AZURE_STANDIN_KUBECONFIG="$KUBECONFIG"
export AZURE_STANDIN_OIDC_ISSUER="$ISSUER"
export AZURE_STANDIN_DATAPLANE_URL="$E2E_AZURE_URL"
# The preflight's ARM reads go to the local Azure (armEndpoint, set below),
# whose CA the program trusts as Go does: SSL_CERT_FILE.
export SSL_CERT_FILE="$LOCAL/trust.pem"
cd "$LOCAL/project"
ENV
cat /etc/ssl/certs/ca-certificates.crt "$E2E_AZURE_CA" > "$LOCAL/trust.pem" 2>/dev/null || cp "$E2E_AZURE_CA" "$LOCAL/trust.pem"
# shellcheck disable=SC1091
source "$LOCAL/env.sh"

step "pulumi up of the dev stack"
pulumi stack select --create dev >/dev/null
pulumi config set armEndpoint "$E2E_AZURE_URL" >/dev/null
# azure-native's cloud is the local Azure too (its metadataHost, as for an
# Azure Stack): the preflight sends its token only to the provider's cloud.
METADATA_HOST=${E2E_AZURE_URL#https://}
pulumi config set azure-native:metadataHost "${METADATA_HOST%/}" >/dev/null
UP0=$SECONDS
pulumi up --yes --stack dev --skip-preview
echo "-- pulumi up took $((SECONDS - UP0))s"

step "outputs"
pulumi stack output
step "the demo's log (kubectl logs job/sc-demo-openai-identity)"
kubectl logs job/sc-demo-openai-identity

ok=1
cat <<EOF

The playground runs (started in $((SECONDS - T0))s). It is a local model of Azure, not Azure; see docs/playground.md.
Try:
  source $LOCAL/env.sh        # pulumi and kubectl against it, in the project's copy
  kubectl get nodes,pods -A
  pulumi preview
  pulumi config set demoDeadlineSeconds 300 && pulumi up
  pulumi destroy
Stop it all with: make local-down
EOF
