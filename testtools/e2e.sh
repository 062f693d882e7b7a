#!/usr/bin/env bash
# The end-to-end suite: builds the tools (cached outside the repo), starts a
# local Kubernetes cluster (control plane, Azure's workload identity webhook,
# a node that runs pods as local processes), runs the suite in e2e/ against
# it and the Azure stand-in, and stops everything it started, even on failure.
#
# Usage: testtools/e2e.sh [go test args...]   (e.g. -run TestLifecycle)
# Env:   E2E_CACHE (default ~/.cache/aks-openai-e2e)
set -euo pipefail
cd "$(dirname "$0")/.."

export E2E_CACHE="${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}"
# The issuer the stand-in reports as the cluster's OIDC issuer URL; the API
# server signs service account tokens with exactly this issuer.
export E2E_ISSUER="https://oidc.e2e.invalid/00000000-0000-0000-0000-00000000bbbb/aks/"

T0=$SECONDS
phase() { printf '\n== %s (at %ds)\n' "$1" "$((SECONDS - T0))"; }
timed() { local s=$SECONDS; "$@"; echo "-- took $((SECONDS - s))s: $*"; }

phase "build the Pulumi toolchain"
timed bash testtools/toolchain/build.sh
phase "build the Kubernetes control plane and Azure's webhook"
timed bash testtools/cluster/build.sh
phase "build the node agent"
# In this repository's module; Go's build cache makes a rebuild quick.
timed bash -c "cd testtools && go build -o \"$E2E_CACHE/bin/nodeagent\" ./nodeagent"

CLUSTER_DIR=$(mktemp -d -t aks-openai-e2e-cluster-XXXX)
cleanup() {
  phase "stop the cluster"
  bash testtools/cluster/down.sh "$CLUSTER_DIR" || true
  rm -rf "$CLUSTER_DIR"
}
trap cleanup EXIT

phase "start the cluster"
timed env SA_ISSUER="$E2E_ISSUER" bash testtools/cluster/up.sh "$CLUSTER_DIR"
# shellcheck disable=SC1091
source "$CLUSTER_DIR/env"
export E2E_BIN="$E2E_CACHE/bin" E2E_KUBECONFIG="$CLUSTER_DIR/admin.kubeconfig"

phase "run the suite"
# The suite is a module of its own (e2e/go.mod), so the program's go.mod
# carries nothing that only the tests need. Three scenarios at a time, not
# GOMAXPROCS' two: they mostly wait on the delays they inject, and on 2
# cores the whole suite took 302 s against 347 s and 380 s (runs of
# 2026-12-03); a -parallel given to e2e.sh still wins.
timed bash -c 'cd e2e && exec go test -tags e2e -count=1 -timeout 75m -parallel 3 -v . "$@"' e2e "$@"
