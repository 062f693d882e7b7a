#!/usr/bin/env bash
# The stack's outputs as a table in the step summary. Secret outputs (the
# kubeconfig) stay "[secret]": --show-secrets is never passed here.
# Usage: outputs-summary.sh <stack>
set -euo pipefail
stack=$1
{
  echo "### \`$stack\`: stack outputs"
  echo
  echo '| Output | Value |'
  echo '|---|---|'
  pulumi stack output --stack "$stack" --json |
    jq -r 'to_entries[] | "| `\(.key)` | `\(.value | if type == "string" then . else tojson end)` |"'
} >>"$GITHUB_STEP_SUMMARY"
