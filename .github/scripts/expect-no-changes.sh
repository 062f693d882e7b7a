#!/usr/bin/env bash
# After an `up`: a preview of the same stack must propose nothing. A perpetual
# diff (a property Azure normalises or sets itself, a value another service
# writes back) fails the run here, with every resource that would change named
# in the log and in the step summary.
# Usage: expect-no-changes.sh <stack>
set -uo pipefail
stack=$1
out=$RUNNER_TEMP/preview-$stack.json

pulumi preview --stack "$stack" --non-interactive --expect-no-changes --json >"$out"
rc=$?
# One line per step that is not a no-op: operation, URN, what differs.
changed=$(jq -r '.steps[]? | select(.op != "same" and .op != "read")
  | "\(.op) \(.urn) \((.diffReasons // []) | join(","))"' "$out" 2>/dev/null)

if [[ $rc -eq 0 && -z $changed ]]; then
  echo "### \`$stack\`: a second look after the deploy changes nothing" >>"$GITHUB_STEP_SUMMARY"
  exit 0
fi
{
  echo "### \`$stack\`: changes proposed right after the deploy"
  echo '```'
  echo "${changed:-pulumi preview failed (exit $rc): see the job log}"
  echo '```'
} >>"$GITHUB_STEP_SUMMARY"
while read -r op urn reasons; do
  [[ -n $op ]] && echo "::error title=perpetual diff on $stack::$op $urn (${reasons:-no property named})"
done <<<"$changed"
exit 1
