import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { goDuration } from "./alloyBlocks";
import { charts } from "./charts";
import { memberCredentialKeys, memberCredentialsSecret, memberCredentialsSecretName, MemberDelivery, MemberLogin } from "./fleetAccess";
import { collectorValues, MetricsArgs, metricsPodSelectors, MetricsSizing, prometheusExternalLabels, selectEveryMonitor, volumeClaim } from "./metrics";
import { platformRelease } from "./release";
import { ComputeResources, Persistence } from "./resources";

/** Resources of every workload of an edge's kube-prometheus-stack (node-exporter per node). */
export type MetricsAgentSizing = Pick<MetricsSizing, "operator" | "configReloader" | "webhookJob" | "kubeStateMetrics" | "nodeExporter"> & {
    /** Prometheus in agent mode. */
    readonly agent: ComputeResources;
};

/**
 * Labels of an edge's kube-prometheus-stack pods: the operator's, its webhook Jobs' and
 * kube-state-metrics' as on a platform, and the Prometheus agent's, which the operator labels with
 * `prometheus-agent` and its custom resource's name (as the chart's Service selects them).
 */
export function metricsAgentPodSelectors(releaseName: string) {
    const { operator, admissionJobs, kubeStateMetrics } = metricsPodSelectors(releaseName);
    return { operator, admissionJobs, kubeStateMetrics, agent: { "app.kubernetes.io/name": "prometheus-agent", "operator.prometheus.io/name": `${releaseName}-prometheus` } } as const;
}
export type MetricsAgentPodSelectors = ReturnType<typeof metricsAgentPodSelectors>;

/**
 * Where and how the edge's kube-prometheus-stack runs, as the platform's (`MetricsArgs`): its
 * namespaces, chart source, release name, the CRDs release, the `cluster` label (here the member's
 * name at the central platform) and the scrape interval.
 */
export interface MetricsAgentArgs extends Pick<MetricsArgs, "namespace" | "chartSource" | "agentsNamespace" | "releaseName" | "crds" | "clusterName" | "scrapeInterval"> {
    /** The central ingest gateway's remote-write URL (from the central stack's `fleet` output). */
    readonly remoteWriteUrl: pulumi.Input<string>;
    /** The member's login at the gateway (a secret); it reaches the cluster only as a Secret. */
    readonly login: pulumi.Input<MemberLogin>;
    /** Retries and how long the WAL keeps unsent samples (`memberDelivery`). */
    readonly delivery: MemberDelivery;
    /** The agent's write-ahead log: always a volume, so unsent samples survive a restart. */
    readonly walStorage: Persistence;
    readonly sizing: MetricsAgentSizing;
}

export interface MetricsAgentValuesInput extends Omit<MetricsAgentArgs, "namespace" | "chartSource" | "agentsNamespace" | "crds" | "remoteWriteUrl" | "login"> {
    readonly agentsNamespace: string;
    readonly remoteWriteUrl: string;
    /** Secret with the member's login under `memberCredentialKeys`. */
    readonly credentialsSecretName: string;
}

/** Prometheus agent-mode flags for the WAL, from the delivery settings (the same semantics as Alloy's `wal` block: both are Prometheus' agent code). */
export function agentWalArgs(wal: MemberDelivery["metrics"]["wal"]): { name: string; value: string }[] {
    return [
        { name: "storage.agent.wal-truncate-frequency", value: goDuration(wal.truncateFrequencySeconds) },
        { name: "storage.agent.retention.min-time", value: goDuration(wal.minKeepaliveSeconds) },
        { name: "storage.agent.retention.max-time", value: goDuration(wal.maxKeepaliveSeconds) },
    ];
}

/**
 * Values of kube-prometheus-stack on an edge: Prometheus in agent mode (a `PrometheusAgent`: it
 * scrapes and forwards, keeps no queryable data and evaluates no rules), node-exporter and
 * kube-state-metrics; no Alertmanager, no Grafana dashboards, no rules, no Thanos sidecar. Every
 * series carries `cluster=<clusterName>` and goes by remote write to the central platform.
 */
export function buildMetricsAgentValues(v: MetricsAgentValuesInput): Record<string, unknown> {
    if (!v.walStorage.enabled) throw new Error("the Prometheus agent's WAL must be on a volume: unsent samples would not survive a restart");
    const secretKey = (key: string) => ({ name: v.credentialsSecretName, key });
    return {
        ...collectorValues(v),
        // Rules and alerts are evaluated centrally, over every member's data.
        defaultRules: { create: false },
        alertmanager: { enabled: false },
        grafana: { enabled: false, forceDeployDashboards: false },
        prometheus: {
            agentMode: true,
            prometheusSpec: {
                replicas: 1,
                externalLabels: { [prometheusExternalLabels.cluster]: v.clusterName },
                scrapeInterval: v.scrapeInterval,
                ...selectEveryMonitor,
                resources: v.sizing.agent,
                storageSpec: volumeClaim(v.walStorage),
                additionalArgs: agentWalArgs(v.delivery.metrics.wal),
                remoteWrite: [
                    {
                        url: v.remoteWriteUrl,
                        // The gateway derives the tenant from this login, whatever headers the agent sends.
                        basicAuth: { username: secretKey(memberCredentialKeys.username), password: secretKey(memberCredentialKeys.password) },
                        // Recoverable errors are retried for as long as they last; the WAL holds the samples meanwhile.
                        queueConfig: { maxBackoff: goDuration(v.delivery.metrics.maxBackoffSeconds), retryOnRateLimit: true },
                    },
                ],
            },
        },
    };
}

/**
 * An edge cluster's metrics: kube-prometheus-stack with Prometheus in agent mode, shipping every
 * series to the central platform's ingest gateway under the member's login.
 */
export class MetricsAgent extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** Namespace the agent runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** Labels of the release's pods (for NetworkPolicies). */
    public readonly podSelectors: MetricsAgentPodSelectors;

    constructor(name: string, args: MetricsAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:metrics:MetricsAgent", name, {}, opts);

        const credentialsSecretName = memberCredentialsSecretName(args.releaseName);
        const credentials = memberCredentialsSecret(credentialsSecretName, args.namespace, args.login, { parent: this });
        const values = pulumi.all([args.agentsNamespace, args.remoteWriteUrl]).apply(([agentsNamespace, remoteWriteUrl]) => buildMetricsAgentValues({ ...args, agentsNamespace, remoteWriteUrl, credentialsSecretName }));
        this.release = platformRelease(
            name,
            { chart: charts.kubePrometheusStack, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values, timeoutSeconds: 900 },
            { parent: this, dependsOn: [args.crds, credentials] },
        );
        this.namespace = this.release.status.namespace;
        this.podSelectors = metricsAgentPodSelectors(args.releaseName);
        this.registerOutputs({ namespace: this.namespace });
    }
}
