import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AlertedComponent } from "./alerting";
import { charts } from "./charts";
import { restrictedContainer, restrictedPod } from "./podSecurity";
import { ComputeResources, Persistence } from "./resources";
import { tempoOverrideDefaults, tempoPorts, tempoRelease, tempoS3Config, TempoValuesOf, traceEndpoints, TracePods, TraceStore, TraceStoreArgs } from "./traceStore";

/** Labels of the monolithic Tempo pod: the chart's name and the release. */
export function tempoPodSelectors(releaseName: string): TracePods {
    return { topology: "monolithic", server: { "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": releaseName } };
}

export interface TempoArgs extends TraceStoreArgs {
    /** WAL volume. */
    readonly persistence: Persistence;
    /** Resources of the Tempo container. */
    readonly resources: ComputeResources;
}

export type TempoValuesInput = TempoValuesOf<TempoArgs>;

/** The user Tempo's image runs as. */
const tempoUid = 10001;

const listen = (port: number) => `0.0.0.0:${port}`;

/** Values of the monolithic Tempo chart. Credentials appear only as `${VAR}` references. */
export function buildTempoValues(v: TempoValuesInput): Record<string, unknown> {
    return {
        fullnameOverride: v.releaseName,
        // Scraped as job "<release>", which alerts/rules/tempo-monolithic.yaml expects.
        serviceMonitor: { enabled: true },
        replicas: 1,
        tempo: {
            reportingEnabled: false,
            multitenancyEnabled: v.multiTenancy,
            // The chart sets only the pod's user; Pod Security "restricted" needs the rest.
            securityContext: restrictedContainer,
            retention: v.retention,
            resources: v.resources,
            // Config is expanded from the environment, which comes from our credentials Secret.
            extraArgs: { "config.expand-env": "true" },
            extraEnvFrom: [{ secretRef: { name: v.credentialsSecretName } }],
            storage: {
                trace: {
                    backend: "s3",
                    s3: tempoS3Config(v),
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
            overrides: { defaults: tempoOverrideDefaults(v.expectedIngestMBps) },
        },
        securityContext: restrictedPod(tempoUid),
        persistence: {
            enabled: v.persistence.enabled,
            size: v.persistence.size,
            ...(v.persistence.storageClass ? { storageClassName: v.persistence.storageClass } : {}),
        },
    };
}

/** Tempo (monolithic) for traces, on object storage, generating RED metrics into Prometheus. */
export class Tempo extends pulumi.ComponentResource implements TraceStore, AlertedComponent {
    public readonly release: k8s.helm.v3.Release;
    /** HTTP API (Grafana's Tempo datasource). */
    public readonly queryUrl: pulumi.Output<string>;
    /** OTLP gRPC receiver, `host:port`. */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** OTLP HTTP receiver base URL. */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** Labels of the Tempo pod (for NetworkPolicies). */
    public readonly podSelectors: TracePods;
    /** Its rule files in alerts/rules. */
    public readonly alertRuleFiles: readonly string[] = ["tempo", "tempo-monolithic"];

    constructor(name: string, args: TempoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:traces:Tempo", name, {}, opts);

        this.release = tempoRelease(name, args, charts.tempo, buildTempoValues, { parent: this });
        ({ queryUrl: this.queryUrl, otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint } = traceEndpoints(this.release));
        this.podSelectors = tempoPodSelectors(args.releaseName);
        this.registerOutputs({ queryUrl: this.queryUrl, otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint });
    }
}
