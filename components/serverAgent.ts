/**
 * The Grafana Alloy configuration of a fleet member that is a group of servers outside Kubernetes
 * (`npm run agent-config`): the journal and /var/log/*.log to Loki, node metrics by remote write,
 * OTLP traces from the host's applications to the central OTLP endpoint, all labelled
 * `cluster=<member>`. The central ingest gateway derives the tenant from the basic-auth user, so
 * the agent only authenticates. Pure: the only addresses and credentials in it are the member's.
 */
import { nonEmptyLabelValue } from "../stacks/grammar";
import {
    AlloyBlock,
    alloyExpression,
    goDuration,
    humanDuration,
    LokiRetry,
    lokiRetrySpanSeconds,
    lokiWriteBlock,
    OtlpDelivery,
    otlpHttpExporterBlocks,
    prometheusRemoteWriteBlock,
    RemoteWriteWal,
    renderAlloyConfig,
} from "./alloyBlocks";
import type { EdgeAccess, FleetAccess } from "./fleetAccess";

/** What a server's agent does while the central side is out of reach, per signal. */
export interface ServerDelivery {
    readonly logs: LokiRetry;
    readonly metrics: { readonly maxBackoffSeconds: number; readonly wal: RemoteWriteWal };
    readonly traces: OtlpDelivery;
}

/**
 * Chosen so that a server keeps what it could not send through an outage of the central side of
 * at least an hour (an upgrade, a failover of the ingest gateway):
 * - logs: 24 attempts with a backoff from 500 ms doubling to 5 min, over an hour of retries
 *   (`outageTolerance` computes it; Alloy's default, 10 attempts, gives up within minutes);
 * - metrics: the WAL's default 8 h keepalive, stated; retries every 30 s at most instead of 5 s, so
 *   that a fleet of servers does not pile onto a recovering gateway;
 * - traces: 2 h of retries per batch (default 5 min), and a queue counted in spans.
 */
export const serverDelivery: ServerDelivery = {
    logs: { minBackoffSeconds: 0.5, maxBackoffSeconds: 300, maxRetries: 24 },
    metrics: { maxBackoffSeconds: 30, wal: { truncateFrequencySeconds: 2 * 3600, minKeepaliveSeconds: 300, maxKeepaliveSeconds: 8 * 3600 } },
    traces: { maxElapsedSeconds: 2 * 3600, queueSpans: 100_000 },
};

/** How long an outage of the central side each signal outlasts without loss (while Alloy runs), and the least of them. */
export interface OutageTolerance {
    readonly logsSeconds: number;
    readonly metricsSeconds: number;
    /** Per batch; the queue in front holds `queueSpans` spans, so a busier host fills it sooner. */
    readonly tracesSeconds: number;
    readonly seconds: number;
    /** The average span rate the trace queue holds for `seconds`. */
    readonly tracesSpansPerSecond: number;
}

export function outageTolerance(d: ServerDelivery = serverDelivery): OutageTolerance {
    const logsSeconds = lokiRetrySpanSeconds(d.logs);
    const metricsSeconds = d.metrics.wal.maxKeepaliveSeconds;
    const tracesSeconds = d.traces.maxElapsedSeconds;
    const seconds = Math.min(logsSeconds, metricsSeconds, tracesSeconds);
    return { logsSeconds, metricsSeconds, tracesSeconds, seconds, tracesSpansPerSecond: Math.floor(d.traces.queueSpans / seconds) };
}

/** Where the agent receives OTLP: this host only, on OTLP's registered ports, which SDKs default to. */
export const serverOtlpListen = { grpc: "127.0.0.1:4317", http: "127.0.0.1:4318" } as const;

const memberName = nonEmptyLabelValue("a label value: letters, digits, '_', '.', '-', at most 63 characters, starting and ending with a letter or digit");

/**
 * The member `name` of the central stack's `fleet` output; an unknown name fails with the names it
 * has. `source` says where the fleet was read from, for the message.
 */
export function fleetMember(fleet: FleetAccess, name: string, source: string): EdgeAccess {
    const member = Object.hasOwn(fleet.edges, name) ? fleet.edges[name] : undefined;
    // The config labels everything with member.name: an entry filed under another name would mislabel it.
    if (member && member.name !== name) throw new Error(`the fleet entry ${JSON.stringify(name)} in ${source} is named ${JSON.stringify(member.name)}: the central stack's fleet output is inconsistent`);
    if (member) return member;
    const known = Object.entries(fleet.edges).map(([n, m]) => `${n} (${m.kind})`);
    throw new Error(`no fleet member ${JSON.stringify(name)} in ${source}; ${known.length ? `its members: ${known.join(", ")}` : "it has no members yet"}`);
}

/**
 * The Alloy configuration (Alloy 1.18 syntax) of the servers of fleet member `member`. It holds
 * the member's password: whoever writes it out keeps it secret.
 */
export function buildServerAgentConfig(member: EdgeAccess, delivery: ServerDelivery = serverDelivery): string {
    if (member.kind !== "server") throw new Error(`fleet member ${JSON.stringify(member.name)} is a ${member.kind}: it runs an edge stack, not this server agent`);
    // The name lands in labels, in an OTTL string and in comments: a label value needs no escaping in any.
    if (!memberName.safeParse(member.name).success) throw new Error(`fleet member name ${JSON.stringify(member.name)} is not a label value (letters, digits, '_', '.', '-', at most 63)`);
    const basicAuth = { username: member.username, password: member.password };
    const cluster = member.name;
    const tolerance = outageTolerance(delivery);
    const { logs, metrics, traces } = delivery;

    const header: AlloyBlock = {
        name: "logging",
        comments: [
            `Grafana Alloy 1.18 configuration of the servers of fleet member "${cluster}": the journal and`,
            `/var/log/*.log to Loki, node metrics by remote write, OTLP traces from this host's applications to`,
            `the central OTLP endpoint, all labelled cluster="${cluster}".`,
            `Generated by lgtm-stack (npm run agent-config -- ${cluster}); regenerate it rather than edit it.`,
            "",
            "SECRET: it holds the member's ingest password. Install it readable by root and Alloy only:",
            "  install -o root -g alloy -m 0640 config.alloy /etc/alloy/config.alloy",
            "",
            `An outage of the central side loses nothing for at least ${humanDuration(tolerance.seconds)} while Alloy keeps running:`,
            `  logs     each batch is retried for at least ${humanDuration(tolerance.logsSeconds)} (${logs.maxRetries} attempts, backoff ${goDuration(logs.minBackoffSeconds)}`,
            `           doubling to ${goDuration(logs.maxBackoffSeconds)}); meanwhile the journal and the files keep the lines not yet read;`,
            `  metrics  the WAL keeps unsent samples ${humanDuration(tolerance.metricsSeconds)} (max_keepalive_time), sends retried every ${goDuration(metrics.maxBackoffSeconds)} at most;`,
            `  traces   each batch is retried for ${humanDuration(tolerance.tracesSeconds)}; up to ${traces.queueSpans} spans wait in memory: enough for`,
            `           ${humanDuration(tolerance.seconds)} at ${tolerance.tracesSpansPerSecond} spans/s on average (raise queue_size for busier hosts).`,
            "A restart of Alloy during an outage loses what it held in memory and had not sent.",
        ],
        attributes: { level: "info", format: "logfmt" },
    };

    const blocks: AlloyBlock[] = [
        header,
        {
            name: "loki.relabel",
            label: "journal",
            comments: ["---- Logs ----------------------------------------------------------------------------------", "The journal's unit and priority, as labels."],
            attributes: { forward_to: [] },
            blocks: [
                { name: "rule", attributes: { source_labels: ["__journal__systemd_unit"], target_label: "unit" } },
                { name: "rule", attributes: { source_labels: ["__journal_priority_keyword"], target_label: "level" } },
            ],
        },
        {
            name: "loki.source.journal",
            label: "system",
            attributes: { forward_to: [alloyExpression("loki.write.central.receiver")], relabel_rules: alloyExpression("loki.relabel.journal.rules"), labels: { job: "systemd-journal" } },
        },
        {
            name: "loki.source.file",
            label: "varlog",
            attributes: { targets: [{ __path__: "/var/log/*.log", job: "varlog" }], forward_to: [alloyExpression("loki.write.central.receiver")] },
            // __path__ is a glob: files that appear later are picked up too.
            blocks: [{ name: "file_match", attributes: { enabled: true } }],
        },
        lokiWriteBlock({
            label: "central",
            url: member.lokiPushUrl,
            basicAuth,
            externalLabels: { cluster, instance: alloyExpression("constants.hostname") },
            retry: logs,
        }),
        {
            name: "prometheus.exporter.unix",
            label: "node",
            comments: ["---- Metrics -------------------------------------------------------------------------------", "Node metrics; the exporter labels them instance=<host name>."],
        },
        {
            name: "prometheus.scrape",
            label: "node",
            attributes: { targets: alloyExpression("prometheus.exporter.unix.node.targets"), forward_to: [alloyExpression("prometheus.remote_write.central.receiver")] },
        },
        prometheusRemoteWriteBlock({
            label: "central",
            url: member.remoteWriteUrl,
            basicAuth,
            externalLabels: { cluster },
            maxBackoffSeconds: metrics.maxBackoffSeconds,
            wal: metrics.wal,
        }),
        {
            name: "otelcol.receiver.otlp",
            label: "local",
            comments: ["---- Traces --------------------------------------------------------------------------------", "OTLP from this host's applications only (gRPC and HTTP on localhost)."],
            blocks: [
                { name: "grpc", attributes: { endpoint: serverOtlpListen.grpc } },
                { name: "http", attributes: { endpoint: serverOtlpListen.http } },
                { name: "output", attributes: { traces: [alloyExpression("otelcol.processor.transform.cluster.input")] } },
            ],
        },
        {
            name: "otelcol.processor.transform",
            label: "cluster",
            comments: ["cluster on every span's resource, whatever the application set: its traces are the member's."],
            attributes: { error_mode: "ignore" },
            blocks: [
                { name: "trace_statements", attributes: { context: "resource", statements: [`set(attributes["cluster"], "${cluster}")`] } },
                { name: "output", attributes: { traces: [alloyExpression("otelcol.processor.batch.default.input")] } },
            ],
        },
        {
            name: "otelcol.processor.batch",
            label: "default",
            blocks: [{ name: "output", attributes: { traces: [alloyExpression("otelcol.exporter.otlphttp.central.input")] } }],
        },
        ...otlpHttpExporterBlocks({ label: "central", endpoint: member.otlpHttpEndpoint, basicAuth, delivery: traces }),
    ];
    return renderAlloyConfig(blocks);
}
