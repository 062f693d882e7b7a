#!/usr/bin/env bash
# Builds the binaries of the local e2e Kubernetes control plane from Go
# modules (Go module proxy only) into ${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}/bin:
#   etcd                                                  (./etcd module)
#   kube-apiserver, kube-controller-manager,
#   kube-scheduler, kubectl                               (./kube module)
#   azure-wi-webhook                                      (./webhook module)
# Idempotent: a target is skipped when its stamp file matches the pinned
# version and the sha256 of its build inputs (go.mod, go.sum, sources, flags,
# Go version) and its binaries exist.
#
# Usage: build.sh [etcd|kube|webhook ...]   (default: all)
set -euo pipefail

ETCD_VERSION=v3.6.16
KUBE_VERSION=v1.37.2          # k8s.io/kubernetes; staging modules at v0.37.2
KUBE_STAGING_VERSION=v0.37.2
WEBHOOK_VERSION=v1.5.1       # github.com/Azure/azure-workload-identity

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_CACHE="${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}"
BIN="$E2E_CACHE/bin"
mkdir -p "$BIN"

export CGO_ENABLED=0
GO_VERSION="$(go env GOVERSION)"

kube_major="${KUBE_VERSION#v}"; kube_major="${kube_major%%.*}"
kube_minor="${KUBE_VERSION#v*.}"; kube_minor="${kube_minor%%.*}"
KUBE_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  KUBE_LDFLAGS+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$kube_major -X $pkg.gitMinor=$kube_minor"
  KUBE_LDFLAGS+=" -X $pkg.gitTreeState=clean"
done
ETCD_LDFLAGS="-s -w"
# The version the webhook reports (pkg/version), as its Makefile sets it.
WEBHOOK_LDFLAGS="-s -w -X github.com/Azure/azure-workload-identity/pkg/version.BuildVersion=$WEBHOOK_VERSION"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# inputs_hash NAME LDFLAGS: sha256 over the module's files and build settings.
inputs_hash() {
  local dir="$HERE/$1"
  {
    echo "go=$GO_VERSION goos=$(go env GOOS) goarch=$(go env GOARCH) cgo=$CGO_ENABLED"
    echo "ldflags=$2"
    (cd "$dir" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -d' ' -f1
}

# build_target NAME VERSION LDFLAGS PKG=OUT...
build_target() {
  local name="$1" version="$2" ldflags="$3"; shift 3
  local stamp="$BIN/.stamp-$name"
  local want; want="$version $(inputs_hash "$name" "$ldflags")"
  local missing=0 spec
  for spec in "$@"; do [[ -x "$BIN/${spec#*=}" ]] || missing=1; done
  if [[ $missing == 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "[build] $name $version: up to date (stamp hit)"
    return
  fi
  rm -f "$stamp"
  local t0 t1; t0="$(now)"
  echo "[build] $name $version: downloading modules"
  # The webhook's module is not in the checksum database.
  (cd "$HERE/$name" && GONOSUMDB=github.com/Azure/azure-workload-identity go mod download)
  for spec in "$@"; do
    local pkg="${spec%%=*}" out="${spec#*=}"
    t1="$(now)"
    echo "[build] $name: go build $pkg -> $BIN/$out"
    (cd "$HERE/$name" && go build -trimpath -ldflags "$ldflags" -o "$BIN/$out.tmp" "$pkg")
    mv -f "$BIN/$out.tmp" "$BIN/$out"
    echo "[build] $name: $out built in $(elapsed "$t1")"
  done
  echo "$want" > "$stamp"
  echo "[build] $name $version: done in $(elapsed "$t0")"
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(etcd kube webhook)
T0="$(now)"
for t in "${targets[@]}"; do
  case "$t" in
    etcd) build_target etcd "$ETCD_VERSION" "$ETCD_LDFLAGS" \
            "aks-openai-workload-identity/testtools/cluster/etcd=etcd" ;;
    kube) build_target kube "$KUBE_VERSION/$KUBE_STAGING_VERSION" "$KUBE_LDFLAGS" \
            "k8s.io/kubernetes/cmd/kube-apiserver=kube-apiserver" \
            "k8s.io/kubernetes/cmd/kube-controller-manager=kube-controller-manager" \
            "k8s.io/kubernetes/cmd/kube-scheduler=kube-scheduler" \
            "k8s.io/kubernetes/cmd/kubectl=kubectl" ;;
    webhook) build_target webhook "$WEBHOOK_VERSION" "$WEBHOOK_LDFLAGS" \
            "github.com/Azure/azure-workload-identity/cmd/webhook=azure-wi-webhook" ;;
    *) echo "build.sh: unknown target $t (want etcd, kube or webhook)" >&2; exit 2 ;;
  esac
done
echo "[build] all done in $(elapsed "$T0"); binaries in $BIN"
