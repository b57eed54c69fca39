import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AlertedComponent } from "./alerting";
import { charts } from "./charts";
import { CacheSizing, cacheValues } from "./memcached";
import { restrictedContainer, restrictedPod } from "./podSecurity";
import { chartPersistence, ComputeResources, Persistence } from "./resources";
import { TempoDistributedTarget, tempoDistributedTargets, tempoOverrideDefaults, tempoPorts, tempoRelease, tempoS3Config, TempoValuesOf, TracePods, TraceStore, TraceStoreArgs, traceEndpoints } from "./traceStore";

/** The chart's `app.kubernetes.io/component` of each part (kebab-case of our names). */
const componentLabel = (target: string) => target.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Labels of each part's pods and of memcached: the chart's name, the release and the component. */
export function tempoDistributedPodSelectors(releaseName: string): TracePods {
    const release = { "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": releaseName };
    const parts = {} as Record<TempoDistributedTarget, Record<string, string>>;
    for (const t of tempoDistributedTargets) parts[t] = { ...release, "app.kubernetes.io/component": componentLabel(t) };
    return { topology: "distributed", parts, cache: { ...release, "app.kubernetes.io/component": "memcached" } };
}

export interface TempoDistributedSizing {
    /** Resources of each workload's Tempo container. */
    readonly resources: Record<TempoDistributedTarget, ComputeResources>;
    /** Replicas of each workload (Tempo's compactors share the work over a ring, so there may be several). */
    readonly replicas: Record<TempoDistributedTarget, number>;
    /** Each memcached pod (bloom filters, parquet footers and search results of the queriers). */
    readonly memcached: CacheSizing;
    readonly memcachedReplicas: number;
}

export interface TempoDistributedArgs extends TraceStoreArgs {
    /** Ingesters each span is written to; at most the ingester replicas (stacks/config.ts checks it). */
    readonly replicationFactor: number;
    /** WAL volume of each ingester: spans not yet flushed to object storage. */
    readonly ingesterPersistence: Persistence;
    /** WAL volume of the metrics generator: samples not yet remote-written. */
    readonly generatorPersistence: Persistence;
    /** Resources and replicas per workload. */
    readonly sizing: TempoDistributedSizing;
}

export type TempoDistributedValuesInput = TempoValuesOf<TempoDistributedArgs>;

/**
 * The chart's images run as UID 1000 (its default); made explicit, with RuntimeDefault seccomp added,
 * so every pod passes the `restricted` Pod Security Standard (the chart's defaults lack seccomp).
 */
const tempoDistributedUid = 1000;
// The chart reads no seccompProfile from the container context; the pod's RuntimeDefault covers every container.
const { seccompProfile: _podLevel, ...containerContext } = restrictedContainer;

/** Values of the tempo-distributed chart (2.x). Credentials appear only as `${VAR}` references. */
export function buildTempoDistributedValues(v: TempoDistributedValuesInput): Record<string, unknown> {
    const { resources, replicas } = v.sizing;
    const memcached = cacheValues(v.sizing.memcached);
    return {
        fullnameOverride: v.releaseName,
        reportingEnabled: false,
        multitenancyEnabled: v.multiTenancy,
        // `tempo.*` contexts apply to every pod of the chart, memcached included.
        tempo: { podSecurityContext: restrictedPod(tempoDistributedUid), securityContext: { ...containerContext, readOnlyRootFilesystem: true } },
        // `defaults` reach every Tempo pod (not memcached): config is expanded from the credentials Secret.
        defaults: {
            extraArgs: ["-config.expand-env=true"],
            extraEnvFrom: [{ secretRef: { name: v.credentialsSecretName } }],
        },
        storage: { trace: { backend: "s3", s3: tempoS3Config(v) } },
        // The same receivers as the monolithic Tempo, on the distributor (ports fixed by the chart).
        traces: {
            otlp: { grpc: { enabled: true }, http: { enabled: true } },
            jaeger: { grpc: { enabled: true }, thriftHttp: { enabled: true }, thriftBinary: { enabled: true }, thriftCompact: { enabled: true } },
            zipkin: { enabled: true },
        },
        overrides: { defaults: tempoOverrideDefaults(v.expectedIngestMBps) },
        distributor: { replicas: replicas.distributor, resources: resources.distributor },
        ingester: {
            replicas: replicas.ingester,
            resources: resources.ingester,
            config: { replication_factor: v.replicationFactor },
            persistence: chartPersistence(v.ingesterPersistence),
            podDisruptionBudget: { enabled: true },
            // One ingester at a time: the chart's default (replicas - quorum) lets a quorum go at once with more ingesters.
            maxUnavailable: 1,
        },
        querier: { replicas: replicas.querier, resources: resources.querier },
        queryFrontend: { replicas: replicas.queryFrontend, resources: resources.queryFrontend, service: { httpMetricsPort: tempoPorts.http } },
        compactor: { replicas: replicas.compactor, resources: resources.compactor, config: { compaction: { block_retention: v.retention } } },
        metricsGenerator: {
            enabled: true,
            // A StatefulSet, so its WAL (samples not yet remote-written) can sit on a volume.
            kind: "StatefulSet",
            replicas: replicas.metricsGenerator,
            resources: resources.metricsGenerator,
            persistence: chartPersistence(v.generatorPersistence),
            config: {
                registry: { external_labels: { cluster: v.clusterName } },
                storage: { remote_write: [{ url: v.remoteWriteUrl }] },
            },
        },
        memcached: {
            enabled: true,
            replicas: v.sizing.memcachedReplicas,
            // memcached's own default is 64 MB whatever the pod has.
            extraArgs: [`--memory-limit=${memcached.allocatedMemory}`],
            resources: memcached.resources,
        },
        metaMonitoring: {
            serviceMonitor: {
                enabled: true,
                // The chart labels targets job="<namespace>/<component>" (e.g. monitoring/distributor), which
                // other "distributor"s share; "<namespace>/<Service>" (monitoring/tempo-distributor) is
                // unambiguous and matches Loki's, as alerts/rules/tempo-distributed.yaml expects.
                relabelings: [{ action: "replace", sourceLabels: ["__meta_kubernetes_namespace", "__meta_kubernetes_service_name"], separator: "/", targetLabel: "job" }],
            },
        },
    };
}

/** Tempo as microservices (chart tempo-distributed 2.x): replicated ingesters with their WAL on volumes, on object storage. */
export class TempoDistributed extends pulumi.ComponentResource implements TraceStore, AlertedComponent {
    public readonly release: k8s.helm.v3.Release;
    /** HTTP API of the query-frontend (Grafana's Tempo datasource). */
    public readonly queryUrl: pulumi.Output<string>;
    /** OTLP gRPC receiver of the distributors, `host:port`. */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** OTLP HTTP receiver base URL of the distributors. */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** Labels of each part's pods (for NetworkPolicies). */
    public readonly podSelectors: TracePods;
    /** Its rule files in alerts/rules. */
    public readonly alertRuleFiles: readonly string[] = ["tempo", "tempo-distributed"];

    constructor(name: string, args: TempoDistributedArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:traces:TempoDistributed", name, {}, opts);

        this.release = tempoRelease(name, args, charts.tempoDistributed, buildTempoDistributedValues, { parent: this, timeoutSeconds: 900 });
        // Grafana queries the query-frontend; agents send to the distributors.
        ({ queryUrl: this.queryUrl, otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint } = traceEndpoints(this.release, "query-frontend", "distributor"));
        this.podSelectors = tempoDistributedPodSelectors(args.releaseName);
        this.registerOutputs({ queryUrl: this.queryUrl, otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint });
    }
}
