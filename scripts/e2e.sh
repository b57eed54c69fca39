#!/usr/bin/env bash
# npm run e2e -- [options]: the real-engine suite (tools/e2e/). Builds or reuses the Go toolchain
# (toolchain/build.sh, cached outside the clone), then runs the suite inside a network namespace made
# here with only loopback up, so nothing it starts can dial an address off this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/netns.sh
source scripts/netns.sh
for arg in "$@"; do
  case $arg in -h | --help) exec npx ts-node --swc tools/e2e/cli.ts --help ;; esac
done
require_netns e2e

bin=$(bash toolchain/build.sh | tail -n1)
# Helm packages the pinned charts into the loopback mirror and lists the releases.
ensure_helm e2e "$bin"
use_shared_charts
in_netns lgtm-e2e npx ts-node --swc tools/e2e/cli.ts --toolchain "$(dirname "$bin")" "$@"
