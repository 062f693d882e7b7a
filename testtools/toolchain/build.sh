#!/usr/bin/env bash
# Builds the Pulumi toolchain used by the end-to-end tests, from Go modules only
# (module proxy; no release downloads), into ${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}/bin:
#
#   pulumi                      Pulumi CLI              (./pulumi-cli)
#   pulumi-language-go          Go language host        (./pulumi-language-go)
#   pulumi-resource-kubernetes  Kubernetes provider     (./kubernetes-provider)
#
# Idempotent: a binary is rebuilt only when its stamp file (version + sha256 of
# its build inputs + Go version) changes or the binary is missing. Install the
# plugins into a PULUMI_HOME with ./install-plugins.sh afterwards.
#
# Usage: testtools/toolchain/build.sh [pulumi|pulumi-language-go|pulumi-resource-kubernetes ...]
set -euo pipefail

# --- pinned versions -------------------------------------------------------
PULUMI_VERSION=3.274.1                   # github.com/pulumi/pulumi/pkg/v3 (CLI)
LANGUAGE_GO_SDK_VERSION=3.62.0           # github.com/pulumi/pulumi/sdk/v3 holding go/pulumi-language-go
KUBERNETES_PLUGIN_VERSION=4.32.0         # version the provider reports / is installed as
# github.com/pulumi/pulumi-kubernetes/provider/v4 is only served as this
# pseudo-version (commit f47bc2d6f199 = tag v4.25.0 source); see
# kubernetes-provider/go.mod.
KUBERNETES_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# ---------------------------------------------------------------------------

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}
BIN=$CACHE/bin
STAMPS=$CACHE/stamps
SRC=$CACHE/src

# Use the installed Go only, never a module-proxy toolchain; build from the
# committed go.mod/go.sum without modifying them; static binaries.
export GOTOOLCHAIN=local
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
export CGO_ENABLED=0
# Strip symbol tables / DWARF: the binaries are copied into every test
# PULUMI_HOME (the kubernetes plugin alone is ~245 MB unstripped).
STRIP_LDFLAGS="-s -w"

mkdir -p "$BIN" "$STAMPS" "$SRC"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
log() { printf '[toolchain] %s\n' "$*" >&2; }

# inputs_hash DIR EXTRA...: sha256 over the module's build inputs (go.mod,
# go.sum, *.go, relative names included), the extra strings (versions,
# ldflags) and the Go version.
inputs_hash() {
	local dir=$1
	shift
	{
		(cd "$dir" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -print0 |
			LC_ALL=C sort -z | xargs -0 sha256sum)
		printf '%s\n' "$@"
		go version
	} | sha256sum | cut -d' ' -f1
}

# fresh NAME STAMP: true when bin/NAME exists and its stamp matches.
fresh() {
	[[ -x $BIN/$1 && -f $STAMPS/$1.stamp && "$(cat "$STAMPS/$1.stamp")" == "$2" ]]
}

# step NAME VERSION MODULE_DIR LDFLAGS BUILD_FN: skip or run BUILD_FN, timed.
step() {
	local name=$1 version=$2 dir=$3 ldflags=$4 fn=$5
	local t0 stamp
	t0=$(now)
	stamp="$name $version $(inputs_hash "$dir" "$version" "$ldflags" "$GOFLAGS" "$CGO_ENABLED")"
	if fresh "$name" "$stamp"; then
		log "$name $version: up to date (stamp hit) [$(elapsed "$t0")]"
		return
	fi
	log "$name $version: building..."
	rm -f "$STAMPS/$name.stamp"
	"$fn" "$BIN/$name.tmp.$$" "$ldflags"
	mv -f "$BIN/$name.tmp.$$" "$BIN/$name"
	printf '%s\n' "$stamp" >"$STAMPS/$name.stamp"
	log "$name $version: built $BIN/$name [$(elapsed "$t0")]"
}

build_pulumi() {
	(cd "$HERE/pulumi-cli" && go build -o "$1" -ldflags "$2" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

build_language_go() {
	(cd "$HERE/pulumi-language-go" && go build -o "$1" -ldflags "$2" github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go)
}

# The upstream cmd/pulumi-resource-kubernetes embeds schema-embed.json and
# terraform-mapping-embed.json, which are not in the module zip. Stage our copy
# of that main in the cache, generate both files next to it from the
# schema.json / terraform-mapping.json that the module zip does ship (stamping
# the plugin version into the schema), then build the staged copy.
build_kubernetes() (
	local out=$1 ldflags=$2 stage=$SRC/kubernetes-provider moddir t0
	rm -rf "$stage"
	mkdir -p "$stage"
	(cd "$HERE/kubernetes-provider" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -print0 |
		xargs -0 cp --parents -t "$stage")
	cd "$stage"
	go mod download github.com/pulumi/pulumi-kubernetes/provider/v4
	moddir=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)
	[[ $(go list -m -f '{{.Version}}' github.com/pulumi/pulumi-kubernetes/provider/v4) == "$KUBERNETES_PROVIDER_MODULE_VERSION" ]] || {
		log "kubernetes-provider/go.mod does not require provider/v4 $KUBERNETES_PROVIDER_MODULE_VERSION"
		return 1
	}
	t0=$(now)
	go build -o "$stage/genschema.bin" ./genschema
	"$stage/genschema.bin" "$KUBERNETES_PLUGIN_VERSION" "$moddir" "$stage" >&2
	log "  schema generated [$(elapsed "$t0")]: $(du -h "$stage/schema-embed.json" | cut -f1) schema-embed.json"
	go build -o "$out" -ldflags "$ldflags" .
)

want() { [[ ${#TARGETS[@]} -eq 0 ]] || [[ " ${TARGETS[*]} " == *" $1 "* ]]; }
TARGETS=("$@")

T0=$(now)
log "cache: $CACHE ($(go version))"
if want pulumi; then
	step pulumi "v$PULUMI_VERSION" "$HERE/pulumi-cli" \
		"$STRIP_LDFLAGS -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" build_pulumi
fi
if want pulumi-language-go; then
	step pulumi-language-go "v$LANGUAGE_GO_SDK_VERSION" "$HERE/pulumi-language-go" \
		"$STRIP_LDFLAGS -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGUAGE_GO_SDK_VERSION" build_language_go
fi
if want pulumi-resource-kubernetes; then
	step pulumi-resource-kubernetes "$KUBERNETES_PLUGIN_VERSION" "$HERE/kubernetes-provider" \
		"$STRIP_LDFLAGS -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PLUGIN_VERSION" \
		build_kubernetes
fi
log "done [$(elapsed "$T0")]; binaries in $BIN"
