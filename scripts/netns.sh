#!/usr/bin/env bash
# Shared by scripts/e2e.sh and scripts/verify-components.sh (sourced): what both need to run real
# programs on this machine, and the network namespace with only loopback up that they run in, so
# nothing started can dial an address off this machine.

# require_netns TOOL: exit 2 unless a network namespace can be made here.
require_netns() {
  command -v ip >/dev/null || { echo "$1: needs ip (iproute2) to make a network namespace" >&2; exit 2; }
  [ "$(id -u)" -eq 0 ] || { echo "$1: needs root to make a network namespace (ip netns add)" >&2; exit 2; }
}

# ensure_helm TOOL BIN_DIR: exports HELM_BIN unless helm is set or on PATH, fetching it with
# ../shared/tools/get-helm.sh into the toolchain cache beside BIN_DIR when that script is there.
ensure_helm() {
  if [ -n "${HELM_BIN:-}" ] || command -v helm >/dev/null; then return 0; fi
  if [ ! -f ../shared/tools/get-helm.sh ]; then
    echo "$1: needs helm (HELM_BIN or on PATH)" >&2
    exit 2
  fi
  bash ../shared/tools/get-helm.sh "$(dirname "$2")/helm-bin" >/dev/null
  HELM_BIN="$(dirname "$2")/helm-bin/helm"
  export HELM_BIN
}

# use_shared_charts: the pinned charts from ../shared unless LGTM_CHARTS_DIR says otherwise.
use_shared_charts() {
  if [ -z "${LGTM_CHARTS_DIR:-}" ] && [ -d ../shared/charts ]; then export LGTM_CHARTS_DIR="$PWD/../shared/charts"; fi
}

# in_netns NAME COMMAND...: runs COMMAND in a new namespace NAME-<pid> with only loopback up, deleted on exit.
in_netns() {
  netns_name="$1-$$"
  shift
  ip netns add "$netns_name"
  trap 'ip netns delete "$netns_name" 2>/dev/null || true' EXIT
  ip -n "$netns_name" link set lo up
  ip netns exec "$netns_name" "$@"
}
