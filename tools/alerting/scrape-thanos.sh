#!/usr/bin/env bash
# Proves by scraping that the real Thanos exposes every metric alerts/metric-sources.yaml lists for
# it (component: thanos): starts the Thanos binary the toolchain builds (toolchain/build.sh, the
# chart's appVersion) as sidecar, store gateway, receive, query, compactor and ruler on a filesystem
# bucket holding two blocks that promtool writes (so the compactor plans, compacts and
# downsamples), sends instant and range queries through query, then reads each /metrics.
#
#   tools/alerting/scrape-thanos.sh [THANOS_BIN]     (default: the toolchain's build at toolchain/versions.env's pin)
#
# Everything listens on 127.0.0.1 inside a network namespace of its own (unshare -n; needs root).
# Ends with "thanos metrics: N of M scraped"; exits non-zero when one is missing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

if [ "${LGTM_SCRAPE_IN_NETNS:-}" != 1 ]; then
    exec env LGTM_SCRAPE_IN_NETNS=1 unshare -n "$0" "$@"
fi
ip link set lo up || exit 2

thanos="${1:-$(bash toolchain/build.sh --print-dir)/thanos}"
[ -x "$thanos" ] || { echo "scrape-thanos: no thanos binary at $thanos (build it with toolchain/build.sh thanos)" >&2; exit 2; }
command -v promtool >/dev/null || { echo "scrape-thanos: promtool is needed to write blocks (scripts/check-alerting.sh installs it)" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    # A sidecar whose Prometheus never answered can hang in its shutdown: 10 s, then SIGKILL.
    for _ in $(seq 1 20); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.5
    done
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/bucket" "$work/metrics"

# Two blocks of one series, 3 to 6 hours old, with the Thanos section a sidecar would write.
now=$(date +%s)
{
    echo "# TYPE lgtm_scrape_probe gauge"
    for ((t = now - 6 * 3600; t < now - 3 * 3600; t += 60)); do echo "lgtm_scrape_probe 1 $t"; done
    echo "# EOF"
} >"$work/series.om"
promtool tsdb create-blocks-from openmetrics "$work/series.om" "$work/bucket" >"$work/promtool.log" 2>&1 || { cat "$work/promtool.log"; exit 2; }
for meta in "$work"/bucket/*/meta.json; do
    node -e 'const fs = require("fs"); const m = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
        m.thanos = { labels: { cluster: "lgtm" }, downsample: { resolution: 0 }, source: "sidecar" };
        fs.writeFileSync(process.argv[1], JSON.stringify(m));' "$meta"
done

printf 'type: FILESYSTEM\nconfig: { directory: %s }\n' "$work/bucket" >"$work/objstore.yaml"
printf 'groups:\n  - name: probe\n    rules:\n      - alert: Probe\n        expr: vector(1)\n' >"$work/rules.yaml"
echo '[{"endpoints":["127.0.0.1:10907"]}]' >"$work/hashrings.json"

# start <name> <http port> <thanos arguments...>
declare -A http_port
start() {
    local name="$1" port="$2"
    shift 2
    http_port[$name]=$port
    "$thanos" "$@" --http-address="127.0.0.1:$port" >"$work/$name.log" 2>&1 &
    pids+=($!)
}
start sidecar 10912 sidecar --prometheus.url=http://127.0.0.1:9090 --tsdb.path="$work/prometheus" --objstore.config-file="$work/objstore.yaml" --grpc-address=127.0.0.1:10913
start store 10902 store --objstore.config-file="$work/objstore.yaml" --data-dir="$work/store" --grpc-address=127.0.0.1:10901
start receive 10906 receive --objstore.config-file="$work/objstore.yaml" --tsdb.path="$work/receive" --grpc-address=127.0.0.1:10907 \
    --remote-write.address=127.0.0.1:19291 --receive.hashrings-file="$work/hashrings.json" --receive.local-endpoint=127.0.0.1:10907 --label='receive_replica="0"'
start query 10904 query --grpc-address=127.0.0.1:10903 --endpoint=dns+127.0.0.1:10901 --endpoint=127.0.0.1:10907
# No consistency delay: promtool's blocks are minutes old by their ULIDs.
start compact 10908 compact --objstore.config-file="$work/objstore.yaml" --data-dir="$work/compact" --wait --wait-interval=5s --consistency-delay=0s
start rule 10910 rule --data-dir="$work/rule" --rule-file="$work/rules.yaml" --query=dns+127.0.0.1:10904 --alertmanagers.url=dns+http://127.0.0.1:9093 \
    --grpc-address=127.0.0.1:10911 --eval-interval=2s --label='replica="0"'

sleep 12
curl -s "http://127.0.0.1:10904/api/v1/query?query=lgtm_scrape_probe" >/dev/null
curl -s "http://127.0.0.1:10904/api/v1/query_range?query=lgtm_scrape_probe&start=$((now - 6 * 3600))&end=$now&step=60" >/dev/null
sleep 6
for name in "${!http_port[@]}"; do
    curl -s "http://127.0.0.1:${http_port[$name]}/metrics" >"$work/metrics/$name.prom" || echo "scrape-thanos: $name did not answer (log: $(tail -n 3 "$work/$name.log"))" >&2
done

# Every Thanos entry of the table (a histogram by its _count series), and where it was scraped.
# shellcheck disable=SC2016 # JavaScript: its ${…} are template literals, not shell expansions.
node -e '
require("ts-node").register({ swc: true });
const fs = require("fs"), path = require("path"), { loadMetricSources } = require("./tools/alerting/metric-sources");
const [dir] = process.argv.slice(1);
const expected = Object.entries(loadMetricSources()).filter(([, e]) => e.component === "thanos").map(([m]) => m);
const seen = new Map();
for (const file of fs.readdirSync(dir)) {
    for (const line of fs.readFileSync(path.join(dir, file), "utf8").split("\n")) {
        const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
        if (name) seen.set(name, [...new Set([...(seen.get(name) ?? []), path.basename(file, ".prom")])]);
    }
}
let found = 0;
for (const metric of expected) {
    const where = seen.get(metric) ?? seen.get(`${metric}_count`);
    if (where) found++;
    console.log(`${where ? "ok  " : "MISS"} ${metric}${where ? ` (${where.sort().join(", ")})` : ""}`);
}
console.log(`thanos metrics: ${found} of ${expected.length} scraped`);
process.exit(found === expected.length ? 0 : 1);
' "$work/metrics"
