#!/usr/bin/env bash
# npm run verify-components -- [options]: the real Thanos reads what the stacks render for it
# (tools/components/). Builds or reuses it and an S3 server (toolchain/build.sh s3-server thanos, cached
# outside the clone), then runs the check inside a network namespace made here with only loopback up.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/netns.sh
source scripts/netns.sh
for arg in "$@"; do
  case $arg in -h | --help) exec npx ts-node --swc tools/components/cli.ts --help ;; esac
done
require_netns verify-components
command -v unshare >/dev/null || { echo "verify-components: needs unshare (util-linux) to give each program its own mounts" >&2; exit 2; }

bin=$(bash toolchain/build.sh s3-server thanos | tail -n1)
# Helm renders the stacks.
ensure_helm verify-components "$bin"
use_shared_charts
in_netns lgtm-components npx ts-node --swc tools/components/cli.ts --toolchain "$bin" "$@"
