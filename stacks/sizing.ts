import type { LokiDistributedTarget } from "../components/loki";
import type { TempoDistributedTarget } from "../components/traceStore";

/**
 * Prod's replica counts of Loki's and Tempo's parts, derived from the ingest rates a stack declares
 * (`loki.expectedIngestMBps`, `tempo.expectedIngestMBps`): the same numbers the ingestion limits
 * follow (components/ingestLimits.ts), so declaring 40 MB/s gets limits and replicas for 40 MB/s.
 * Only replica counts follow the rate: each pod keeps the profile's resources and volume, so the
 * load per pod stays within what the guides below measured per replica.
 */

/** What a signal's replicas follow: its declared rate and the copies its ingesters keep. */
export interface SignalLoad {
    /** Declared ingest rate, in MB/s. */
    readonly expectedIngestMBps: number;
    /** Ingesters each stream or span is written to. */
    readonly replicationFactor: number;
}

/** MB/s in 1 TB/day (decimal units, as the Loki guide counts). */
export const mbpsPerTbPerDay = 1e12 / 86_400 / 1e6;

/** Loki parts the guide sizes by ingest volume. */
export type LokiGuidedTarget = "ingester" | "distributor" | "indexGateway" | "querier" | "queryFrontend";

/**
 * Grafana's Loki sizing guide, "Size the cluster" (https://grafana.com/docs/loki/latest/setup/size/,
 * grafana/loki docs/sources/setup/size/_index.md): the base replicas of its three tiers, "less than
 * 3TB/day", "3-30TB/day" and "~30TB/day". Its query-scheduler stays at 2 and its compactor at 1 in
 * every tier; it does not size the ruler.
 */
export const lokiGuideTiers = {
    small: { tbPerDay: 3, replicas: { ingester: 6, distributor: 4, indexGateway: 4, querier: 10, queryFrontend: 2 } },
    medium: { tbPerDay: 30, replicas: { ingester: 90, distributor: 40, indexGateway: 10, querier: 100, queryFrontend: 8 } },
    large: { tbPerDay: 30, replicas: { ingester: 150, distributor: 100, indexGateway: 20, querier: 250, queryFrontend: 16 } },
} as const satisfies Record<string, { tbPerDay: number; replicas: Record<LokiGuidedTarget, number> }>;

/**
 * The Loki guide's replicas of `target` at `mbps` (not rounded). A tier's base replicas are read as
 * the count at the top of its band: proportional to the rate below the first tier, linear between
 * the first and the second, and proportional to the third tier's from 30 TB/day on (the guide's
 * clusters of that size run more replicas per TB than its second tier).
 */
export function lokiGuideReplicas(target: LokiGuidedTarget, mbps: number): number {
    const { small, medium, large } = lokiGuideTiers;
    const smallTop = small.tbPerDay * mbpsPerTbPerDay;
    const mediumTop = medium.tbPerDay * mbpsPerTbPerDay;
    if (mbps <= smallTop) return (small.replicas[target] * mbps) / smallTop;
    if (mbps < mediumTop) return small.replicas[target] + ((medium.replicas[target] - small.replicas[target]) * (mbps - smallTop)) / (mediumTop - smallTop);
    return (large.replicas[target] * mbps) / mediumTop;
}

/** Tempo parts the guide sizes by ingest rate. */
export type TempoGuidedTarget = "distributor" | "ingester" | "querier" | "compactor";

/**
 * Tempo's sizing guide, "Size the cluster" (https://grafana.com/docs/tempo/latest/setup/size/, Tempo
 * 2, whose ingester write path tempo-distributed 2.x runs): MB/s of received traffic per replica.
 * Where it gives a range, ingesters, which hold the spans not yet in object storage, take the
 * cautious end (3 of "3-5MB/s"); queriers and compactors, whose shortfall slows queries or
 * compaction but loses nothing, take the other ("1-2MB/s" → 2, "3-5 MB/s" → 5). It keeps 2
 * query-frontends at any rate and does not size the metrics generator.
 */
export const tempoGuideMBpsPerReplica: Record<TempoGuidedTarget, number> = { distributor: 10, ingester: 3, querier: 2, compactor: 5 };

/**
 * Prod's minimum at any rate (the replicas prod had before they followed the rate): two of every
 * redundant part, so one can be drained; an ingester per zone; one compactor, which Loki requires
 * (a second one on the same bucket corrupts it) and which Tempo's load starts at.
 */
export const prodLokiFloor: Readonly<Record<LokiDistributedTarget, number>> = {
    ingester: 3,
    distributor: 2,
    querier: 2,
    queryFrontend: 2,
    queryScheduler: 2,
    indexGateway: 2,
    compactor: 1,
    ruler: 2,
};
export const prodTempoFloor: Readonly<Record<TempoDistributedTarget, number>> = {
    distributor: 2,
    ingester: 3,
    querier: 2,
    queryFrontend: 2,
    compactor: 1,
    metricsGenerator: 1,
};

/** Whole replicas for a fractional need; the tolerance keeps float noise (6.0000000001) from adding a pod. */
function wholeReplicas(need: number): number {
    return Math.ceil(need - 1e-9);
}

/**
 * Replicas of Loki's Distributed targets for prod at `load`: the guide's count or the floor,
 * whichever is larger. Ingesters are at least the replication factor and a multiple of 3, since with
 * `lgtm:zones` the chart splits them over zones a, b and c (`ceil(replicas / 3)` each, so any other
 * count would deploy more than it says). The compactor stays single; the query-scheduler and the ruler, which
 * the guide does not scale with ingest, stay at the floor.
 */
export function prodLokiReplicas(load: SignalLoad): Record<LokiDistributedTarget, number> {
    const scaled = (target: LokiGuidedTarget) => Math.max(prodLokiFloor[target], wholeReplicas(lokiGuideReplicas(target, load.expectedIngestMBps)));
    const ingesters = Math.max(scaled("ingester"), load.replicationFactor);
    return {
        ...prodLokiFloor,
        ingester: Math.ceil(ingesters / 3) * 3,
        distributor: scaled("distributor"),
        querier: scaled("querier"),
        queryFrontend: scaled("queryFrontend"),
        indexGateway: scaled("indexGateway"),
    };
}

/**
 * Replicas of tempo-distributed's parts for prod at `load`: the guide's rate per replica or the
 * floor, whichever needs more, and at least as many ingesters as copies of each span.
 * Query-frontends and the metrics generator stay at the floor.
 */
export function prodTempoReplicas(load: SignalLoad): Record<TempoDistributedTarget, number> {
    const scaled = (target: TempoGuidedTarget) => Math.max(prodTempoFloor[target], wholeReplicas(load.expectedIngestMBps / tempoGuideMBpsPerReplica[target]));
    return {
        ...prodTempoFloor,
        distributor: scaled("distributor"),
        ingester: Math.max(scaled("ingester"), load.replicationFactor),
        querier: scaled("querier"),
        compactor: scaled("compactor"),
    };
}
