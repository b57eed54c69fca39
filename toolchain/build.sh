#!/usr/bin/env bash
# Builds the real programs the e2e suite runs, from the Go module proxy only, at the pins in
# toolchain/versions.env: the Pulumi CLI, the kubernetes resource provider, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, etcd and kwok; and, when named, the
# component whose rendered configuration npm run verify-components checks, thanos, and the S3
# server on loopback it gives Thanos (gofakes3).
#
# Everything lands outside the clone, in $LGTM_TOOLCHAIN_CACHE (default ~/.cache/lgtm-stack/toolchain),
# under a directory keyed on versions.env (pins and TOOLCHAIN_RECIPE), so a warm machine reuses it and a
# changed pin rebuilds. Prints the bin directory on its last line.
#
# usage: toolchain/build.sh [--print-dir] [PART...]
#   parts: pulumi kubernetes-provider control-plane etcd kwok (the default: what npm run e2e needs),
#          thanos s3-server (built only when named: npm run verify-components names them)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=/dev/null
source "$here/versions.env"

cache_root="${LGTM_TOOLCHAIN_CACHE:-$HOME/.cache/lgtm-stack/toolchain}"
key="$(sha256sum <"$here/versions.env" | cut -c1-16)"
out="$cache_root/$key"
bin="$out/bin"

if [ "${1:-}" = "--print-dir" ]; then
  echo "$bin"
  exit 0
fi

export GOMODCACHE="$cache_root/go/mod"
export GOCACHE="$cache_root/go/build"
export GOTOOLCHAIN=local
export GOFLAGS=-mod=mod
export CGO_ENABLED=0
mkdir -p "$bin" "$out/src"

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# new_module DIR NAME: an empty wrapper module, our own, in the cache.
new_module() {
  rm -rf "$1"
  mkdir -p "$1"
  (cd "$1" && go mod init "$2" >/dev/null 2>&1 && go mod edit -go=1.25.0)
}

# repeat_replaces GOMOD: a replace directive applies only in the main module, so a wrapper repeats
# each of upstream's module replacements (path replacements are handled by each part).
repeat_replaces() {
  local old new
  go mod edit -json "$1" | jq -r '.Replace // [] | .[] | select(.New.Version != null) | "\(.Old.Path)\(if .Old.Version then "@" + .Old.Version else "" end) \(.New.Path)@\(.New.Version)"' |
    while read -r old new; do
      go mod edit -replace "$old=$new"
    done
}

# module_file MODULE@VERSION FIELD: a field (Dir, GoMod) of go mod download's answer.
module_file() {
  go mod download -json "$1" | jq -r ".$2"
}

timed() {
  local part="$1" started
  shift
  if [ -x "$bin/.done-$part" ]; then
    log "$part: cached"
    return 0
  fi
  started=$(date +%s)
  log "$part: building"
  "$@"
  : >"$bin/.done-$part"
  chmod +x "$bin/.done-$part"
  log "$part: built in $(($(date +%s) - started)) s"
}

build_pulumi() {
  local m="$out/src/pulumi"
  new_module "$m" lgtm.local/toolchain/pulumi
  (
    cd "$m"
    # pkg/v3 replaces sdk/v3 with a path and clipboard with a fork; a wrapper repeats the fork and
    # requires sdk/v3 at the same release instead of the path.
    go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    go get "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
    go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION"
    go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
}

build_kubernetes_provider() {
  local m="$out/src/kubernetes-provider" mod dir
  mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  new_module "$m" lgtm.local/toolchain/kubernetes-provider
  (
    cd "$m"
    # The provider replaces its sibling sdk/v4 with a path; no provider package imports it, so any
    # served sdk/v4 satisfies the requirement.
    go mod edit -replace "github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@$KUBERNETES_PROVIDER_SDK_STUB_VERSION"
    go get "$mod@$KUBERNETES_PROVIDER_MODULE_VERSION"
    dir="$(go mod download -json "$mod@$KUBERNETES_PROVIDER_MODULE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    # main.go embeds files that upstream's `go generate` writes (schema-embed.json, with the release
    # version in it): generate them in a writable copy, as upstream's Makefile does.
    mkdir -p cmd/pulumi-resource-kubernetes
    cp "$dir"/cmd/pulumi-resource-kubernetes/* cmd/pulumi-resource-kubernetes/
    chmod -R u+w cmd
    (cd cmd/pulumi-resource-kubernetes && VERSION="$KUBERNETES_PROVIDER_VERSION" go run generate.go)
    go mod tidy
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" \
      -o "$bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
  )
  # What the e2e suite installs the binary as: the version it was built at, nothing else.
  echo "$KUBERNETES_PROVIDER_VERSION" >"$bin/.version-kubernetes"
}

build_control_plane() {
  local m="$out/src/control-plane" gomod staging ldflags=() key
  new_module "$m" lgtm.local/toolchain/control-plane
  (
    cd "$m"
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with paths; a
    # consumer replaces each with the published module of the same release.
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod" | while read -r staging; do
      go mod edit -replace "$staging=$staging@$KUBERNETES_STAGING_VERSION"
    done
    # Keep upstream's run-time GODEBUG defaults (its go.mod says go 1.25).
    printf '\ngodebug default=go1.25\n' >>go.mod
    for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      go get -tool "k8s.io/kubernetes/cmd/$cmd@$KUBERNETES_VERSION"
    done
    # Stamp the version: Pulumi refuses clusters older than 1.13 and Helm checks charts' kubeVersion
    # against the server's gitVersion.
    for key in gitVersion=$KUBERNETES_VERSION gitMajor=1 gitMinor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)" \
      gitTreeState=clean; do
      ldflags+=("-X k8s.io/component-base/version.$key" "-X k8s.io/client-go/pkg/version.$key")
    done
    for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      go build -trimpath -ldflags "-s -w ${ldflags[*]}" -o "$bin/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    done
  )
}

build_etcd() {
  local m="$out/src/etcd"
  new_module "$m" lgtm.local/toolchain/etcd
  (
    cd "$m"
    go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
  )
}

build_kwok() {
  local m="$out/src/kwok" dir
  new_module "$m" lgtm.local/toolchain/kwok
  (
    cd "$m"
    go mod edit -go=1.26.0
    go get -tool "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    go build -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" -o "$bin/kwok" sigs.k8s.io/kwok/cmd/kwok
    # kwok has no built-in stages since v0.8.0: keep the fast node and pod stages of the same release.
    dir="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    rm -rf "$out/kwok-stages" && mkdir -p "$out/kwok-stages"
    cat "$dir"/kustomize/stage/node/fast/node-initialize.yaml \
      <(echo ---) "$dir"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      <(echo ---) "$dir"/kustomize/stage/pod/fast/pod-ready.yaml \
      <(echo ---) "$dir"/kustomize/stage/pod/fast/pod-complete.yaml \
      <(echo ---) "$dir"/kustomize/stage/pod/fast/pod-delete.yaml >"$out/kwok-stages/stages.yaml"
  )
}

build_thanos() {
  local m="$out/src/thanos"
  new_module "$m" lgtm.local/toolchain/thanos
  (
    cd "$m"
    repeat_replaces "$(module_file "github.com/thanos-io/thanos@$THANOS_VERSION" GoMod)"
    go get -tool "github.com/thanos-io/thanos/cmd/thanos@$THANOS_VERSION"
    # As upstream's .promu.yml: tags netgo and slicelabels, the version without its v.
    go build -trimpath -tags netgo,slicelabels \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${THANOS_VERSION#v}" \
      -o "$bin/thanos" github.com/thanos-io/thanos/cmd/thanos
  )
  echo "$THANOS_VERSION" >"$bin/.version-thanos"
}

build_s3_server() {
  local m="$out/src/s3-server"
  new_module "$m" lgtm.local/toolchain/s3-server
  (
    cd "$m"
    go get -tool "github.com/johannesboyne/gofakes3/cmd/gofakes3@$GOFAKES3_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$bin/gofakes3" github.com/johannesboyne/gofakes3/cmd/gofakes3
  )
}

parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(pulumi kubernetes-provider control-plane etcd kwok)
total_started=$(date +%s)
for part in "${parts[@]}"; do
  case "$part" in
  pulumi) timed pulumi build_pulumi ;;
  kubernetes-provider) timed kubernetes-provider build_kubernetes_provider ;;
  control-plane) timed control-plane build_control_plane ;;
  etcd) timed etcd build_etcd ;;
  kwok) timed kwok build_kwok ;;
  thanos) timed thanos build_thanos ;;
  s3-server) timed s3-server build_s3_server ;;
  *)
    echo "toolchain/build.sh: unknown part '$part' (accepted: pulumi kubernetes-provider control-plane etcd kwok thanos s3-server)" >&2
    exit 2
    ;;
  esac
done
log "toolchain ready in $(($(date +%s) - total_started)) s: $bin"
echo "$bin"
