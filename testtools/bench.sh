#!/usr/bin/env bash
# The inner loop's two figures (`make bench`), each the median of 5 runs:
#
#   rebuild  the program's warm `go build` after a one-line edit of main.go,
#            as `pulumi preview` does it, in a copy of the project;
#   preview  a no-change `pulumi preview` of the dev stack in the local
#            playground (local toolchain and Azure stand-in), program build
#            included, as a user runs it.
#
# Then the rebuild once more without symbol table and DWARF (GOFLAGS=
# -ldflags=-s -w, a setting each user may export), and what each dependency
# adds to link time and size.
#
# The playground is used if it runs (make local-up); otherwise it is started
# for the bench and stopped afterwards. It shares the machine's one local
# cluster with `make e2e`: don't run both at once.
#
# Env: BENCH_RUNS (default 5), E2E_CACHE, LOCAL_DIR as for local-up.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${BENCH_RUNS:-5}
export E2E_CACHE="${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}"
LOCAL="${LOCAL_DIR:-$E2E_CACHE/local}"

now() { date +%s.%N; }
# secs T0 T1: the seconds between two now()s.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'; }
# median of the numbers on stdin, in seconds with one decimal.
median() { sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }

WORK=$(mktemp -d -t aks-openai-bench-XXXX)
started=0
cleanup() {
  ((started)) && bash "$ROOT/testtools/local-down.sh" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== rebuild after a one-line edit of main.go ($RUNS runs)"
mkdir -p "$WORK/project"
tar -C "$ROOT" --exclude=./.git --exclude=./e2e --exclude=./testtools --exclude=./.ci --exclude=./.build -cf - . | tar -C "$WORK/project" -xf -
# What the Go language host runs for each preview and up.
build() { (cd "$WORK/project" && go build "$@" -o "$WORK/program" .); }
# rebuilds FILE [go build flags]: RUNS timed builds, each after a one-line edit.
rebuilds() {
  local out=$1 i t0 t1
  shift
  build "$@" # warm: the build cache holds every dependency from here on
  : >"$out"
  for i in $(seq 1 "$RUNS"); do
    echo "// bench edit $i" >>"$WORK/project/main.go"
    t0=$(now); build "$@"; t1=$(now)
    secs "$t0" "$t1" | tee -a "$out" | sed "s/^/  run $i: /; s/$/ s/"
  done
}
rebuilds "$WORK/rebuild"
size=$(stat -c %s "$WORK/program")
rebuild=$(median <"$WORK/rebuild")
echo "== the same, with -ldflags='-s -w' ($RUNS runs)"
rebuilds "$WORK/rebuild-sw" -ldflags='-s -w'
size_sw=$(stat -c %s "$WORK/program")
rebuild_sw=$(median <"$WORK/rebuild-sw")

echo "== no-change pulumi preview of the dev stack ($RUNS runs)"
if [[ -f "$LOCAL/localazure.pid" ]] && kill -0 "$(cat "$LOCAL/localazure.pid")" 2>/dev/null; then
  echo "  the playground runs: using it"
else
  echo "  starting the playground (make local-up)"
  started=1
  bash "$ROOT/testtools/local-up.sh" >"$WORK/local-up.log" 2>&1 || { tail -30 "$WORK/local-up.log" >&2; exit 1; }
fi
# shellcheck disable=SC1091
source "$LOCAL/env.sh"
: >"$WORK/preview"
for i in $(seq 1 "$RUNS"); do
  t0=$(now)
  pulumi preview --stack dev --expect-no-changes >"$WORK/preview.out" 2>&1 || { cat "$WORK/preview.out" >&2; exit 1; }
  t1=$(now)
  secs "$t0" "$t1" | tee -a "$WORK/preview" | sed "s/^/  run $i: /; s/$/ s/"
done
preview=$(median <"$WORK/preview")

echo "== what each dependency adds (one warm build each)"
# Each row is a small main in the project's copy that imports the Pulumi Go
# SDK plus the row's packages. Their init functions register every SDK
# output type, which keeps the types' methods linked, so a blank import
# links about what the program's use of them does; client-go's row is an
# underestimate (only what its packages' inits reach is linked).
AZ=github.com/pulumi/pulumi-azure-native-sdk
K8S=github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes
declare -A ROWS=(
  [1-pulumi-sdk]=""
  [2-azure-native]="$AZ/v2 $AZ/resources/v2 $AZ/authorization/v2 $AZ/containerservice/v2 $AZ/containerregistry/v2 $AZ/containerregistry/v2/v20230101preview $AZ/managedidentity/v2"
  [3-pulumi-kubernetes]="$K8S $K8S/core/v1 $K8S/batch/v1 $K8S/meta/v1"
  [4-client-go]="k8s.io/client-go/metadata k8s.io/client-go/tools/clientcmd k8s.io/apimachinery/pkg/util/wait"
)
printf '%-22s %9s %9s\n' "imports (+ Pulumi SDK)" "link s" "MiB"
for row in $(printf '%s\n' "${!ROWS[@]}" | sort); do
  dir="$WORK/project/zz-bench-$row"
  mkdir -p "$dir"
  {
    echo "package main"
    echo 'import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"'
    for p in ${ROWS[$row]}; do echo "import _ \"$p\""; done
    echo 'func main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }'
  } >"$dir/main.go"
  (cd "$WORK/project" && go build -o "$WORK/bin" "./zz-bench-$row") # warm the cache
  echo "// edit" >>"$dir/main.go"
  t0=$(now); (cd "$WORK/project" && go build -o "$WORK/bin" "./zz-bench-$row"); t1=$(now)
  printf '%-22s %9.1f %9.0f\n' "${row#*-}" "$(secs "$t0" "$t1")" "$(( $(stat -c %s "$WORK/bin") / 1024 / 1024 ))"
done
printf '%-22s %9.1f %9.0f\n' "the program (above)" "$rebuild" "$((size / 1024 / 1024))"

cat <<EOF

bench (median of $RUNS, $(nproc) cores, $(go version | cut -d' ' -f3), load average $(cut -d' ' -f1-3 /proc/loadavg)):
  rebuild after a one-line edit of main.go:  ${rebuild} s (binary $((size / 1024 / 1024)) MiB)
  the same with -ldflags='-s -w':            ${rebuild_sw} s (binary $((size_sw / 1024 / 1024)) MiB)
  no-change pulumi preview of the dev stack: ${preview} s
EOF
