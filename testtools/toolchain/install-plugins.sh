#!/usr/bin/env bash
# Installs the resource plugins the end-to-end tests need into a PULUMI_HOME,
# without any download, using the CLI built by ./build.sh:
#
#   kubernetes    4.32.0                          <- bin/pulumi-resource-kubernetes
#   azure-native  2.92.0 2.90.0 2.81.0 2.80.0     <- AZURE_STANDIN_BINARY
#
# The Go language host reports every azure-native version named by an SDK
# module in go.mod, so all four must be installed when automatic plugin
# acquisition is off.
#
# Idempotent: a plugin whose installed binary already has the same sha256 is
# left alone; a different one is reinstalled.
#
# Usage: testtools/toolchain/install-plugins.sh PULUMI_HOME AZURE_STANDIN_BINARY
# Env:   E2E_CACHE (default $HOME/.cache/aks-openai-e2e), PULUMI (CLI to use,
#        default $E2E_CACHE/bin/pulumi), KUBERNETES_PLUGIN_BINARY.
set -euo pipefail

KUBERNETES_PLUGIN_VERSION=4.32.0
AZURE_NATIVE_VERSIONS=(2.92.0 2.90.0 2.81.0 2.80.0)

if [[ $# -ne 2 ]]; then
	echo "usage: $0 PULUMI_HOME AZURE_STANDIN_BINARY" >&2
	exit 2
fi
mkdir -p "$1"
HOME_DIR=$(cd "$1" && pwd)
AZURE_BIN=$(realpath "$2")
CACHE=${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}
PULUMI=${PULUMI:-$CACHE/bin/pulumi}
K8S_BIN=$(realpath "${KUBERNETES_PLUGIN_BINARY:-$CACHE/bin/pulumi-resource-kubernetes}")

for f in "$PULUMI" "$K8S_BIN" "$AZURE_BIN"; do
	[[ -x $f ]] || {
		echo "install-plugins: $f is missing or not executable (run testtools/toolchain/build.sh)" >&2
		exit 1
	}
done

export PULUMI_HOME=$HOME_DIR
export PULUMI_SKIP_UPDATE_CHECK=1
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

K8S_SHA=$(sha256sum <"$K8S_BIN")
AZURE_SHA=$(sha256sum <"$AZURE_BIN")

# install_plugin NAME VERSION BINARY SHA256
install_plugin() {
	local name=$1 version=$2 bin=$3 want=$4
	local installed=$PULUMI_HOME/plugins/resource-$name-v$version/pulumi-resource-$name
	if [[ -f $installed && ! -e $PULUMI_HOME/plugins/resource-$name-v$version.partial ]] &&
		[[ $(sha256sum <"$installed") == "$want" ]]; then
		echo "install-plugins: resource $name v$version already installed" >&2
		return
	fi
	# --exact: without it the CLI skips a version when a higher one is
	# installed. --reinstall: replace an outdated binary.
	"$PULUMI" plugin install resource "$name" "$version" --file "$bin" --exact --reinstall >&2
	[[ $(sha256sum <"$installed") == "$want" ]] || {
		echo "install-plugins: $installed does not match $bin after install" >&2
		exit 1
	}
	echo "install-plugins: resource $name v$version installed" >&2
}

install_plugin kubernetes "$KUBERNETES_PLUGIN_VERSION" "$K8S_BIN" "$K8S_SHA"
for v in "${AZURE_NATIVE_VERSIONS[@]}"; do
	install_plugin azure-native "$v" "$AZURE_BIN" "$AZURE_SHA"
done
