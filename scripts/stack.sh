#!/usr/bin/env bash
# stack.sh COMMAND STACK [pulumi args…] — the daily loop for one stack, printing what it runs.
#   COMMAND: preview | up | destroy | refresh | outputs   (npm run <COMMAND> -- STACK [pulumi args…])
# Uses your Pulumi backend when you have one (PULUMI_BACKEND_URL or `pulumi login`); otherwise a
# local file backend in .pulumi-state/ of this repository, so no account is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/stack.sh preview|up|destroy|refresh|outputs dev|prod [pulumi args…]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
command=$1 stack=$2; shift 2
case $command in preview|up|destroy|refresh|outputs) ;; *) usage ;; esac
if [[ ! -f Pulumi.$stack.yaml ]]; then
  known=(Pulumi.*.yaml) && known=("${known[@]#Pulumi.}")
  echo "stack.sh: no Pulumi.$stack.yaml; stacks here: ${known[*]%.yaml}" >&2
  exit 2
fi
command -v pulumi >/dev/null || { echo "stack.sh: the Pulumi CLI is missing: https://www.pulumi.com/docs/install/" >&2; exit 1; }

run() { echo "+ $*" >&2; "$@"; }

if [[ -z ${PULUMI_BACKEND_URL:-} ]] && ! pulumi whoami --non-interactive >/dev/null 2>&1; then
  mkdir -p .pulumi-state
  export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
  echo "stack.sh: no Pulumi backend configured; using $PULUMI_BACKEND_URL" >&2
  if [[ -z ${PULUMI_CONFIG_PASSPHRASE+set} && -z ${PULUMI_CONFIG_PASSPHRASE_FILE:-} ]]; then
    [[ $stack == dev ]] || { echo "stack.sh: set PULUMI_CONFIG_PASSPHRASE (or _FILE) to encrypt the $stack stack's secrets" >&2; exit 1; }
    export PULUMI_CONFIG_PASSPHRASE=""
    echo "stack.sh: dev stack secrets are encrypted with an empty passphrase (set PULUMI_CONFIG_PASSPHRASE to choose one)" >&2
  fi
fi

[[ -d node_modules ]] || run npm ci
run pulumi stack select --create --non-interactive "$stack"
case $command in
  outputs) run pulumi stack output --stack "$stack" "$@" ;;
  *) run pulumi "$command" --stack "$stack" "$@" ;;
esac
