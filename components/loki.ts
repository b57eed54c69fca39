import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AlertedComponent } from "./alerting";
import { zoneSpread, zoneTopologyKey } from "./availability";
import { ChartSource, charts } from "./charts";
import { lokiIngestLimits } from "./ingestLimits";
import { CacheSizing, cacheValues } from "./memcached";
import { credentialsSecret, ObjectStore } from "./objectStore";
import { platformRelease, serviceUrl } from "./release";
import { chartPersistence, ComputeResources, Persistence } from "./resources";

/** Gateway Service port (the chart's default; nginx in front of every Loki target). */
export const lokiGatewayPort = 80;
/** Loki's push API. Alloy's receiver for applications and the fleet's ingest gateway serve it too: both speak Loki's API. */
export const lokiPushPath = "/loki/api/v1/push";
/** Container ports of Loki's pods (the chart's defaults), for NetworkPolicies. */
export const lokiPodPorts = {
    /** nginx in the gateway pod, behind the gateway Service's port 80. */
    gateway: 8080,
    /** The gateway's access-log exporter (its metrics). */
    gatewayMetrics: 4040,
    /** HTTP API and metrics of every Loki target. */
    http: 3100,
    /** gRPC between Loki targets. */
    grpc: 9095,
    /** memberlist gossip (TCP; Loki's transport does not use UDP). */
    memberlist: 7946,
    canaryMetrics: 3500,
    memcached: 11211,
    memcachedExporter: 9150,
} as const;

/**
 * Labels of Loki's pods. Every Loki target (the single binary, or each Distributed-mode target)
 * joins memberlist and carries `part-of: memberlist`; the gateway, canary and caches do not.
 */
export function lokiPodSelectors(releaseName: string) {
    const release = { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": releaseName };
    return {
        targets: { ...release, "app.kubernetes.io/part-of": "memberlist" },
        gateway: { ...release, "app.kubernetes.io/component": "gateway" },
        canary: { ...release, "app.kubernetes.io/component": "canary" },
        chunksCache: { ...release, "app.kubernetes.io/component": "memcached-chunks-cache" },
        resultsCache: { ...release, "app.kubernetes.io/component": "memcached-results-cache" },
        /** The chart's rollout-operator subchart, which restarts zone-aware ingesters zone by zone. */
        rolloutOperator: { "app.kubernetes.io/name": "rollout-operator", "app.kubernetes.io/instance": releaseName },
    } as const;
}
export type LokiPodSelectors = ReturnType<typeof lokiPodSelectors>;
/** Environment variables Loki expands `${…}` in its config from (the chart runs Loki with `-config.expand-env`). */
export const lokiCredentialEnv = { accessKeyId: "LOKI_S3_ACCESS_KEY_ID", secretAccessKey: "LOKI_S3_SECRET_ACCESS_KEY" } as const;

/** Loki deployment modes we support; SimpleScalable is deprecated upstream and left out on purpose. */
export const lokiModes = ["Monolithic", "Distributed"] as const;
export type LokiMode = (typeof lokiModes)[number];

/** Components of Loki's Distributed mode that we size and scale. */
export const lokiDistributedTargets = ["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler"] as const;
export type LokiDistributedTarget = (typeof lokiDistributedTargets)[number];
/** The `app.kubernetes.io/component` label the chart gives each target's pods. */
const componentLabel: Record<LokiDistributedTarget | "gateway", string> = {
    ingester: "ingester",
    distributor: "distributor",
    querier: "querier",
    queryFrontend: "query-frontend",
    queryScheduler: "query-scheduler",
    indexGateway: "index-gateway",
    compactor: "compactor",
    ruler: "ruler",
    gateway: "gateway",
};

/** A memcached cache: how much memory it may use for items, and its CPU. */
export interface LokiSizing {
    /** The single binary (Monolithic mode). */
    readonly singleBinary: ComputeResources;
    /** Each Distributed-mode target. */
    readonly distributed: Record<LokiDistributedTarget, ComputeResources>;
    readonly gateway: ComputeResources;
    /** The gateway's access-log exporter sidecar. */
    readonly gatewayMetrics: ComputeResources;
    readonly canary: ComputeResources;
    readonly rulesSidecar: ComputeResources;
    readonly memcachedExporter: ComputeResources;
    /** The rollout-operator, which restarts zone-aware ingesters one zone at a time. */
    readonly rolloutOperator: ComputeResources;
    readonly chunksCache: CacheSizing;
    readonly resultsCache: CacheSizing;
}

export interface LokiArgs {
    /** Namespace of Loki and its credentials Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** The Prometheus Operator CRDs release: the chart's ServiceMonitor needs them first. */
    readonly crds: pulumi.Resource;
    /** Helm release name (also the fullname: the gateway Service is `<name>-gateway`). */
    readonly releaseName: string;
    /** Monolithic (one binary) or Distributed (microservices). */
    readonly mode: LokiMode;
    /** Object storage for chunks, index and ruler state. */
    readonly objectStore: ObjectStore;
    /** Whether Loki requires a tenant (`X-Scope-OrgID`) on every request. */
    readonly multiTenancy: boolean;
    /** How long logs are kept, e.g. `168h`. */
    readonly retention: string;
    /** Log volume the tenant is expected to send, in MB/s; ingestion limits are derived from it. */
    readonly expectedIngestMBps: number;
    /** Copies of each stream kept by ingesters (Distributed mode; Monolithic always keeps 1). */
    readonly replicationFactor: number;
    /**
     * Availability zones (values of the node label `topology.kubernetes.io/zone`) for zone-aware
     * replication: none, or at least three with Distributed mode and replication factor 3.
     */
    readonly zones: readonly string[];
    /** Replicas per Distributed-mode target. */
    readonly distributedReplicas: Record<LokiDistributedTarget, number>;
    /** Gateway replicas. */
    readonly gatewayReplicas: number;
    /** Local volume of the single binary or the ingesters (WAL). */
    readonly persistence: Persistence;
    /** Resources per workload. */
    readonly sizing: LokiSizing;
}

export interface LokiValuesInput extends Omit<LokiArgs, "namespace" | "chartSource" | "objectStore" | "crds"> {
    readonly endpoint: string;
    readonly region: string;
    readonly tls: boolean;
    readonly forcePathStyle: boolean;
    readonly chunksBucket: string;
    readonly rulerBucket: string;
    /** Secret with the S3 credentials as environment variables. */
    readonly credentialsSecretName: string;
}

/** Labels the chart gives the pods of a component (`app.kubernetes.io/name` is the chart's name, as no nameOverride is set). */
function podLabels(releaseName: string, component: string): Record<string, string> {
    return { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": releaseName, "app.kubernetes.io/component": component };
}

/** The chart's three ingester zones, rendered as StatefulSets `<release>-ingester-zone-a`, `-b` and `-c`. */
const chartIngesterZones = ["zoneA", "zoneB", "zoneC"] as const;

/**
 * Zone awareness of the ingesters. With zones, the chart runs one ingester StatefulSet per zone and
 * writes each stream once to every zone; each StatefulSet is pinned to a real zone by node
 * selector, the first three listed (the chart has exactly three). Such StatefulSets restart on
 * `OnDelete` only, by the rollout-operator, one zone at a time: with `RollingUpdate` every zone
 * would restart at once on any change to the pods and Loki would lose its write quorum. Its
 * webhooks stay off (they guard downscaling and zone-aware budgets; our PodDisruptionBudget lets one
 * ingester go at a time).
 *
 * Without zones, zone awareness is off explicitly (the chart's default is on, with three "zones"
 * that are no real zones): one StatefulSet whose replicas the chart keeps on different nodes.
 */
export function lokiZoneValues(mode: LokiMode, zones: readonly string[], replicationFactor: number, rolloutOperator: ComputeResources) {
    if (zones.length === 0) return { ingester: { zoneAwareReplication: { enabled: false } }, rollout_operator: { enabled: false } };
    if (mode !== "Distributed" || zones.length < chartIngesterZones.length || replicationFactor !== 3) {
        // parsePlatformConfig refuses each of these; reaching this is a programming error.
        throw new Error(`zone-aware ingesters need Distributed mode, at least 3 zones and replication factor 3, got ${mode}, ${JSON.stringify(zones)} and ${replicationFactor}`);
    }
    const pinned = Object.fromEntries(chartIngesterZones.map((zone, i) => [zone, { nodeSelector: { [zoneTopologyKey]: zones[i] } }]));
    return {
        ingester: { zoneAwareReplication: { enabled: true, ...pinned }, strategy: { type: "OnDelete" } },
        rollout_operator: { enabled: true, webhooks: { enabled: false }, resources: rolloutOperator },
    };
}

/** Values of the Loki chart for either mode. Credentials appear only as `${VAR}` references. */
export function buildLokiValues(v: LokiValuesInput): Record<string, unknown> {
    const monolithic = v.mode === "Monolithic";
    const { sizing } = v;
    const zones = lokiZoneValues(v.mode, v.zones, v.replicationFactor, sizing.rolloutOperator);
    // The chart keeps each target's replicas on different nodes itself (required anti-affinity), and
    // the querier's also spread over nodes; with zones, each target spreads over them instead (this
    // replaces the querier's node spread, which its anti-affinity already enforces). Zone-aware
    // ingesters are pinned to zones instead (lokiZoneValues).
    const overZones = (target: LokiDistributedTarget | "gateway", replicas: number) => {
        const spread = target === "ingester" ? [] : zoneSpread(replicas, v.zones, podLabels(v.releaseName, componentLabel[target]));
        return spread.length > 0 ? { topologySpreadConstraints: spread } : {};
    };
    const distributed: Record<string, unknown> = {};
    for (const target of lokiDistributedTargets) {
        distributed[target] = {
            replicas: monolithic ? 0 : v.distributedReplicas[target],
            ...(monolithic ? {} : { resources: sizing.distributed[target], ...overZones(target, v.distributedReplicas[target]) }),
            // The chart renders a budget only for more than one replica; the compactor is a singleton and has none.
            ...(monolithic || target === "compactor" ? {} : { podDisruptionBudget: { maxUnavailable: 1 } }),
        };
    }
    if (!monolithic) {
        // The ingester's WAL volume is a list of claims in this chart, not a single size.
        const claim = { name: "data", accessModes: ["ReadWriteOnce"], size: v.persistence.size, storageClass: v.persistence.storageClass ?? null };
        distributed.ingester = { ...(distributed.ingester as object), persistence: { enabled: v.persistence.enabled, claims: [claim] } };
        // Retention marks and delete requests survive a reschedule of the (single) compactor.
        distributed.compactor = {
            ...(distributed.compactor as object),
            persistence: { enabled: v.persistence.enabled, size: v.persistence.size, storageClass: v.persistence.storageClass ?? null },
        };
    }
    return {
        fullnameOverride: v.releaseName,
        deploymentMode: v.mode,
        loki: {
            auth_enabled: v.multiTenancy,
            // Grafana reads several tenants at once (the platform's and a fleet's members', joined by "|").
            ...(v.multiTenancy ? { querier: { multi_tenant_queries_enabled: true } } : {}),
            commonConfig: { replication_factor: monolithic ? 1 : v.replicationFactor },
            schemaConfig: {
                configs: [{ from: "2024-01-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "index_", period: "24h" } }],
            },
            storage: {
                type: "s3",
                bucketNames: { chunks: v.chunksBucket, ruler: v.rulerBucket },
                s3: {
                    endpoint: v.endpoint,
                    region: v.region,
                    accessKeyId: `\${${lokiCredentialEnv.accessKeyId}}`,
                    secretAccessKey: `\${${lokiCredentialEnv.secretAccessKey}}`,
                    s3ForcePathStyle: v.forcePathStyle,
                    insecure: !v.tls,
                },
            },
            limits_config: { retention_period: v.retention, ...lokiIngestLimits(v.expectedIngestMBps) },
            compactor: { retention_enabled: true, delete_request_store: "s3" },
        },
        defaults: { extraEnvFrom: [{ secretRef: { name: v.credentialsSecretName } }] },
        singleBinary: {
            replicas: monolithic ? 1 : 0,
            ...(monolithic ? { resources: sizing.singleBinary, persistence: chartPersistence(v.persistence) } : {}),
        },
        // SimpleScalable targets stay off in both modes.
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        ...distributed,
        ingester: { ...(distributed.ingester as object), ...zones.ingester },
        rollout_operator: zones.rollout_operator,
        gateway: {
            enabled: true,
            replicas: v.gatewayReplicas,
            resources: sizing.gateway,
            metrics: { resources: sizing.gatewayMetrics },
            podDisruptionBudget: { maxUnavailable: 1 },
            ...overZones("gateway", v.gatewayReplicas),
        },
        // Every Loki Service scraped with job "<namespace>/<component>", as alerts/rules/loki-<mode>.yaml expect.
        monitoring: { serviceMonitor: { enabled: true } },
        lokiCanary: { resources: sizing.canary },
        sidecar: { resources: sizing.rulesSidecar },
        memcachedExporter: { resources: sizing.memcachedExporter },
        chunksCache: cacheValues(sizing.chunksCache),
        resultsCache: cacheValues(sizing.resultsCache),
    };
}

/** Loki for logs, on object storage, fronted by its gateway. */
export class Loki extends pulumi.ComponentResource implements AlertedComponent {
    public readonly release: k8s.helm.v3.Release;
    /** Base URL of the gateway (Grafana's Loki datasource). */
    public readonly queryUrl: pulumi.Output<string>;
    /** Push API (agents send logs here). */
    public readonly pushUrl: pulumi.Output<string>;
    /** Whether clients must send a tenant. */
    public readonly multiTenancy: boolean;
    /** Labels of the release's pods (for NetworkPolicies). */
    public readonly podSelectors: LokiPodSelectors;
    /** The rule files shared by both modes, and its mode's. */
    public readonly alertRuleFiles: readonly string[];

    constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:logs:Loki", name, {}, opts);

        const credentialsSecretName = `${args.releaseName}-s3-credentials`;
        const credentials = credentialsSecret(credentialsSecretName, args.objectStore, args.namespace, lokiCredentialEnv, { parent: this });
        const store = args.objectStore;
        const values = pulumi
            .all([store.endpoint, store.region, store.buckets.lokiChunks, store.buckets.lokiRuler])
            .apply(([endpoint, region, chunksBucket, rulerBucket]) =>
                buildLokiValues({ ...args, endpoint, region, tls: store.tls, forcePathStyle: store.forcePathStyle, chunksBucket, rulerBucket, credentialsSecretName }),
            );
        this.release = platformRelease(
            name,
            { chart: charts.loki, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values, timeoutSeconds: 900 },
            { parent: this, dependsOn: [credentials, args.crds] },
        );

        this.multiTenancy = args.multiTenancy;
        this.podSelectors = lokiPodSelectors(args.releaseName);
        this.alertRuleFiles = ["loki", args.mode === "Distributed" ? "loki-distributed" : "loki-monolithic"];
        this.queryUrl = serviceUrl(this.release, "gateway", lokiGatewayPort);
        this.pushUrl = serviceUrl(this.release, "gateway", lokiGatewayPort, lokiPushPath);
        this.registerOutputs({ queryUrl: this.queryUrl, pushUrl: this.pushUrl });
    }
}
