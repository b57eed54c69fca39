import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LokiRetry, lokiRetrySpanSeconds, OtlpDelivery, RemoteWriteWal } from "./alloyBlocks";

/**
 * What a central platform hands each member of its fleet (an edge cluster or a server outside
 * Kubernetes): where to send metrics, logs and traces, and the credentials that bind what it sends
 * to its own tenant. The central stack exports it as the secret output `fleet`; an edge stack reads it
 * through a StackReference, and `npm run agent-config` turns one entry into a server's Alloy config.
 */
export interface EdgeAccess {
    /** The member's name: an edge cluster's clusterName, or a server group's name. Also its tenant. */
    readonly name: string;
    /** `cluster`: a Kubernetes cluster running an edge stack; `server`: hosts outside Kubernetes running Alloy. */
    readonly kind: "cluster" | "server";
    /** Basic-auth user name at the ingest gateway; the gateway derives the tenant from it, never from the sender's headers. */
    readonly username: string;
    readonly password: string;
    /** Prometheus remote write (metrics). */
    readonly remoteWriteUrl: string;
    /** Loki push API (logs). */
    readonly lokiPushUrl: string;
    /** OTLP over HTTP base URL (traces); exporters append /v1/traces. */
    readonly otlpHttpEndpoint: string;
}

/** The name of the central stack's output of type `FleetAccess` (index.ts exports it), which edge stacks read. */
export const centralFleetOutput = "fleet";

/** A member's login at the ingest gateway. */
export type MemberLogin = Pick<EdgeAccess, "username" | "password">;

/** The central stack's `fleet` output: one entry per member, by name. */
export interface FleetAccess {
    /** The host name of the ingest Ingress every endpoint points at. */
    readonly ingestHost: string;
    readonly edges: Readonly<Record<string, EdgeAccess>>;
}

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
 * This edge's entry in the central stack's `fleet` output: the entry named like the edge's
 * clusterName, which must be a cluster member. Anything else fails with what the central lists.
 */
export function edgeEntry(fleet: FleetAccess, clusterName: string, central: string): EdgeAccess {
    const entry = fleetMember(fleet, clusterName, `the central stack ${central} (lgtm:fleet.edges)`);
    if (entry.kind !== "cluster") {
        throw new Error(`fleet member ${JSON.stringify(clusterName)} of ${central} is a ${entry.kind}: an edge stack needs kind cluster (set it in the central stack's lgtm:fleet.edges)`);
    }
    return entry;
}

/** What a member's agents do while the central side is out of reach, per signal: a server's Alloy, and an edge cluster's Alloy and Prometheus agent. */
export interface MemberDelivery {
    readonly logs: LokiRetry;
    readonly metrics: { readonly maxBackoffSeconds: number; readonly wal: RemoteWriteWal };
    readonly traces: OtlpDelivery;
}

/**
 * Chosen so that a member keeps what it could not send through an outage of the central side of
 * at least an hour (an upgrade, a failover of the ingest gateway):
 * - logs: 24 attempts with a backoff from 500 ms doubling to 5 min, over an hour of retries
 *   (`outageTolerance` computes it; Alloy's default, 10 attempts, gives up within minutes);
 * - metrics: the WAL keeps unsent samples 8 h (Alloy's default, stated; Prometheus' agent mode
 *   defaults to 4 h and is given the same); retries every 30 s at most instead of 5 s, so that a
 *   fleet does not pile onto a recovering gateway;
 * - traces: 2 h of retries per batch (default 5 min), and a queue counted in spans.
 */
export const memberDelivery: MemberDelivery = {
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

export function outageTolerance(d: MemberDelivery = memberDelivery): OutageTolerance {
    const logsSeconds = lokiRetrySpanSeconds(d.logs);
    const metricsSeconds = d.metrics.wal.maxKeepaliveSeconds;
    const tracesSeconds = d.traces.maxElapsedSeconds;
    const seconds = Math.min(logsSeconds, metricsSeconds, tracesSeconds);
    return { logsSeconds, metricsSeconds, tracesSeconds, seconds, tracesSpansPerSecond: Math.floor(d.traces.queueSpans / seconds) };
}

/** Keys of the Secret an edge cluster keeps its ingest login in; Prometheus' `basicAuth` and Alloy's environment reference them. */
export const memberCredentialKeys = { username: "username", password: "password" } as const;

/** The Secret holding the member's login beside the release `releaseName` (the Prometheus agent's, Alloy's). */
export const memberCredentialsSecretName = (releaseName: string) => `${releaseName}-central-login`;

/**
 * The member's login at the central ingest gateway as a Secret in `namespace`: the only place the
 * password reaches the cluster, so no chart value or config file carries it.
 */
export function memberCredentialsSecret(name: string, namespace: pulumi.Input<string>, login: pulumi.Input<MemberLogin>, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
    const data = pulumi.output(login).apply((l) => ({ [memberCredentialKeys.username]: l.username, [memberCredentialKeys.password]: l.password }));
    return new k8s.core.v1.Secret(name, { metadata: { name, namespace }, type: "Opaque", stringData: pulumi.secret(data) }, opts);
}
