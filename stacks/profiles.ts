import { NodeSpread } from "../components/availability";
import { DemoSizing } from "../components/demo";
import { LokiDistributedTarget, LokiSizing } from "../components/loki";
import { MetricsSizing } from "../components/metrics";
import { MetricsAgentSizing } from "../components/metricsAgent";
import { anyAddress } from "../components/networkPolicies";
import { ComputeResources, size } from "../components/resources";
import { TempoDistributedSizing } from "../components/tempoDistributed";
import type { TempoDistributedTarget } from "../components/traceStore";
import { ThanosSizing } from "../components/thanos";
import { lokiSchema, type PlatformConfigInput, tempoSchema } from "./schema";
import { prodLokiReplicas, prodTempoReplicas, SignalLoad } from "./sizing";

export type ProfileName = "dev" | "prod";

/** What a profile decides beyond config: container sizes, replica counts of inner parts, and persistence. */
export interface PlatformSizing {
    readonly minio: { readonly server: ComputeResources; readonly jobs: ComputeResources };
    readonly metrics: MetricsSizing;
    readonly thanos: ThanosSizing & { readonly queryFrontendReplicas: number; readonly rulerReplicas: number };
    readonly loki: LokiSizing & { readonly distributedReplicas: Record<LokiDistributedTarget, number>; readonly gatewayReplicas: number };
    /** The single binary (tempo.mode monolithic), or each microservice (distributed). */
    readonly tempo: { readonly monolithic: ComputeResources; readonly distributed: TempoDistributedSizing };
    readonly grafana: { readonly server: ComputeResources; readonly sidecar: ComputeResources };
    /** The Alloy node agent, per node (it is a DaemonSet). */
    readonly alloy: { readonly alloy: ComputeResources; readonly configReloader: ComputeResources };
    /** The fleet's ingest gateway (nginx), per replica. */
    readonly fleetGateway: ComputeResources;
    /** Whether durable state sits on PersistentVolumeClaims (Prometheus, Alertmanager, Thanos, Loki, Tempo). */
    readonly persistentState: boolean;
    /** Whether replicas of Prometheus, Alertmanager, Thanos and Grafana must run one per node or only prefer to. */
    readonly nodeSpread: NodeSpread;
    /** The demo workloads; only a profile that sizes them may enable them (`demo.enabled`). */
    readonly demo?: DemoSizing;
    /** Parts deployed only when config asks for them: the blackbox exporter (`probes`) and the Pushgateway. */
    readonly collection: { readonly blackboxExporter: ComputeResources; readonly pushgateway: ComputeResources };
    /** An edge stack (role edge): the Prometheus agent and its exporters, and Alloy per node. */
    readonly edge: EdgeSizing;
}

export interface EdgeSizing {
    readonly metrics: MetricsAgentSizing;
    readonly alloy: PlatformSizing["alloy"];
}

/**
 * An edge collects and forwards; it stores nothing it could be asked for. Its requests add up to
 * 0.185 CPU and 424 MiB on a one-node cluster (goal: at most 0.3 CPU and 512 MiB; `npm run verify --
 * edge` measures it); node-exporter and Alloy add 70m and 168 MiB per further node. The same in
 * both profiles: an edge's size follows what it scrapes, not how available the central side is.
 */
const edgeSizing: EdgeSizing = {
    metrics: {
        agent: size("80m", "160Mi", "1", "1Gi"),
        configReloader: size("5m", "16Mi", "100m", "64Mi"),
        operator: size("20m", "48Mi", "200m", "256Mi"),
        webhookJob: size("10m", "32Mi", "100m", "64Mi"),
        kubeStateMetrics: size("10m", "32Mi", "200m", "256Mi"),
        nodeExporter: size("10m", "24Mi", "200m", "64Mi"),
    },
    alloy: { alloy: size("55m", "128Mi", "500m", "512Mi"), configReloader: size("5m", "16Mi", "50m", "64Mi") },
};

/**
 * What a profile states: every key but the scalars Pulumi.yaml declares (clusterName excepted: its
 * default is the profile's), and of the object store
 * every setting but the external endpoint, which only the stack can name (validation asks for it
 * when the type is external).
 */
type ProfileDefaults = Omit<PlatformConfigInput, "profile" | "role" | "central" | "kubeconfig" | "kubeContext" | "storageClass" | "protectData" | "objectStorage"> & {
    readonly objectStorage: Omit<PlatformConfigInput["objectStorage"], "external"> & { readonly external: Omit<PlatformConfigInput["objectStorage"]["external"], "endpoint"> };
};

/** Config defaults of each profile; a stack file only states where it differs (tanka: env = lib + patch). */
export function profileDefaults(profile: ProfileName, namespace: string): ProfileDefaults {
    // Which zones a cluster has is a fact about the cluster, not the profile: none unless the stack lists them.
    const zones: string[] = [];
    // Addresses outside the pod network (API server, external store, Grafana's database) are the cluster's: any, on their ports only, until narrowed.
    const unnarrowed = { apiServerCidrs: [...anyAddress], objectStorageCidrs: [...anyAddress], grafanaDatabaseCidrs: [...anyAddress] };
    // Agents read the host (node-exporter, Alloy's /var/log), so they get a namespace of their own: every other one enforces Pod Security "restricted".
    // The demo is an application like any other, so it lives apart from the platform.
    const namespaces = { objectStorage: namespace, metrics: namespace, thanos: namespace, logs: namespace, traces: namespace, grafana: namespace, agents: `${namespace}-agents`, demo: "demo", fleet: namespace };
    const buckets = { lokiChunks: "loki-chunks", lokiRuler: "loki-ruler", tempo: "tempo-traces", thanos: "thanos-metrics" };
    // AWS S3 addressing (virtual-hosted, TLS); S3-compatible services without wildcard DNS set forcePathStyle.
    const external = { tls: true, forcePathStyle: false };
    // Every chart from its upstream repository unless the stack names a mirror or directory (air-gapped clusters).
    const charts = {};
    // No members until the stack lists them; the gateway and receivers exist only then.
    const ingress = {};
    // Nothing is collected beyond the platform's own parts until the stack declares it; the Pushgateway's volume is used in prod only (persistentState).
    const collection = { scrapeTargets: [], probes: [], pushgateway: { enabled: false, clientNamespaces: [], volumeSize: "2Gi" } };
    if (profile === "dev") {
        return {
            clusterName: "lgtm",
            fleet: { edges: [], ingress, receive: { replicas: 1, replicationFactor: 1 }, gatewayReplicas: 1 },
            zones,
            namespaces,
            objectStorage: { type: "minio", region: "us-east-1", buckets, minio: { mode: "standalone", replicas: 1, volumeSize: "20Gi", versioning: false }, external },
            metrics: { retention: "24h", retentionSize: "4GB", scrapeInterval: "30s", prometheusReplicas: 1, alertmanagerReplicas: 1, volumeSize: "5Gi" },
            thanos: { retention: { raw: "7d", fiveMinutes: "30d", oneHour: "90d" }, queryReplicas: 1, storeGatewayReplicas: 1, volumeSize: "2Gi" },
            loki: { mode: "Monolithic", multiTenancy: false, tenant: "platform", retention: "168h", expectedIngestMBps: 1, replicationFactor: 1, volumeSize: "5Gi" },
            tempo: { mode: "monolithic", retention: "72h", expectedIngestMBps: 0.5, volumeSize: "5Gi" },
            grafana: { ingress: { enabled: false }, subPath: "", replicas: 1, persistence: false, volumeSize: "1Gi" },
            alerting: {},
            demo: { enabled: false },
            // Off: a laptop cluster's CNI may not enforce NetworkPolicies at all (minikube's default bridge does not).
            network: { policies: false, ...unnarrowed },
            charts,
            ...collection,
        };
    }
    return {
        clusterName: "lgtm",
        // Every series on three receivers: Thanos needs a quorum of 2 copies, so writes go on with one receiver down.
        fleet: { edges: [], ingress, receive: { replicas: 3, replicationFactor: 3 }, gatewayReplicas: 2 },
        zones,
        namespaces,
        // prod keeps its data in an S3 service operated for durability; MinIO, if chosen instead, runs distributed.
        objectStorage: { type: "external", region: "us-east-1", buckets, minio: { mode: "distributed", replicas: 4, volumeSize: "100Gi", versioning: true }, external },
        metrics: { retention: "48h", retentionSize: "40GB", scrapeInterval: "30s", prometheusReplicas: 2, alertmanagerReplicas: 3, volumeSize: "50Gi" },
        thanos: { retention: { raw: "30d", fiveMinutes: "180d", oneHour: "730d" }, queryReplicas: 2, storeGatewayReplicas: 2, volumeSize: "20Gi" },
        loki: { mode: "Distributed", multiTenancy: true, tenant: "platform", retention: "744h", expectedIngestMBps: 10, replicationFactor: 3, volumeSize: "20Gi" },
        tempo: { mode: "distributed", retention: "336h", expectedIngestMBps: 5, volumeSize: "20Gi" },
        // One Grafana on SQLite; more replicas need an external database (grafana.database), which is yours to provide.
        grafana: { ingress: { enabled: true }, subPath: "", replicas: 1, persistence: true, volumeSize: "10Gi" },
        alerting: {},
        demo: { enabled: false },
        network: { policies: true, ...unnarrowed },
        charts,
        ...collection,
    };
}

/**
 * dev fits a single-node laptop cluster: every container has requests and limits, and the
 * requests add up to about 0.85 CPU and 2.36 GiB, 0.89 CPU and 2.43 GiB with the demo (budget:
 * 1.5 CPU, 2.5 GiB; `npm run verify` measures it).
 */
const devSizing: PlatformSizing = {
    minio: { server: size("50m", "192Mi", "500m", "512Mi"), jobs: size("10m", "64Mi", "100m", "128Mi") },
    metrics: {
        prometheus: size("150m", "384Mi", "1", "1Gi"),
        thanosSidecar: size("20m", "64Mi", "200m", "256Mi"),
        configReloader: size("10m", "24Mi", "100m", "64Mi"),
        alertmanager: size("20m", "48Mi", "100m", "128Mi"),
        operator: size("50m", "64Mi", "200m", "256Mi"),
        webhookJob: size("10m", "32Mi", "100m", "64Mi"),
        kubeStateMetrics: size("20m", "64Mi", "200m", "256Mi"),
        nodeExporter: size("20m", "32Mi", "200m", "64Mi"),
    },
    thanos: {
        query: size("25m", "64Mi", "500m", "512Mi"),
        queryFrontend: size("10m", "32Mi", "200m", "256Mi"),
        storeGateway: size("25m", "96Mi", "500m", "512Mi"),
        compactor: size("25m", "96Mi", "500m", "512Mi"),
        ruler: size("10m", "48Mi", "200m", "256Mi"),
        receiveRouter: size("10m", "32Mi", "200m", "256Mi"),
        receiveIngestor: size("25m", "128Mi", "500m", "512Mi"),
        queryFrontendReplicas: 1,
        rulerReplicas: 1,
    },
    loki: {
        singleBinary: size("100m", "256Mi", "1", "1Gi"),
        distributed: uniform(size("100m", "256Mi", "1", "1Gi")),
        gateway: size("10m", "32Mi", "200m", "128Mi"),
        gatewayMetrics: size("5m", "16Mi", "50m", "32Mi"),
        canary: size("10m", "32Mi", "100m", "64Mi"),
        rulesSidecar: size("5m", "48Mi", "100m", "128Mi"),
        memcachedExporter: size("5m", "16Mi", "50m", "32Mi"),
        rolloutOperator: size("10m", "32Mi", "100m", "64Mi"),
        chunksCache: { allocatedMemoryMb: 64, cpu: "25m" },
        resultsCache: { allocatedMemoryMb: 32, cpu: "25m" },
        distributedReplicas: uniformCount(1),
        gatewayReplicas: 1,
    },
    tempo: {
        monolithic: size("100m", "256Mi", "1", "1Gi"),
        // Only with tempo.mode distributed (not in the budget above): three ingesters for the default
        // replication factor, one of everything else; the ingesters' anti-affinity is soft, so one node will do.
        distributed: {
            resources: uniformTempo(size("50m", "128Mi", "500m", "512Mi")),
            replicas: { distributor: 1, ingester: 3, querier: 1, queryFrontend: 1, compactor: 1, metricsGenerator: 1 },
            memcached: { allocatedMemoryMb: 64, cpu: "25m" },
            memcachedReplicas: 1,
        },
    },
    grafana: { server: size("50m", "160Mi", "500m", "512Mi"), sidecar: size("10m", "64Mi", "100m", "128Mi") },
    alloy: { alloy: size("50m", "128Mi", "500m", "512Mi"), configReloader: size("5m", "24Mi", "50m", "64Mi") },
    fleetGateway: size("10m", "16Mi", "200m", "64Mi"),
    persistentState: false,
    // A laptop cluster of one node: several replicas share it rather than wait for a second one.
    nodeSpread: "preferred",
    demo: { logGenerator: size("5m", "16Mi", "50m", "32Mi"), hotrod: size("20m", "48Mi", "200m", "128Mi"), loadGenerator: size("5m", "16Mi", "50m", "32Mi") },
    // Only when declared (not in the budget above).
    collection: { blackboxExporter: size("10m", "32Mi", "100m", "64Mi"), pushgateway: size("10m", "32Mi", "100m", "64Mi") },
    edge: edgeSizing,
};

/** A sizing without the replica counts of Loki's and Tempo's parts, which prod derives from the declared rates. */
type SizingBeforeRates = Omit<PlatformSizing, "loki" | "tempo"> & {
    readonly loki: Omit<PlatformSizing["loki"], "distributedReplicas">;
    readonly tempo: { readonly monolithic: ComputeResources; readonly distributed: Omit<TempoDistributedSizing, "replicas"> };
};

/**
 * prod: HA and room to work. Each pod's resources are fixed here; how many pods Loki's and Tempo's
 * parts run follows the declared ingest rates (`prodSizing`, docs/prod.md "Sizing prod").
 */
const prodBase: SizingBeforeRates = {
    minio: { server: size("250m", "1Gi", "2", "4Gi"), jobs: size("50m", "64Mi", "200m", "256Mi") },
    metrics: {
        prometheus: size("1", "4Gi", "4", "8Gi"),
        thanosSidecar: size("100m", "256Mi", "1", "1Gi"),
        configReloader: size("10m", "32Mi", "100m", "64Mi"),
        alertmanager: size("50m", "128Mi", "500m", "512Mi"),
        operator: size("100m", "256Mi", "500m", "512Mi"),
        webhookJob: size("10m", "32Mi", "100m", "64Mi"),
        kubeStateMetrics: size("100m", "256Mi", "500m", "1Gi"),
        nodeExporter: size("50m", "64Mi", "250m", "128Mi"),
    },
    thanos: {
        query: size("250m", "1Gi", "2", "4Gi"),
        queryFrontend: size("100m", "256Mi", "1", "1Gi"),
        storeGateway: size("250m", "1Gi", "2", "4Gi"),
        compactor: size("500m", "2Gi", "2", "4Gi"),
        ruler: size("100m", "256Mi", "1", "1Gi"),
        receiveRouter: size("100m", "256Mi", "1", "1Gi"),
        receiveIngestor: size("250m", "1Gi", "2", "4Gi"),
        queryFrontendReplicas: 2,
        rulerReplicas: 2,
    },
    loki: {
        singleBinary: size("500m", "2Gi", "2", "4Gi"),
        distributed: {
            ...uniform(size("250m", "512Mi", "2", "2Gi")),
            ingester: size("500m", "2Gi", "2", "4Gi"),
            querier: size("500m", "1Gi", "2", "4Gi"),
        },
        gateway: size("100m", "128Mi", "1", "512Mi"),
        gatewayMetrics: size("10m", "32Mi", "100m", "64Mi"),
        canary: size("10m", "32Mi", "100m", "64Mi"),
        rulesSidecar: size("10m", "64Mi", "100m", "256Mi"),
        memcachedExporter: size("10m", "32Mi", "100m", "64Mi"),
        rolloutOperator: size("50m", "64Mi", "200m", "200Mi"),
        chunksCache: { allocatedMemoryMb: 2048, cpu: "500m" },
        resultsCache: { allocatedMemoryMb: 512, cpu: "250m" },
        gatewayReplicas: 2,
    },
    tempo: {
        monolithic: size("500m", "2Gi", "2", "6Gi"),
        distributed: {
            resources: {
                distributor: size("250m", "512Mi", "2", "2Gi"),
                ingester: size("500m", "3Gi", "2", "6Gi"),
                querier: size("250m", "1Gi", "2", "4Gi"),
                queryFrontend: size("100m", "256Mi", "1", "1Gi"),
                compactor: size("250m", "1Gi", "2", "4Gi"),
                metricsGenerator: size("250m", "1Gi", "1", "2Gi"),
            },
            memcached: { allocatedMemoryMb: 1024, cpu: "500m" },
            memcachedReplicas: 2,
        },
    },
    grafana: { server: size("100m", "256Mi", "1", "1Gi"), sidecar: size("10m", "64Mi", "100m", "256Mi") },
    alloy: { alloy: size("100m", "256Mi", "1", "1Gi"), configReloader: size("10m", "32Mi", "100m", "64Mi") },
    fleetGateway: size("50m", "32Mi", "1", "128Mi"),
    persistentState: true,
    nodeSpread: "required",
    collection: { blackboxExporter: size("50m", "64Mi", "500m", "256Mi"), pushgateway: size("50m", "64Mi", "500m", "256Mi") },
    edge: edgeSizing,
};

function uniform(r: ComputeResources): Record<LokiDistributedTarget, ComputeResources> {
    return { ingester: r, distributor: r, querier: r, queryFrontend: r, queryScheduler: r, indexGateway: r, compactor: r, ruler: r };
}

function uniformTempo(r: ComputeResources): Record<TempoDistributedTarget, ComputeResources> {
    return { distributor: r, ingester: r, querier: r, queryFrontend: r, compactor: r, metricsGenerator: r };
}

function uniformCount(n: number): Record<LokiDistributedTarget, number> {
    return { ingester: n, distributor: n, querier: n, queryFrontend: n, queryScheduler: n, indexGateway: n, compactor: n, ruler: n };
}

/** The declared load prod's replicas follow: each signal's ingest rate and replication factor. */
export interface IngestLoad {
    readonly loki: SignalLoad;
    readonly tempo: SignalLoad;
}

/** The load a profile declares by default, validated as a stack's config is (Tempo's replication factor follows its mode). */
export function defaultIngestLoad(profile: ProfileName): IngestLoad {
    const defaults = profileDefaults(profile, "default");
    const load = ({ expectedIngestMBps, replicationFactor }: SignalLoad): SignalLoad => ({ expectedIngestMBps, replicationFactor });
    return { loki: load(lokiSchema.parse(defaults.loki)), tempo: load(tempoSchema.parse(defaults.tempo)) };
}

function prodSizing(load: IngestLoad): PlatformSizing {
    return {
        ...prodBase,
        loki: { ...prodBase.loki, distributedReplicas: prodLokiReplicas(load.loki) },
        tempo: { ...prodBase.tempo, distributed: { ...prodBase.tempo.distributed, replicas: prodTempoReplicas(load.tempo) } },
    };
}

/**
 * What `profile` decides for a stack declaring `load` (by default, the profile's own rates). dev is
 * fixed: it fits a laptop whatever the rates; prod runs as many of Loki's and Tempo's parts as
 * `load` needs (stacks/sizing.ts).
 */
export function profileSizing(profile: ProfileName, load: IngestLoad = defaultIngestLoad(profile)): PlatformSizing {
    return profile === "dev" ? devSizing : prodSizing(load);
}
