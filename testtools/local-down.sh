#!/usr/bin/env bash
# Stops the local playground that local-up.sh started, by PID: the local
# Azure, then the cluster (down.sh). Its folder stays for inspection until
# the next local-up.
set -euo pipefail
cd "$(dirname "$0")/.."
E2E_CACHE="${E2E_CACHE:-$HOME/.cache/aks-openai-e2e}"
LOCAL="${LOCAL_DIR:-$E2E_CACHE/local}"
rc=0
if [[ -f "$LOCAL/localazure.pid" ]]; then
  pid=$(cat "$LOCAL/localazure.pid")
  if [[ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)" 2>/dev/null)" == localazure ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
    echo "[local-down] local Azure stopped (pid $pid)"
  fi
  rm -f "$LOCAL/localazure.pid"
fi
if [[ -d "$LOCAL/cluster" ]]; then
  bash testtools/cluster/down.sh "$LOCAL/cluster" || rc=1
fi
exit $rc
