#!/usr/bin/env bash
# stack.sh COMMAND STACK [pulumi args…] — the daily loop for one stack, printing what it runs.
#   COMMAND: preview | up | destroy | refresh | outputs   (npm run <COMMAND> -- STACK [pulumi args…])
# outputs prints only what `pulumi stack output` prints on stdout (what this script runs goes to
# stderr), so that `npm run --silent outputs -- STACK --json > FILE` is the stack's outputs as JSON.
# Uses your Pulumi backend when you have one (PULUMI_BACKEND_URL or `pulumi login`); otherwise a
# local file backend in .pulumi-state/ of this repository, so no account is needed.
# Exit: 0 done, 1 Pulumi reported a failure, 2 usage or config error (or no Pulumi CLI).
set -euo pipefail
cd "$(dirname "$0")/.."

usage_text="usage: npm run preview|up|destroy|refresh|outputs -- <stack> [pulumi args…]
  <stack>: dev, prod, … (a Pulumi.<stack>.yaml); the rest goes to pulumi <command> --stack <stack>.
  outputs [--json] [--show-secrets] [name]: the stack's outputs (as JSON with --json); secret ones
  stay [secret] unless --show-secrets. Only the outputs go to stdout: npm run --silent outputs -- …
  Uses your Pulumi backend, else a local one in .pulumi-state/ (dev: empty passphrase).
  Exit: 0 done, 1 Pulumi reported a failure, 2 usage or config error (or no Pulumi CLI)."
usage() { echo "$usage_text" >&2; exit 2; }
# `npm run up -- --help`; after the stack, --help goes to pulumi (`npm run up -- dev --help`).
[[ ${2:-} == -h || ${2:-} == --help ]] && { echo "$usage_text"; exit 0; }
[[ $# -ge 2 && $2 != -* ]] || usage
command=$1 stack=$2; shift 2
case $command in preview|up|destroy|refresh|outputs) ;; *) usage ;; esac
if [[ ! -f Pulumi.$stack.yaml ]]; then
  known=(Pulumi.*.yaml) && known=("${known[@]#Pulumi.}")
  echo "stack.sh: no Pulumi.$stack.yaml; stacks here: ${known[*]%.yaml}" >&2
  exit 2
fi
command -v pulumi >/dev/null || { echo "stack.sh: the Pulumi CLI is missing: https://www.pulumi.com/docs/install/" >&2; exit 2; }

run() { echo "+ $*" >&2; "$@"; }

# Pulumi takes a set PULUMI_CONFIG_PASSPHRASE over the _FILE, even empty, and encrypts with nothing;
# only dev's throwaway secrets may be kept that way.
if [[ $stack != dev && -n ${PULUMI_CONFIG_PASSPHRASE+set} && -z $PULUMI_CONFIG_PASSPHRASE ]]; then
  echo "stack.sh: PULUMI_CONFIG_PASSPHRASE is empty, which would leave the $stack stack's secrets unprotected: set it to a passphrase (or unset it, for PULUMI_CONFIG_PASSPHRASE_FILE or a backend that keeps the secrets)" >&2
  exit 2
fi

if [[ -z ${PULUMI_BACKEND_URL:-} ]] && ! pulumi whoami --non-interactive >/dev/null 2>&1; then
  mkdir -p .pulumi-state
  export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
  echo "stack.sh: no Pulumi backend configured; using $PULUMI_BACKEND_URL" >&2
  if [[ -z ${PULUMI_CONFIG_PASSPHRASE+set} && -z ${PULUMI_CONFIG_PASSPHRASE_FILE:-} ]]; then
    [[ $stack == dev ]] || { echo "stack.sh: set PULUMI_CONFIG_PASSPHRASE (or _FILE) to encrypt the $stack stack's secrets" >&2; exit 2; }
    export PULUMI_CONFIG_PASSPHRASE=""
    echo "stack.sh: dev stack secrets are encrypted with an empty passphrase (set PULUMI_CONFIG_PASSPHRASE to choose one)" >&2
  fi
fi

# Their messages go to stderr with ours: stdout carries only what the command itself prints.
[[ -d node_modules ]] || run npm ci >&2
run pulumi stack select --create --non-interactive "$stack" >&2 || exit 2
# Pulumi exits 255 on most failures; 1 keeps the commands' codes to 0, 1 and 2.
case $command in
  outputs) run pulumi stack output --stack "$stack" "$@" || exit 1 ;;
  *) run pulumi "$command" --stack "$stack" "$@" || exit 1 ;;
esac
