#!/usr/bin/env bash
# Checks the platform's alerting with the real Prometheus and Alertmanager tools:
#   - promtool check rules   alerts/rules/*.yaml       (syntax, PromQL, templates)
#   - promtool test rules    alerts/tests/*.test.yaml  (every alert fires, and stays quiet, as tested)
#   - promtool check rules and test rules on the meta-monitoring rules the Thanos chart's ruler gets
#                            (written by tools/alerting/write-meta-rules.ts; alerts/meta-monitoring.test.yaml)
#   - amtool check-config    on each Alertmanager configuration the stack can generate
#                            (no receiver, Slack, webhook, both), written by
#                            tools/alerting/write-alertmanager-configs.ts
#   - amtool config routes test: where a critical, a warning and a Watchdog alert go
#   - no configuration holds a URL literal (secret URLs are only read from *_file paths)
#   - promtool check rules   on every PromQL query of the dashboards in dashboards/ (written as
#                            recording rules by tools/dashboards/write-promql-rules.ts), so a
#                            query that does not parse fails here rather than as an empty panel
# Ends with one line: "alerting: N checks passed, N failed"; exits non-zero on any failure.
#
# Tools: promtool and amtool come from Debian (`prometheus`, `prometheus-alertmanager`), installed
# when missing. Webhook `url_file` needs amtool >= 0.26 and Debian 12 ships 0.25, so an older amtool
# is complemented by Debian 13's package, downloaded with apt into a cache folder (no system change):
# ALERTING_TOOLS_DIR, default ~/.cache/lgtm-stack/alerting-tools.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

tools_dir="${ALERTING_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lgtm-stack/alerting-tools}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); fi

# One line, then a non-zero exit: the tools cannot be had, so nothing was checked.
die() {
    echo "check-alerting: $*" >&2
    exit 1
}

# --- tools ----------------------------------------------------------------------------------------

if ! command -v promtool >/dev/null 2>&1 || ! command -v amtool >/dev/null 2>&1; then
    echo "check-alerting: installing promtool and amtool (Debian packages prometheus, prometheus-alertmanager)"
    if ! { "${sudo_cmd[@]}" apt-get update -qq && "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager; } >/tmp/check-alerting-apt.log 2>&1; then
        die "could not install promtool/amtool with apt-get (log: /tmp/check-alerting-apt.log)"
    fi
fi
PROMTOOL="$(command -v promtool)"

# "0.25.0-1+b4" -> 25 (minor version; Alertmanager is still 0.x)
amtool_minor() { "$1" --version 2>&1 | head -n1 | sed -nE 's/.*version 0\.([0-9]+).*/\1/p'; }

amtool_recent() {
    local minor
    minor="$(amtool_minor "$1")"
    [ -n "$minor" ] && [ "$minor" -ge 26 ]
}

AMTOOL="$(command -v amtool)"
if ! amtool_recent "$AMTOOL"; then
    AMTOOL="$tools_dir/usr/bin/amtool"
    if [ ! -x "$AMTOOL" ] || ! amtool_recent "$AMTOOL"; then
        echo "check-alerting: system amtool is older than 0.26 (no webhook url_file); fetching Debian 13's into $tools_dir"
        apt_dir="$tools_dir/apt"
        mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$apt_dir/sources.list"
        apt_opts=(-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
            -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
        if ! (apt-get "${apt_opts[@]}" update -qq && cd "$apt_dir" && rm -f prometheus-alertmanager_*.deb \
            && apt-get "${apt_opts[@]}" download prometheus-alertmanager && dpkg-deb -x prometheus-alertmanager_*.deb "$tools_dir") >"$apt_dir/log" 2>&1; then
            die "could not fetch amtool >= 0.26 from Debian 13 (log: $apt_dir/log)"
        fi
        amtool_recent "$AMTOOL" || die "Debian 13's prometheus-alertmanager has no amtool >= 0.26"
    fi
fi
echo "check-alerting: $("$PROMTOOL" --version 2>&1 | head -n1)"
echo "check-alerting: $("$AMTOOL" --version 2>&1 | head -n1) ($AMTOOL)"

# --- checks ---------------------------------------------------------------------------------------

passed=0
failed=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# check <description> <command...>: runs the command, prints its output only when it fails.
check() {
    local what="$1"
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $what"
    else
        failed=$((failed + 1))
        echo "FAIL $what"
        sed 's/^/     /' "$work/out"
    fi
}

for f in alerts/rules/*.yaml; do
    check "promtool check rules $f" "$PROMTOOL" check rules "$f"
done
for f in alerts/tests/*.test.yaml; do
    check "promtool test rules $f" "$PROMTOOL" test rules "$f"
done

# routes_to <config> <expected receiver> <expected route> <label=value...>: where amtool routes an
# alert: the receiver, and the deepest matching route of the tree (`default-route` or its matchers).
routes_to() {
    local config="$1" receiver="$2" route="$3"
    shift 3
    local out got_receiver got_route
    out="$("$AMTOOL" config routes test --tree --config.file="$config" "$@" 2>/dev/null)" || true
    got_receiver="$(printf '%s\n' "$out" | sed '/^$/d' | tail -n1)"
    got_route="$(printf '%s\n' "$out" | grep 'receiver:' | tail -n1 | sed -E 's/^[^a-z{]*//; s/  receiver: .*//')"
    if [ "$got_receiver" = "$receiver" ] && [ "$got_route" = "$route" ]; then return 0; fi
    echo "routed to '$got_receiver' by route '$got_route', expected '$receiver' by route '$route'"
    printf '%s\n' "$out"
    return 1
}

# no_url_literals <config>: only *_file keys may point at a notification target.
no_url_literals() {
    if grep -nE '(^|[^_a-z])(api_url|url|webhook_url):|https?://' "$1"; then
        echo "a URL literal is in the configuration"
        return 1
    fi
}

# The meta-monitoring rules the Thanos chart's ruler evaluates are built in code (components/thanos.ts).
metadir="$work/meta-monitoring"
mkdir -p "$metadir"
if check "write the meta-monitoring rules" node_modules/.bin/ts-node --swc tools/alerting/write-meta-rules.ts "$metadir"; then
    cp alerts/meta-monitoring.test.yaml "$metadir/"
    check "promtool check rules (meta-monitoring)" "$PROMTOOL" check rules "$metadir/meta-monitoring.yaml"
    check "promtool test rules alerts/meta-monitoring.test.yaml" "$PROMTOOL" test rules "$metadir/meta-monitoring.test.yaml"
fi

amdir="$work/alertmanager"
mkdir -p "$amdir"
if check "generate Alertmanager configurations" node_modules/.bin/ts-node --swc tools/alerting/write-alertmanager-configs.ts "$amdir"; then
    cp "$work/out" "$work/configs"
    while read -r variant config receiver; do
        check "amtool check-config ($variant)" "$AMTOOL" check-config "$config"
        check "no URL literal in the configuration ($variant)" no_url_literals "$config"
        check "critical alert routes to $receiver by the critical route ($variant)" \
            routes_to "$config" "$receiver" '{severity="critical"}' alertname=LokiWriteErrors severity=critical namespace=monitoring
        check "warning alert routes to $receiver by the default route ($variant)" \
            routes_to "$config" "$receiver" default-route alertname=LokiDiscardingSamples severity=warning namespace=monitoring
        check "Watchdog routes to null ($variant)" \
            routes_to "$config" null '{alertname=~"Watchdog|InfoInhibitor"}' alertname=Watchdog severity=none
    done <"$work/configs"
fi

dashdir="$work/dashboards"
mkdir -p "$dashdir"
if check "write the dashboards' PromQL as rules" node_modules/.bin/ts-node --swc tools/dashboards/write-promql-rules.ts "$dashdir"; then
    cp "$work/out" "$work/dashboard-rules"
    while read -r rules; do
        check "promtool parses the queries of $(basename "$rules" .rules.yml)" "$PROMTOOL" check rules "$rules"
    done <"$work/dashboard-rules"
fi

echo "alerting: $passed checks passed, $failed failed"
[ "$failed" -eq 0 ]
