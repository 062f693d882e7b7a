#!/usr/bin/env bash
# What each of the program's dependencies adds to its link time and size
# (part of `make bench`). Each row is a small main in a copy of the
# project's module that imports the Pulumi Go SDK plus the row's packages,
# built warm; the packages' init functions register every SDK output type,
# which keeps their methods linked, so a blank import links about what the
# program's use of them does. client-go is an underestimate: only what its
# packages' inits reach is linked.
# Usage: testtools/bench-deps.sh [project copy]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$(mktemp -d -t aks-openai-deps-XXXX)
trap 'rm -rf "$WORK"' EXIT
tar -C "$ROOT" --exclude=./.git --exclude=./e2e --exclude=./testtools --exclude=./.ci --exclude=./.build -cf - . | tar -C "$WORK" -xf -

AZ=github.com/pulumi/pulumi-azure-native-sdk
K8S=github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes
declare -A ROWS=(
  [1-pulumi-sdk]=""
  [2-azure-native]="$AZ/v2 $AZ/resources/v2 $AZ/authorization/v2 $AZ/containerservice/v2 $AZ/containerregistry/v2 $AZ/containerregistry/v2/v20230101preview $AZ/managedidentity/v2"
  [3-pulumi-kubernetes]="$K8S $K8S/core/v1 $K8S/batch/v1 $K8S/meta/v1"
  [4-client-go]="k8s.io/client-go/metadata k8s.io/client-go/tools/clientcmd k8s.io/apimachinery/pkg/util/wait"
)
now() { date +%s.%N; }
printf '%-22s %9s %9s\n' "imports (+ Pulumi SDK)" "link s" "MiB"
for row in $(printf '%s\n' "${!ROWS[@]}" | sort); do
  dir="$WORK/zz-bench-$row"
  mkdir -p "$dir"
  {
    echo "package main"
    echo 'import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"'
    for p in ${ROWS[$row]}; do echo "import _ \"$p\""; done
    echo 'func main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }'
  } >"$dir/main.go"
  (cd "$WORK" && go build -o "$WORK/bin" "./zz-bench-$row") # warm the cache
  echo "// edit" >>"$dir/main.go"
  t0=$(now); (cd "$WORK" && go build -o "$WORK/bin" "./zz-bench-$row"); t1=$(now)
  printf '%-22s %9.1f %9.0f\n' "${row#*-}" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(( $(stat -c %s "$WORK/bin") / 1024 / 1024 ))"
done
(cd "$WORK" && go build -o "$WORK/bin" .) # warm: the copy's own packages too
t0=$(now); (cd "$WORK" && echo "// edit" >>main.go && go build -o "$WORK/bin" .); t1=$(now)
printf '%-22s %9.1f %9.0f\n' "the program" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(( $(stat -c %s "$WORK/bin") / 1024 / 1024 ))"
