#!/usr/bin/env bash
# npm run e2e -- [options]: the real-engine suite (tools/e2e/). Builds or reuses the Go toolchain
# (toolchain/build.sh, cached outside the clone), then runs the suite inside a network namespace made
# here with only loopback up, so nothing it starts can dial an address off this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
  case $arg in -h | --help) exec npx ts-node --transpile-only tools/e2e/cli.ts --help ;; esac
done
command -v ip >/dev/null || { echo "e2e: needs ip (iproute2) to make a network namespace" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "e2e: needs root to make a network namespace (ip netns add)" >&2; exit 2; }

bin=$(bash toolchain/build.sh | tail -n1)
# Helm packages the pinned charts into the loopback mirror and lists the releases.
if [ -z "${HELM_BIN:-}" ] && ! command -v helm >/dev/null; then
  if [ -f ../shared/tools/get-helm.sh ]; then
    bash ../shared/tools/get-helm.sh "$(dirname "$bin")/helm-bin" >/dev/null
    HELM_BIN="$(dirname "$bin")/helm-bin/helm"
    export HELM_BIN
  else
    echo "e2e: needs helm (HELM_BIN or on PATH) to serve the charts" >&2
    exit 2
  fi
fi
if [ -z "${LGTM_CHARTS_DIR:-}" ] && [ -d ../shared/charts ]; then export LGTM_CHARTS_DIR="$PWD/../shared/charts"; fi

ns="lgtm-e2e-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns" 2>/dev/null || true' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" npx ts-node --transpile-only tools/e2e/cli.ts --toolchain "$(dirname "$bin")" "$@"
