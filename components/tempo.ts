import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts } from "./charts";
import { tempoIngestLimits } from "./ingestLimits";
import { credentialsSecret, ObjectStore } from "./objectStore";
import { platformRelease, serviceHost, serviceUrl } from "./release";
import { ComputeResources, Persistence } from "./resources";

/**
 * Ports of the monolithic Tempo Service. The chart hard-codes the container ports behind them, so
 * these are fixed, and our receiver endpoints below use the same numbers.
 */
export const tempoPorts = { http: 3200, otlpGrpc: 4317, otlpHttp: 4318, jaegerGrpc: 14250, jaegerThriftHttp: 14268, zipkin: 9411 } as const;
/** Labels of the monolithic Tempo pod. */
export function tempoPodSelectors(releaseName: string) {
    return { server: { "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": releaseName } } as const;
}
export type TempoPodSelectors = ReturnType<typeof tempoPodSelectors>;
export const tempoCredentialEnv = { accessKeyId: "TEMPO_S3_ACCESS_KEY_ID", secretAccessKey: "TEMPO_S3_SECRET_ACCESS_KEY" } as const;

export interface TempoArgs {
    /** Namespace of Tempo and its credentials Secret. */
    readonly namespace: pulumi.Input<string>;
    /** The Prometheus Operator CRDs release: the chart's ServiceMonitor needs them first. */
    readonly crds: pulumi.Resource;
    /** Helm release name (also the fullname: the Service is `<name>`). */
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
    /** WAL volume. */
    readonly persistence: Persistence;
    /** Resources of the Tempo container. */
    readonly resources: ComputeResources;
}

export interface TempoValuesInput extends Omit<TempoArgs, "namespace" | "objectStore" | "remoteWriteUrl" | "crds"> {
    readonly remoteWriteUrl: string;
    readonly endpoint: string;
    readonly region: string;
    readonly tls: boolean;
    readonly bucket: string;
    readonly credentialsSecretName: string;
}

const listen = (port: number) => `0.0.0.0:${port}`;

/** Values of the monolithic Tempo chart. Credentials appear only as `${VAR}` references. */
export function buildTempoValues(v: TempoValuesInput): Record<string, unknown> {
    return {
        fullnameOverride: v.releaseName,
        // Scraped as job "<release>", which alerts/rules/tempo.yaml expects.
        serviceMonitor: { enabled: true },
        replicas: 1,
        tempo: {
            reportingEnabled: false,
            retention: v.retention,
            resources: v.resources,
            // Config is expanded from the environment, which comes from our credentials Secret.
            extraArgs: { "config.expand-env": "true" },
            extraEnvFrom: [{ secretRef: { name: v.credentialsSecretName } }],
            storage: {
                trace: {
                    backend: "s3",
                    s3: {
                        bucket: v.bucket,
                        endpoint: v.endpoint,
                        region: v.region,
                        access_key: `\${${tempoCredentialEnv.accessKeyId}}`,
                        secret_key: `\${${tempoCredentialEnv.secretAccessKey}}`,
                        insecure: !v.tls,
                        forcepathstyle: true,
                    },
                    wal: { path: "/var/tempo/wal" },
                },
            },
            receivers: {
                otlp: { protocols: { grpc: { endpoint: listen(tempoPorts.otlpGrpc) }, http: { endpoint: listen(tempoPorts.otlpHttp) } } },
                jaeger: {
                    protocols: {
                        grpc: { endpoint: listen(tempoPorts.jaegerGrpc) },
                        thrift_http: { endpoint: listen(tempoPorts.jaegerThriftHttp) },
                        thrift_binary: { endpoint: listen(6832) },
                        thrift_compact: { endpoint: listen(6831) },
                    },
                },
                zipkin: { endpoint: listen(tempoPorts.zipkin) },
            },
            metricsGenerator: {
                enabled: true,
                remoteWriteUrl: v.remoteWriteUrl,
                registry: { external_labels: { cluster: v.clusterName } },
                storage: { path: "/var/tempo/generator/wal" },
                traces_storage: { path: "/var/tempo/generator/traces" },
            },
            // Without processors the generator runs but produces nothing.
            overrides: { defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] }, ingestion: tempoIngestLimits(v.expectedIngestMBps) } },
        },
        persistence: {
            enabled: v.persistence.enabled,
            size: v.persistence.size,
            ...(v.persistence.storageClass ? { storageClassName: v.persistence.storageClass } : {}),
        },
    };
}

/** Tempo (monolithic) for traces, on object storage, generating RED metrics into Prometheus. */
export class Tempo extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** HTTP API (Grafana's Tempo datasource). */
    public readonly queryUrl: pulumi.Output<string>;
    /** OTLP gRPC receiver, `host:port`. */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** OTLP HTTP receiver base URL. */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** Labels of the Tempo pod (for NetworkPolicies). */
    public readonly podSelectors: TempoPodSelectors;

    constructor(name: string, args: TempoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:traces:Tempo", name, {}, opts);

        const credentialsSecretName = `${args.releaseName}-s3-credentials`;
        const credentials = credentialsSecret(credentialsSecretName, args.objectStore, args.namespace, tempoCredentialEnv, { parent: this });
        const store = args.objectStore;
        const values = pulumi
            .all([store.endpoint, store.region, store.buckets.tempo, args.remoteWriteUrl])
            .apply(([endpoint, region, bucket, remoteWriteUrl]) =>
                buildTempoValues({ ...args, endpoint, region, tls: store.tls, bucket, remoteWriteUrl, credentialsSecretName }),
            );
        this.release = platformRelease(
            name,
            { chart: charts.tempo, releaseName: args.releaseName, namespace: args.namespace, values },
            { parent: this, dependsOn: [credentials, args.crds] },
        );

        this.queryUrl = serviceUrl(this.release, undefined, tempoPorts.http);
        this.podSelectors = tempoPodSelectors(args.releaseName);
        this.otlpGrpcEndpoint = pulumi.interpolate`${serviceHost(this.release)}:${tempoPorts.otlpGrpc}`;
        this.otlpHttpEndpoint = serviceUrl(this.release, undefined, tempoPorts.otlpHttp);
        this.registerOutputs({ queryUrl: this.queryUrl, otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint });
    }
}
