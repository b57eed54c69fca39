import { DemoSizing } from "../components/demo";
import { LokiDistributedTarget, LokiSizing } from "../components/loki";
import { MetricsSizing } from "../components/metrics";
import { ComputeResources, size } from "../components/resources";
import { ThanosSizing } from "../components/thanos";
import type { PlatformConfig } from "./schema";

export type ProfileName = "dev" | "prod";

/** What a profile decides beyond config: container sizes, replica counts of inner parts, and persistence. */
export interface PlatformSizing {
    readonly minio: { readonly server: ComputeResources; readonly jobs: ComputeResources };
    readonly metrics: MetricsSizing;
    readonly thanos: ThanosSizing & { readonly queryFrontendReplicas: number; readonly rulerReplicas: number };
    readonly loki: LokiSizing & { readonly distributedReplicas: Record<LokiDistributedTarget, number>; readonly gatewayReplicas: number };
    readonly tempo: ComputeResources;
    readonly grafana: { readonly server: ComputeResources; readonly sidecar: ComputeResources };
    /** The Alloy node agent, per node (it is a DaemonSet). */
    readonly alloy: { readonly alloy: ComputeResources; readonly configReloader: ComputeResources };
    /** Whether durable state sits on PersistentVolumeClaims (Prometheus, Alertmanager, Thanos, Loki, Tempo). */
    readonly persistentState: boolean;
    /** The demo workloads; only a profile that sizes them may enable them (`demo.enabled`). */
    readonly demo?: DemoSizing;
}

/** Config defaults of each profile; a stack file only states where it differs (tanka: env = lib + patch). */
export function profileDefaults(profile: ProfileName, namespace: string): Omit<PlatformConfig, "profile" | "kubeconfig" | "kubeContext" | "storageClass"> {
    // Which zones a cluster has is a fact about the cluster, not the profile: none unless the stack lists them.
    const zones: string[] = [];
    // Agents read the host (node-exporter, Alloy's /var/log), so they get a namespace of their own: every other one enforces Pod Security "restricted".
    // The demo is an application like any other, so it lives apart from the platform.
    const namespaces = { objectStorage: namespace, metrics: namespace, thanos: namespace, logs: namespace, traces: namespace, grafana: namespace, agents: `${namespace}-agents`, demo: "demo" };
    const buckets = { lokiChunks: "loki-chunks", lokiRuler: "loki-ruler", tempo: "tempo-traces", thanos: "thanos-metrics" };
    // AWS S3 addressing (virtual-hosted, TLS); S3-compatible services without wildcard DNS set forcePathStyle.
    const external = { tls: true, forcePathStyle: false };
    if (profile === "dev") {
        return {
            clusterName: "lgtm",
            zones,
            namespaces,
            objectStorage: { type: "minio", region: "us-east-1", buckets, minio: { mode: "standalone", replicas: 1, volumeSize: "20Gi", versioning: false }, external },
            metrics: { retention: "24h", retentionSize: "4GB", scrapeInterval: "30s", prometheusReplicas: 1, alertmanagerReplicas: 1, volumeSize: "5Gi" },
            thanos: { retention: { raw: "7d", fiveMinutes: "30d", oneHour: "90d" }, queryReplicas: 1, storeGatewayReplicas: 1, volumeSize: "2Gi" },
            loki: { mode: "Monolithic", multiTenancy: false, tenant: "platform", retention: "168h", expectedIngestMBps: 1, replicationFactor: 1, volumeSize: "5Gi" },
            tempo: { retention: "72h", expectedIngestMBps: 0.5, volumeSize: "5Gi" },
            grafana: { ingress: { enabled: false }, subPath: "", persistence: false, volumeSize: "1Gi" },
            alerting: {},
            demo: { enabled: false },
        };
    }
    return {
        clusterName: "lgtm",
        zones,
        namespaces,
        // prod keeps its data in an S3 service operated for durability; MinIO, if chosen instead, runs distributed.
        objectStorage: { type: "external", region: "us-east-1", buckets, minio: { mode: "distributed", replicas: 4, volumeSize: "100Gi", versioning: true }, external },
        metrics: { retention: "48h", retentionSize: "40GB", scrapeInterval: "30s", prometheusReplicas: 2, alertmanagerReplicas: 3, volumeSize: "50Gi" },
        thanos: { retention: { raw: "30d", fiveMinutes: "180d", oneHour: "730d" }, queryReplicas: 2, storeGatewayReplicas: 2, volumeSize: "20Gi" },
        loki: { mode: "Distributed", multiTenancy: true, tenant: "platform", retention: "744h", expectedIngestMBps: 10, replicationFactor: 3, volumeSize: "20Gi" },
        tempo: { retention: "336h", expectedIngestMBps: 5, volumeSize: "20Gi" },
        grafana: { ingress: { enabled: true }, subPath: "", persistence: true, volumeSize: "10Gi" },
        alerting: {},
        demo: { enabled: false },
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
    tempo: size("100m", "256Mi", "1", "1Gi"),
    grafana: { server: size("50m", "160Mi", "500m", "512Mi"), sidecar: size("10m", "64Mi", "100m", "128Mi") },
    alloy: { alloy: size("50m", "128Mi", "500m", "512Mi"), configReloader: size("5m", "24Mi", "50m", "64Mi") },
    persistentState: false,
    demo: { logGenerator: size("5m", "16Mi", "50m", "32Mi"), hotrod: size("20m", "48Mi", "200m", "128Mi"), loadGenerator: size("5m", "16Mi", "50m", "32Mi") },
};

/** prod: HA replica counts and room to work; the sizing table in README.md says what ingest it suits. */
const prodSizing: PlatformSizing = {
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
        distributedReplicas: { ...uniformCount(2), ingester: 3, compactor: 1, queryScheduler: 2, ruler: 2 },
        gatewayReplicas: 2,
    },
    tempo: size("500m", "2Gi", "2", "6Gi"),
    grafana: { server: size("100m", "256Mi", "1", "1Gi"), sidecar: size("10m", "64Mi", "100m", "256Mi") },
    alloy: { alloy: size("100m", "256Mi", "1", "1Gi"), configReloader: size("10m", "32Mi", "100m", "64Mi") },
    persistentState: true,
};

function uniform(r: ComputeResources): Record<LokiDistributedTarget, ComputeResources> {
    return { ingester: r, distributor: r, querier: r, queryFrontend: r, queryScheduler: r, indexGateway: r, compactor: r, ruler: r };
}

function uniformCount(n: number): Record<LokiDistributedTarget, number> {
    return { ingester: n, distributor: n, querier: n, queryFrontend: n, queryScheduler: n, indexGateway: n, compactor: n, ruler: n };
}

export function profileSizing(profile: ProfileName): PlatformSizing {
    return profile === "dev" ? devSizing : prodSizing;
}
