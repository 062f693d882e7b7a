#!/usr/bin/env bash
# Stops the control plane that up.sh started in DIR, by the PIDs in DIR/pids:
# the node agent (which stops its pods' processes), Azure's webhook,
# kube-scheduler, kube-controller-manager, then kube-apiserver, then etcd. Each runs in its own process group (setsid), which is signalled as a
# whole (SIGTERM, then SIGKILL after DOWN_TIMEOUT seconds); down.sh waits for
# every process to exit and for the ports in DIR/env to be free. State (etcd
# data, pki, logs) stays in DIR; remove DIR to discard it.
#
# Usage: down.sh DIR
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
[[ -d "$1" ]] || { echo "down.sh: $1: no such directory" >&2; exit 0; }
DIR="$(cd "$1" && pwd)"
DOWN_TIMEOUT="${DOWN_TIMEOUT:-15}"

# alive PID NAME: PID runs and is NAME (guards against a reused PID).
alive() {
  local exe
  exe="$(readlink "/proc/$1/exe" 2>/dev/null)" || return 1
  [[ "$(basename "${exe% (deleted)}")" == "$2" ]]
}

# group_alive PGID: any process left in that process group.
group_alive() { pgrep -g "$1" >/dev/null 2>&1; }

declare -A PID=() T0=()
# signal NAME: SIGTERM to the component's process group, if it runs.
signal() {
  local name="$1" f="$DIR/pids/$1.pid" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if ! alive "$pid" "$name"; then rm -f "$f"; return 0; fi
  PID[$name]=$pid
  T0[$name]=$(date +%s%N)
  # up.sh starts each component with setsid, so PID is also its PGID.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
}
# reap NAME: wait for the process and its group to exit (SIGKILL after
# DOWN_TIMEOUT seconds).
reap() {
  local name="$1" pid="${PID[$1]:-}"
  [[ -n "$pid" ]] || return 0
  local deadline=$((SECONDS + DOWN_TIMEOUT)) sig=TERM
  while alive "$pid" "$name" || group_alive "$pid"; do
    if ((SECONDS >= deadline)) && [[ $sig == TERM ]]; then
      echo "[down] $name (pid $pid) ignored SIGTERM for ${DOWN_TIMEOUT}s: SIGKILL" >&2
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      sig=KILL
      deadline=$((SECONDS + 10))
    elif ((SECONDS >= deadline)); then
      echo "[down] $name (pid $pid) did not exit" >&2
      return 1
    fi
    sleep 0.05
  done
  rm -f "$DIR/pids/$name.pid"
  printf '[down] %s stopped (pid %s, %dms)\n' "$name" "$pid" $((($(date +%s%N) - T0[$name]) / 1000000))
}

rc=0
# Clients of the API server first (together), then kube-apiserver, then etcd.
for group in "nodeagent azure-wi-webhook kube-scheduler kube-controller-manager" kube-apiserver etcd; do
  for name in $group; do signal "$name"; done
  for name in $group; do reap "$name" || rc=1; done
done

# Wait for the ports to be released (no listener left).
if [[ -f "$DIR/env" ]]; then
  ports=$(sed -n 's/^export [A-Z_]*PORT=\([0-9]*\)$/\1/p' "$DIR/env")
  deadline=$((SECONDS + 10))
  for p in $ports; do
    while [[ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ]]; do
      if ((SECONDS >= deadline)); then echo "[down] port $p still has a listener" >&2; rc=1; break; fi
      sleep 0.1
    done
  done
fi
exit $rc
