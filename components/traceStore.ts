import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartRef, ChartSource } from "./charts";
import { tempoIngestLimits } from "./ingestLimits";
import { credentialsSecret, ObjectStore } from "./objectStore";
import { platformRelease, serviceHost, serviceUrl } from "./release";

/**
 * What the rest of the platform needs from the trace backend, whichever Tempo topology serves it
 * (monolithic `Tempo` or `TempoDistributed`): consumers take these outputs and never know which.
 */
export interface TraceStore {
    /** The Helm release behind it (names, namespace, and something to depend on). */
    readonly release: k8s.helm.v3.Release;
    /** Base URL of Tempo's HTTP API (Grafana's Tempo datasource). */
    readonly queryUrl: pulumi.Output<string>;
    /** OTLP gRPC receiver, `host:port`. */
    readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** OTLP HTTP receiver base URL. */
    readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** Labels of its pods, by part (for NetworkPolicies). */
    readonly podSelectors: TracePods;
}

/** Tempo workloads of the tempo-distributed chart (2.x write path: ingesters, no Kafka) that we size. */
export const tempoDistributedTargets = ["distributor", "ingester", "querier", "queryFrontend", "compactor", "metricsGenerator"] as const;
export type TempoDistributedTarget = (typeof tempoDistributedTargets)[number];

type Labels = Readonly<Record<string, string>>;
/** Labels of Tempo's pods: one binary, or each microservice and the shared memcached. */
export type TracePods = { readonly topology: "monolithic"; readonly server: Labels } | { readonly topology: "distributed"; readonly parts: Readonly<Record<TempoDistributedTarget, Labels>>; readonly cache: Labels };

/** What either Tempo topology takes from the platform. */
export interface TraceStoreArgs {
    /** Namespace of Tempo and its credentials Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** The Prometheus Operator CRDs release: the chart's ServiceMonitors need them first. */
    readonly crds: pulumi.Resource;
    /** Helm release name, also the fullname every Service name starts with. */
    readonly releaseName: string;
    /** Object storage for trace blocks. */
    readonly objectStore: ObjectStore;
    /** Prometheus remote-write URL the metrics generator sends service graphs and span metrics to. */
    readonly remoteWriteUrl: pulumi.Input<string>;
    /** `cluster` label on generated metrics, matching Prometheus' external label. */
    readonly clusterName: string;
    /** How long traces are kept, e.g. `336h`. */
    readonly retention: string;
    /** Span volume expected, in MB/s; ingestion limits are derived from it. */
    readonly expectedIngestMBps: number;
    /**
     * Whether every write and query names its tenant (`X-Scope-OrgID`): on when a fleet's members
     * send traces, each under the tenant its login binds it to.
     */
    readonly multiTenancy: boolean;
}

/** What a chart's values builder gets: its args, with the object store and remote write resolved and the credentials Secret named. */
export type TempoValuesOf<A extends TraceStoreArgs> = Omit<A, "namespace" | "chartSource" | "objectStore" | "remoteWriteUrl" | "crds"> &
    TempoStorageSettings & {
        readonly remoteWriteUrl: string;
        /** Secret with the S3 credentials as environment variables. */
        readonly credentialsSecretName: string;
    };

/**
 * Installs a Tempo chart: the Secret whose keys Tempo's environment expands into its S3 config, then
 * the release, with values built once the object store and remote write are known.
 */
export function tempoRelease<A extends TraceStoreArgs>(
    name: string,
    args: A,
    chart: ChartRef,
    build: (v: TempoValuesOf<A>) => Record<string, unknown>,
    opts: { parent: pulumi.Resource; timeoutSeconds?: number },
): k8s.helm.v3.Release {
    const credentialsSecretName = `${args.releaseName}-s3-credentials`;
    const credentials = credentialsSecret(credentialsSecretName, args.objectStore, args.namespace, tempoCredentialEnv, { parent: opts.parent });
    const values = pulumi.all([tempoStorageSettings(args.objectStore), args.remoteWriteUrl]).apply(([storage, remoteWriteUrl]) => build({ ...args, ...storage, remoteWriteUrl, credentialsSecretName }));
    return platformRelease(
        name,
        { chart, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values, timeoutSeconds: opts.timeoutSeconds },
        { parent: opts.parent, dependsOn: [credentials, args.crds] },
    );
}

/**
 * The addresses consumers use: the query API on `queryComponent`'s Service, the OTLP receivers on
 * `receiverComponent`'s (undefined: the release's own Service).
 */
export function traceEndpoints(release: k8s.helm.v3.Release, queryComponent?: string, receiverComponent?: string): Pick<TraceStore, "queryUrl" | "otlpGrpcEndpoint" | "otlpHttpEndpoint"> {
    return {
        queryUrl: serviceUrl(release, queryComponent, tempoPorts.http),
        otlpGrpcEndpoint: pulumi.interpolate`${serviceHost(release, receiverComponent)}:${tempoPorts.otlpGrpc}`,
        otlpHttpEndpoint: serviceUrl(release, receiverComponent, tempoPorts.otlpHttp),
    };
}

/** Tempo topologies we deploy: one binary (chart `tempo`), or microservices (chart `tempo-distributed` 2.x, no Kafka). */
export const tempoModes = ["monolithic", "distributed"] as const;
export type TempoMode = (typeof tempoModes)[number];

/**
 * Tempo's own ports. Both charts hard-code the container ports behind their Services, so these are
 * fixed: the HTTP API, and the receivers' default listen ports.
 */
export const tempoPorts = { http: 3200, otlpGrpc: 4317, otlpHttp: 4318, jaegerGrpc: 14250, jaegerThriftHttp: 14268, zipkin: 9411 } as const;

/** Ports between tempo-distributed's pods (the chart's defaults): gRPC, memberlist gossip, memcached. */
export const tempoInternalPorts = { grpc: 9095, memberlist: 7946, memcached: 11211 } as const;

/** Environment variables Tempo expands `${…}` in its config from (`-config.expand-env=true`), filled from our credentials Secret. */
export const tempoCredentialEnv = { accessKeyId: "TEMPO_S3_ACCESS_KEY_ID", secretAccessKey: "TEMPO_S3_SECRET_ACCESS_KEY" } as const;

/** The object store as Tempo's config needs it, resolved. */
export interface TempoStorageSettings {
    readonly endpoint: string;
    readonly region: string;
    readonly tls: boolean;
    /** Path-style bucket addressing (MinIO and most S3-compatible stores) rather than virtual-hosted. */
    readonly forcePathStyle: boolean;
    /** The trace bucket. */
    readonly bucket: string;
}

/** Resolves what Tempo needs of the object store (its endpoint, region, addressing and the trace bucket). */
export function tempoStorageSettings(store: ObjectStore): pulumi.Output<TempoStorageSettings> {
    return pulumi.all([store.endpoint, store.region, store.buckets.tempo]).apply(([endpoint, region, bucket]) => ({ endpoint, region, tls: store.tls, forcePathStyle: store.forcePathStyle, bucket }));
}

/** Tempo's `storage.trace.s3` block. Credentials appear only as `${VAR}` references to `tempoCredentialEnv`. */
export function tempoS3Config(s: TempoStorageSettings): Record<string, unknown> {
    return {
        bucket: s.bucket,
        endpoint: s.endpoint,
        region: s.region,
        access_key: `\${${tempoCredentialEnv.accessKeyId}}`,
        secret_key: `\${${tempoCredentialEnv.secretAccessKey}}`,
        insecure: !s.tls,
        forcepathstyle: s.forcePathStyle,
    };
}

/**
 * `overrides.defaults` of every tenant: ingestion limits from the expected rate, and the generator's
 * processors (without them the metrics generator runs but produces nothing).
 */
export function tempoOverrideDefaults(expectedIngestMBps: number): Record<string, unknown> {
    return { metrics_generator: { processors: ["service-graphs", "span-metrics"] }, ingestion: tempoIngestLimits(expectedIngestMBps) };
}
