import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertedComponent, AlertmanagerValues, alertmanagerValues, AlertmanagerWiring } from "./alerting";
import { hostnameTopologyKey, NodeSpread, zoneSpread } from "./availability";
import { ChartSource, charts } from "./charts";
import { kubernetesDashboardsFolder } from "./dashboards";
import { dashboardFolderAnnotation, dashboardLabel } from "./grafana";
import { ObjectStore } from "./objectStore";
import { platformRelease, serviceHost, serviceUrl } from "./release";
import { ComputeResources, Persistence } from "./resources";
import { objstoreSecretKey, thanosObjstoreSecret } from "./thanosObjstore";

/** Ports kube-prometheus-stack gives its Services (its defaults, which we do not change): the container ports the operator gives the pods behind them. */
export const prometheusPort = 9090;
export const alertmanagerPort = 9093;
export const thanosSidecarGrpcPort = 10901;
/** Container ports of kube-prometheus-stack's pods (its and the operator's defaults), for NetworkPolicies. */
export const metricsPodPorts = {
    /** The Thanos sidecar's HTTP port (its metrics). */
    thanosSidecarHttp: 10902,
    /** The operator's config-reloader sidecar in the Prometheus and Alertmanager pods (`reloader-web`). */
    configReloader: 8080,
    /** Alertmanager cluster gossip, TCP and UDP. */
    alertmanagerCluster: 9094,
    /** The operator's HTTPS port: its admission webhook (called by the API server) and its metrics. */
    operator: 10250,
    kubeStateMetrics: 8080,
} as const;
/**
 * Targets kube-prometheus-stack scrapes on the nodes' host network (its defaults): the kubelet,
 * node-exporter (a hostNetwork DaemonSet), and the control plane. Host addresses are not pods, so a
 * NetworkPolicy can only allow them by port.
 */
export const nodeScrapePorts = { kubelet: 10250, nodeExporter: 9100, controllerManager: 10257, scheduler: 10259, etcd: 2381, kubeProxy: 10249 } as const;

/**
 * Labels of kube-prometheus-stack's pods. The operator labels the Prometheus and Alertmanager pods
 * it creates with the name of their custom resource (`<release>-prometheus`, `<release>-alertmanager`);
 * these are the labels the chart's own Services select them by.
 */
export function metricsPodSelectors(releaseName: string) {
    const instance = { "app.kubernetes.io/instance": releaseName };
    return {
        operator: { ...instance, "app.kubernetes.io/component": "prometheus-operator" },
        /** The hook Jobs that create and patch the admission webhook's certificate. */
        admissionJobs: { ...instance, "app.kubernetes.io/component": "prometheus-operator-webhook" },
        kubeStateMetrics: { ...instance, "app.kubernetes.io/name": "kube-state-metrics" },
        prometheus: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${releaseName}-prometheus` },
        alertmanager: { "app.kubernetes.io/name": "alertmanager", alertmanager: `${releaseName}-alertmanager` },
    } as const;
}
export type MetricsPodSelectors = ReturnType<typeof metricsPodSelectors>;

/**
 * Labels Prometheus adds to every series it ships (its external labels): the cluster, and the
 * replica Thanos deduplicates HA pairs on. A target's own label of either name would be overwritten
 * or break deduplication.
 */
export const prometheusExternalLabels = { cluster: "cluster", replica: "prometheus_replica" } as const;

/** Resources of every workload of kube-prometheus-stack. */
export interface MetricsSizing {
    readonly prometheus: ComputeResources;
    readonly thanosSidecar: ComputeResources;
    readonly configReloader: ComputeResources;
    readonly alertmanager: ComputeResources;
    readonly operator: ComputeResources;
    readonly webhookJob: ComputeResources;
    readonly kubeStateMetrics: ComputeResources;
    readonly nodeExporter: ComputeResources;
}

export interface MetricsArgs {
    /** Namespace of Prometheus, Alertmanager and the operator. */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** Namespace of node-exporter, which needs the host's network and PID namespace (Pod Security "privileged"). */
    readonly agentsNamespace: pulumi.Input<string>;
    /** Helm release name (also the fullname: Services are `<name>-prometheus`, `<name>-alertmanager`, …). */
    readonly releaseName: string;
    /** The CRDs release; the operator and every monitor object need it first. */
    readonly crds: pulumi.Resource;
    /** Object storage the Thanos sidecar ships blocks to. */
    readonly objectStore: ObjectStore;
    /** `cluster` external label on every series, so a global view can tell clusters apart. */
    readonly clusterName: string;
    /** Local retention of Prometheus (long-term data lives in object storage). */
    readonly retention: string;
    /** Size cap of the local TSDB, e.g. `8GB`. */
    readonly retentionSize: string;
    /** Default scrape interval. */
    readonly scrapeInterval: string;
    /** Prometheus replicas; more than one are deduplicated by Thanos on `prometheus_replica`. */
    readonly prometheusReplicas: number;
    /** Alertmanager replicas (they gossip into one cluster). */
    readonly alertmanagerReplicas: number;
    /** Prometheus TSDB volume. */
    readonly prometheusStorage: Persistence;
    /** Alertmanager state volume. */
    readonly alertmanagerStorage: Persistence;
    /** Resources per workload. */
    readonly sizing: MetricsSizing;
    /** Alertmanager configuration and the notification-URL Secret (`alertmanagerWiring`); default: no receiver. */
    readonly alerting?: AlertmanagerWiring;
    /** The cluster's availability zones (`lgtm:zones`), to spread Prometheus and Alertmanager replicas over; none to spread over nodes only. */
    readonly zones: readonly string[];
    /** Whether Prometheus and Alertmanager replicas must run one per node or only prefer to (the profile decides). */
    readonly nodeSpread: NodeSpread;
    /**
     * The centre of a fleet: the chart's dashboards show their `cluster` selector (unset, one cluster:
     * hidden), and Prometheus evaluates no rule, since a ThanosRuler evaluates them all over the
     * fleet's data (components/globalRules.ts).
     */
    readonly multicluster?: boolean;
}

export interface MetricsValuesInput extends Omit<MetricsArgs, "namespace" | "chartSource" | "agentsNamespace" | "crds" | "objectStore" | "alerting"> {
    /** Namespace of node-exporter. */
    readonly agentsNamespace: string;
    /** Secret holding the Thanos objstore document for the sidecar. */
    readonly objstoreSecretName: string;
    /** `alertmanager` values owned by components/alerting.ts; default: every alert to the null receiver. */
    readonly alertmanager?: AlertmanagerValues;
}

/** A PersistentVolumeClaim template of the operator's `storage` spec (Prometheus, Prometheus agent, Alertmanager). */
export function volumeClaim(p: Persistence) {
    return {
        volumeClaimTemplate: {
            spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: p.size } },
                ...(p.storageClass ? { storageClassName: p.storageClass } : {}),
            },
        },
    };
}

/**
 * PodDisruptionBudget, anti-affinity and zone spread values of an operator-managed workload
 * (Prometheus or Alertmanager) of `replicas` pods: at most one down at a time, never two on one
 * node, spread over the zones when there are any. `kind` and `crName` are the labels the operator
 * gives the pods (`app.kubernetes.io/name`, and `<kind>: <custom resource name>`), as the chart's
 * own anti-affinity selects them.
 */
function operatorWorkloadAvailability(replicas: number, zones: readonly string[], nodeSpread: NodeSpread, kind: "prometheus" | "alertmanager", crName: string) {
    const spread = zoneSpread(replicas, zones, { "app.kubernetes.io/name": kind, [kind]: crName });
    return {
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: Math.max(1, replicas - 1) },
        spec: {
            ...(replicas > 1 ? { podAntiAffinity: nodeSpread === "required" ? "hard" : "soft", podAntiAffinityTopologyKey: hostnameTopologyKey } : {}),
            ...(spread.length > 0 ? { topologySpreadConstraints: spread } : {}),
        },
    };
}

/** At a fleet's centre, the label a PrometheusRule would need for the platform's Prometheus to evaluate it; none of ours carries it. */
export const rulesOnPrometheusLabel = "lgtm-stack.io/evaluate-on-prometheus";

/** What collects in every kube-prometheus-stack of ours, the platform's and an edge's: the exporters and the operator. */
export interface CollectorValuesInput {
    readonly releaseName: string;
    /** Namespace of node-exporter. */
    readonly agentsNamespace: string;
    readonly sizing: Pick<MetricsSizing, "kubeStateMetrics" | "nodeExporter" | "operator" | "configReloader" | "webhookJob">;
}

/**
 * The values kube-prometheus-stack takes the same way on a platform and on an edge: stable names,
 * node-exporter beside the other host agents, no CRDs (their own release), the operator's sizes.
 */
export function collectorValues(v: CollectorValuesInput): Record<string, unknown> {
    return {
        fullnameOverride: v.releaseName,
        // Subcharts ignore the parent's fullnameOverride; pin theirs so their Services are stable too.
        "kube-state-metrics": { fullnameOverride: `${v.releaseName}-kube-state-metrics`, resources: v.sizing.kubeStateMetrics },
        "prometheus-node-exporter": { fullnameOverride: `${v.releaseName}-node-exporter`, namespaceOverride: v.agentsNamespace, resources: v.sizing.nodeExporter },
        crds: { enabled: false },
        prometheusOperator: {
            resources: v.sizing.operator,
            prometheusConfigReloader: { resources: v.sizing.configReloader },
            admissionWebhooks: { patch: { resources: v.sizing.webhookJob } },
        },
    };
}

/**
 * What a Prometheus of ours scrapes: the monitors, probes and scrape configs of every namespace, not
 * only those labelled for its release (the chart's default), so a team's ServiceMonitor needs no label of ours.
 */
export const selectEveryMonitor = {
    serviceMonitorSelectorNilUsesHelmValues: false,
    podMonitorSelectorNilUsesHelmValues: false,
    probeSelectorNilUsesHelmValues: false,
    scrapeConfigSelectorNilUsesHelmValues: false,
    serviceMonitorNamespaceSelector: {},
    podMonitorNamespaceSelector: {},
} as const;

/** Values of kube-prometheus-stack. */
export function buildMetricsValues(v: MetricsValuesInput): Record<string, unknown> {
    const { sizing } = v;
    const am = v.alertmanager ?? alertmanagerValues({ webhook: false });
    // The chart names the custom resources `<fullname>-alertmanager` and `<fullname>-prometheus`; the fullname is the release name.
    const alertmanagerAvailability = operatorWorkloadAvailability(v.alertmanagerReplicas, v.zones, v.nodeSpread, "alertmanager", `${v.releaseName}-alertmanager`);
    const prometheusAvailability = operatorWorkloadAvailability(v.prometheusReplicas, v.zones, v.nodeSpread, "prometheus", `${v.releaseName}-prometheus`);
    return {
        ...collectorValues(v),
        // Our Grafana is a release of its own; keep the dashboards this chart ships for it, labelled
        // for its sidecar and annotated into one folder (without the annotation they land in General).
        grafana: {
            enabled: false,
            forceDeployDashboards: true,
            sidecar: {
                dashboards: { label: dashboardLabel, annotations: { [dashboardFolderAnnotation]: kubernetesDashboardsFolder }, multicluster: { global: { enabled: v.multicluster ?? false } } },
            },
        },
        alertmanager: {
            enabled: true,
            config: am.config,
            podDisruptionBudget: alertmanagerAvailability.podDisruptionBudget,
            alertmanagerSpec: {
                ...am.alertmanagerSpec,
                ...alertmanagerAvailability.spec,
                replicas: v.alertmanagerReplicas,
                resources: sizing.alertmanager,
                ...(v.alertmanagerStorage.enabled ? { storage: volumeClaim(v.alertmanagerStorage) } : {}),
            },
        },
        prometheus: {
            thanosService: { enabled: true },
            // Scrapes the sidecars (job kps-thanos-discovery) for alerts/rules/thanos.yaml.
            thanosServiceMonitor: { enabled: true },
            podDisruptionBudget: prometheusAvailability.podDisruptionBudget,
            prometheusSpec: {
                ...prometheusAvailability.spec,
                replicas: v.prometheusReplicas,
                externalLabels: { [prometheusExternalLabels.cluster]: v.clusterName },
                // Thanos deduplicates HA pairs on this label (the operator's default name, stated explicitly).
                replicaExternalLabelName: prometheusExternalLabels.replica,
                retention: v.retention,
                retentionSize: v.retentionSize,
                scrapeInterval: v.scrapeInterval,
                enableRemoteWriteReceiver: true,
                enableAdminAPI: false,
                ...selectEveryMonitor,
                // Rules of every namespace too: this Prometheus evaluates the platform's alerts; at a
                // fleet's centre none (a label no rule carries), as the global rule evaluator runs them.
                ruleSelectorNilUsesHelmValues: false,
                ruleNamespaceSelector: {},
                ...(v.multicluster ? { ruleSelector: { matchLabels: { [rulesOnPrometheusLabel]: "true" } } } : {}),
                resources: sizing.prometheus,
                ...(v.prometheusStorage.enabled ? { storageSpec: volumeClaim(v.prometheusStorage) } : {}),
                thanos: {
                    objectStorageConfig: { existingSecret: { name: v.objstoreSecretName, key: objstoreSecretKey } },
                    resources: sizing.thanosSidecar,
                },
            },
        },
    };
}

/**
 * kube-prometheus-stack: the Prometheus Operator, Prometheus with a Thanos sidecar shipping blocks
 * to object storage, Alertmanager, node-exporter and kube-state-metrics.
 */
export class Metrics extends pulumi.ComponentResource implements AlertedComponent {
    public readonly release: k8s.helm.v3.Release;
    /** PromQL API of Prometheus. */
    public readonly prometheusUrl: pulumi.Output<string>;
    /** Remote-write receiver of Prometheus (Tempo's metrics generator writes here). */
    public readonly remoteWriteUrl: pulumi.Output<string>;
    /** Alertmanager API (the Thanos ruler and Grafana use it). */
    public readonly alertmanagerUrl: pulumi.Output<string>;
    /** DNS SRV address of the sidecars' Store API, for Thanos query. */
    public readonly sidecarDiscoveryEndpoint: pulumi.Output<string>;
    /** Name of the Prometheus Service, which is also the `job` label of Prometheus' own metrics. */
    public readonly prometheusServiceName: pulumi.Output<string>;
    /** Namespace Prometheus runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** Labels of the release's pods (for NetworkPolicies). */
    public readonly podSelectors: MetricsPodSelectors;
    /** Its rule files in alerts/rules. */
    public readonly alertRuleFiles: readonly string[] = ["metrics"];

    constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:metrics:Metrics", name, {}, opts);

        const objstoreSecretName = `${args.releaseName}-thanos-objstore`;
        const objstore = thanosObjstoreSecret(objstoreSecretName, args.objectStore, args.namespace, { parent: this });
        const values = pulumi.output(args.agentsNamespace).apply((agentsNamespace) => buildMetricsValues({ ...args, agentsNamespace, objstoreSecretName, alertmanager: args.alerting?.values }));
        this.release = platformRelease(
            name,
            { chart: charts.kubePrometheusStack, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values, timeoutSeconds: 900 },
            { parent: this, dependsOn: [args.crds, objstore, ...(args.alerting?.secret ? [args.alerting.secret] : [])] },
        );

        this.namespace = this.release.status.namespace;
        this.podSelectors = metricsPodSelectors(args.releaseName);
        this.prometheusServiceName = this.release.status.name.apply((n) => `${n}-prometheus`);
        this.prometheusUrl = serviceUrl(this.release, "prometheus", prometheusPort);
        this.remoteWriteUrl = serviceUrl(this.release, "prometheus", prometheusPort, "/api/v1/write");
        this.alertmanagerUrl = serviceUrl(this.release, "alertmanager", alertmanagerPort);
        this.sidecarDiscoveryEndpoint = pulumi.interpolate`dnssrv+_grpc._tcp.${serviceHost(this.release, "thanos-discovery")}`;

        this.registerOutputs({
            prometheusUrl: this.prometheusUrl,
            remoteWriteUrl: this.remoteWriteUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            sidecarDiscoveryEndpoint: this.sidecarDiscoveryEndpoint,
        });
    }
}
