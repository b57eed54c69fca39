#!/usr/bin/env bash
# npm run verify-components -- [options]: the real Thanos reads what the stacks render for it
# (tools/components/). Builds or reuses it and an S3 server (toolchain/build.sh s3-server thanos, cached
# outside the clone), then runs the check inside a network namespace made here with only loopback up.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
  case $arg in -h | --help) exec npx ts-node --transpile-only tools/components/cli.ts --help ;; esac
done
command -v ip >/dev/null || { echo "verify-components: needs ip (iproute2) to make a network namespace" >&2; exit 2; }
command -v unshare >/dev/null || { echo "verify-components: needs unshare (util-linux) to give each program its own mounts" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "verify-components: needs root to make a network namespace (ip netns add)" >&2; exit 2; }

bin=$(bash toolchain/build.sh s3-server thanos | tail -n1)
if [ -z "${HELM_BIN:-}" ] && ! command -v helm >/dev/null; then
  if [ -f ../shared/tools/get-helm.sh ]; then
    bash ../shared/tools/get-helm.sh "$(dirname "$bin")/helm-bin" >/dev/null
    HELM_BIN="$(dirname "$bin")/helm-bin/helm"
    export HELM_BIN
  else
    echo "verify-components: needs helm (HELM_BIN or on PATH) to render the stacks" >&2
    exit 2
  fi
fi
if [ -z "${LGTM_CHARTS_DIR:-}" ] && [ -d ../shared/charts ]; then export LGTM_CHARTS_DIR="$PWD/../shared/charts"; fi

ns="lgtm-components-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns" 2>/dev/null || true' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" npx ts-node --transpile-only tools/components/cli.ts --toolchain "$bin" "$@"
