import { strict as assert } from "assert";
import { alloyString, goDuration, humanDuration, lokiRetrySpanSeconds, lokiWriteBlock, renderAlloyBlock } from "../components/alloyBlocks";
import type { FleetAccess } from "../components/fleetAccess";
import { buildServerAgentConfig, fleetMember, outageTolerance, serverDelivery, serverOtlpListen } from "../components/serverAgent";
import { AlloyBlock, parseAlloy, references, stringsOf } from "./support/alloySyntax";
import { exampleServerMember } from "./support/fleet";
import { docPage } from "./support/readme";

const member = exampleServerMember;
const fleet: FleetAccess = {
    ingestHost: "ingest.example.com",
    edges: { "web-eu": member, "edge-1": { ...member, name: "edge-1", kind: "cluster", username: "fleet-edge-1" } },
};

const config = buildServerAgentConfig(member);
const tree = parseAlloy(config);
const block = (name: string, label: string) => tree.blocks.find((b) => b.name === name && b.label === label);
/** An attribute's tokens as one line of text, newlines left out. */
const text = (b: AlloyBlock | undefined, attribute: string) =>
    (b?.attributes.get(attribute) ?? [])
        .filter((t) => t.kind !== "newline")
        .map((t) => t.text)
        .join(" ");

describe("server agent config (npm run agent-config)", () => {
    it("is well-formed Alloy syntax and wires every reference to a component it defines", () => {
        const components = tree.blocks.map((b) => `${b.name}.${b.label}`);
        assert.deepEqual(
            components.filter((c, i) => components.indexOf(c) !== i),
            [],
        );
        const defined = new Set(tree.blocks.filter((b) => b.label !== undefined).map((b) => `${b.name}.${b.label}`));
        const refs = references(tree).filter((r) => r !== "constants.hostname");
        assert.ok(refs.length >= 8, refs.join(", "));
        for (const ref of refs) assert.ok(defined.has(ref.split(".").slice(0, -1).join(".")), `${ref} refers to a component the config does not define`);
    });

    it("sends each signal to the member's endpoint, and nowhere else", () => {
        assert.deepEqual(stringsOf(tree, ["loki.write:central", "endpoint"], "url"), [member.lokiPushUrl]);
        assert.deepEqual(stringsOf(tree, ["prometheus.remote_write:central", "endpoint"], "url"), [member.remoteWriteUrl]);
        assert.deepEqual(stringsOf(tree, ["otelcol.exporter.otlphttp:central", "client"], "endpoint"), [member.otlpHttpEndpoint]);
        assert.deepEqual([...config.matchAll(/https?:\/\/[^"\s]+/g)].map((m) => m[0]).sort(), [member.lokiPushUrl, member.otlpHttpEndpoint, member.remoteWriteUrl].sort());
        // The gateway derives the tenant from the user: no tenant header of the agent's own.
        assert.ok(!config.includes("tenant_id"));
    });

    it("authenticates every sink with the member's credentials, and holds the password nowhere else", () => {
        for (const sink of [
            ["loki.write:central", "endpoint", "basic_auth"],
            ["prometheus.remote_write:central", "endpoint", "basic_auth"],
            ["otelcol.auth.basic:central", "client_auth"],
        ]) {
            assert.deepEqual(stringsOf(tree, sink, "username"), [member.username], sink.join(" > "));
            assert.deepEqual(stringsOf(tree, sink, "password"), [member.password], sink.join(" > "));
        }
        assert.equal(
            text(
                block("otelcol.exporter.otlphttp", "central")?.blocks.find((b) => b.name === "client"),
                "auth",
            ),
            "otelcol . auth . basic . central . handler",
        );
        assert.equal(config.split(member.password).length - 1, 3);
    });

    it("labels logs cluster and instance, metrics and traces cluster", () => {
        assert.equal(text(block("loki.write", "central"), "external_labels"), '{ cluster = "web-eu" , instance = constants . hostname , }');
        assert.equal(text(block("prometheus.remote_write", "central"), "external_labels"), '{ cluster = "web-eu" , }');
        assert.deepEqual(stringsOf(tree, ["otelcol.processor.transform:cluster", "trace_statements"], "statements"), ['set(attributes["cluster"], "web-eu")']);
        assert.deepEqual(stringsOf(tree, ["otelcol.processor.transform:cluster", "trace_statements"], "context"), ["resource"]);
    });

    it("reads the journal and /var/log/*.log, scrapes node metrics, receives OTLP on localhost only", () => {
        assert.equal(text(block("loki.source.journal", "system"), "forward_to"), "[ loki . write . central . receiver ]");
        assert.deepEqual(stringsOf(tree, ["loki.relabel:journal", "rule"], "target_label"), ["unit", "level"]);
        assert.equal(text(block("loki.source.file", "varlog"), "forward_to"), "[ loki . write . central . receiver ]");
        assert.deepEqual(stringsOf(tree, ["loki.source.file:varlog"], "targets"), ["/var/log/*.log", "varlog"]);
        assert.ok(block("prometheus.exporter.unix", "node"));
        assert.equal(text(block("prometheus.scrape", "node"), "forward_to"), "[ prometheus . remote_write . central . receiver ]");
        assert.deepEqual(stringsOf(tree, ["otelcol.receiver.otlp:local", "grpc"], "endpoint"), [serverOtlpListen.grpc]);
        assert.deepEqual(stringsOf(tree, ["otelcol.receiver.otlp:local", "http"], "endpoint"), [serverOtlpListen.http]);
        assert.ok(!config.includes("0.0.0.0"));
    });

    it("keeps what it could not send through an outage of the central side of at least an hour, and says how long", () => {
        const tolerance = outageTolerance();
        assert.ok(tolerance.seconds >= 3600, `${tolerance.seconds} s`);
        assert.equal(tolerance.logsSeconds, 3839.5);
        assert.equal(tolerance.seconds, Math.min(tolerance.logsSeconds, tolerance.metricsSeconds, tolerance.tracesSeconds));
        assert.ok(tolerance.tracesSpansPerSecond > 0);
        // The settings the figures come from are the ones in the config.
        assert.deepEqual(stringsOf(tree, ["loki.write:central", "endpoint"], "min_backoff_period"), [goDuration(serverDelivery.logs.minBackoffSeconds)]);
        assert.deepEqual(stringsOf(tree, ["loki.write:central", "endpoint"], "max_backoff_period"), [goDuration(serverDelivery.logs.maxBackoffSeconds)]);
        assert.equal(text(block("loki.write", "central")?.blocks[0], "max_backoff_retries"), String(serverDelivery.logs.maxRetries));
        assert.deepEqual(stringsOf(tree, ["prometheus.remote_write:central", "wal"], "max_keepalive_time"), [goDuration(tolerance.metricsSeconds)]);
        assert.deepEqual(stringsOf(tree, ["otelcol.exporter.otlphttp:central", "retry_on_failure"], "max_elapsed_time"), [goDuration(tolerance.tracesSeconds)]);
        assert.equal(
            text(
                block("otelcol.exporter.otlphttp", "central")?.blocks.find((b) => b.name === "sending_queue"),
                "queue_size",
            ),
            String(serverDelivery.traces.queueSpans),
        );
        assert.ok(config.includes(`loses nothing for at least ${humanDuration(tolerance.seconds)} while Alloy keeps running`), config);
        assert.equal(humanDuration(tolerance.seconds), "1 h 3 min");
    });

    it("docs/fleet.md states the figures and the settings they come from", () => {
        const doc = docPage("fleet.md");
        const t = outageTolerance();
        const { logs, metrics, traces } = serverDelivery;
        for (const stated of [
            `loses nothing through an outage of the central side of at least ${humanDuration(t.seconds)}`,
            `at least ${humanDuration(t.logsSeconds)} per batch: ${logs.maxRetries - 1} waits between ${logs.maxRetries} attempts`,
            `${t.logsSeconds} s in all`,
            `min_backoff_period = "${goDuration(logs.minBackoffSeconds)}"`,
            `max_backoff_period = "${goDuration(logs.maxBackoffSeconds)}"`,
            `max_backoff_retries = ${logs.maxRetries}`,
            `max_keepalive_time = "${goDuration(metrics.wal.maxKeepaliveSeconds)}"`,
            `max_backoff = "${goDuration(metrics.maxBackoffSeconds)}"`,
            `| ${humanDuration(t.metricsSeconds)}: remote write retries`,
            `max_elapsed_time = "${goDuration(traces.maxElapsedSeconds)}"`,
            `queue_size = ${traces.queueSpans} }`,
            `| ${humanDuration(t.tracesSeconds)} per batch, while the queue, in memory, holds ${traces.queueSpans} spans: ${humanDuration(t.seconds)} of an average ${t.tracesSpansPerSecond} spans/s`,
        ]) {
            assert.ok(doc.includes(stated), `docs/fleet.md does not say: ${stated}`);
        }
    });

    it("bounds loki.write's retries from below as dskit's backoff draws them", () => {
        // Waits from [1,2), [2,4), then [2,4) again once the range reaches the maximum: 4 waits between 5 attempts.
        assert.equal(lokiRetrySpanSeconds({ minBackoffSeconds: 1, maxBackoffSeconds: 4, maxRetries: 5 }), 1 + 2 + 2 + 2);
        assert.equal(lokiRetrySpanSeconds({ minBackoffSeconds: 5, maxBackoffSeconds: 5, maxRetries: 4 }), 15);
        assert.equal(lokiRetrySpanSeconds({ minBackoffSeconds: 0.5, maxBackoffSeconds: 300, maxRetries: 1 }), 0);
        // Alloy's defaults give up within minutes: why the server config sets its own.
        assert.ok(lokiRetrySpanSeconds({ minBackoffSeconds: 0.5, maxBackoffSeconds: 300, maxRetries: 10 }) < 600);
    });

    it("writes durations as Go does, and figures for people", () => {
        assert.deepEqual([0.5, 5, 30, 300, 5400, 28800, 0, 90.25].map(goDuration), ["500ms", "5s", "30s", "5m", "1h30m", "8h", "0s", "1m30s250ms"]);
        assert.throws(() => goDuration(0.0005), /whole number of milliseconds/);
        assert.deepEqual([3839.5, 28800, 2700, 30].map(humanDuration), ["1 h 3 min", "8 h", "45 min", "0 min"]);
    });

    it("quotes every value for Alloy, and refuses what cannot be embedded without repeating a password", () => {
        const password = 'a"b\\c{{d}}\u00e9\u{1F600}\u2028';
        const quoted = buildServerAgentConfig({ ...member, password });
        assert.deepEqual(stringsOf(parseAlloy(quoted), ["otelcol.auth.basic:central", "client_auth"], "password"), [password]);
        assert.ok(!quoted.includes("{{"));
        assert.equal(JSON.parse(alloyString("x{y}")), "x{y}");
        for (const bad of ["lone\uD800surrogate", "line\nbreak", "tab\there"]) {
            assert.throws(
                () => buildServerAgentConfig({ ...member, password: bad }),
                (e: Error) => /password|well-formed/.test(e.message) && !e.message.includes(bad),
            );
        }
        assert.throws(() => buildServerAgentConfig({ ...member, username: "a:b" }), /user name must be non-empty, without ':'/);
        assert.throws(() => buildServerAgentConfig({ ...member, password: "" }), /password must be non-empty/);
        assert.throws(() => buildServerAgentConfig({ ...member, lokiPushUrl: "https://ingest.example.com/lo\nki" }), /Loki push URL must be an http\(s\) URL/);
        assert.throws(() => buildServerAgentConfig({ ...member, remoteWriteUrl: "ingest.example.com/api/v1/push" }), /remote-write URL must be an http\(s\) URL/);
        assert.throws(() => buildServerAgentConfig({ ...member, otlpHttpEndpoint: "grpc://ingest.example.com" }), /OTLP\/HTTP endpoint must be an http\(s\) URL/);
        assert.throws(() => buildServerAgentConfig({ ...member, name: 'web"eu' }), /not a label value/);
        assert.throws(() => renderAlloyBlock({ name: "loki.write", label: "x", attributes: { "bad-name": 1 } }), /not an Alloy attribute name/);
        assert.match(renderAlloyBlock({ name: "x", attributes: { m: { "not-an-identifier": "v" } } }), /"not-an-identifier" = "v",/);
    });

    it("finds the member by name; an unknown one fails with the names there are; a cluster is refused", () => {
        assert.equal(fleetMember(fleet, "web-eu", "central.json"), member);
        assert.throws(() => fleetMember(fleet, "web-us", "central.json"), /^Error: no fleet member "web-us" in central\.json; its members: web-eu \(server\), edge-1 \(cluster\)$/);
        assert.throws(() => fleetMember(fleet, "toString", "central.json"), /no fleet member "toString"/);
        assert.throws(() => fleetMember({ ingestHost: "x", edges: {} }, "web-eu", "stack prod"), /in stack prod; it has no members yet/);
        assert.throws(() => buildServerAgentConfig(fleet.edges["edge-1"]), /fleet member "edge-1" is a cluster: it runs an edge stack/);
        assert.throws(() => fleetMember({ ...fleet, edges: { "web-eu": { ...member, name: "web-us" } } }, "web-eu", "central.json"), /fleet entry "web-eu" in central\.json is named "web-us"/);
    });

    it("the shared loki.write block sends a tenant only when given one, and its defaults otherwise", () => {
        const plain = renderAlloyBlock(lokiWriteBlock({ label: "default", url: member.lokiPushUrl, externalLabels: { cluster: "lgtm" } }));
        assert.ok(!/tenant_id|backoff|basic_auth/.test(plain), plain);
        const tenanted = parseAlloy(renderAlloyBlock(lokiWriteBlock({ label: "default", url: member.lokiPushUrl, tenantId: "platform", externalLabels: {} })));
        assert.deepEqual(stringsOf(tenanted, ["loki.write:default", "endpoint"], "tenant_id"), ["platform"]);
    });
});
