import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertmanagerWiring, PlatformAlerts } from "../components/alerting";
import { Alloy } from "../components/alloy";
import { Grafana } from "../components/grafana";
import { Loki } from "../components/loki";
import { Metrics } from "../components/metrics";
import { Minio } from "../components/minio";
import { PlatformNetworkPolicies } from "../components/networkPolicies";
import { PrometheusCrds } from "../components/prometheusCrds";
import { Persistence } from "../components/resources";
import { Tempo } from "../components/tempo";
import { Thanos } from "../components/thanos";
import type { PlatformSecrets } from "./config";
import { profileSizing } from "./profiles";
import { PlatformConfig } from "./schema";

/** What the stack exports: where people and applications reach the platform. */
export interface PlatformOutputs {
    readonly grafanaUrl: pulumi.Output<string>;
    readonly grafanaAdminUser: pulumi.Output<string>;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    readonly otlpGrpcEndpoint: pulumi.Output<string>;
    readonly otlpHttpEndpoint: pulumi.Output<string>;
    readonly lokiPushUrl: pulumi.Output<string>;
    readonly prometheusRemoteWriteUrl: pulumi.Output<string>;
    readonly components: {
        readonly objectStorage: Minio;
        readonly crds: PrometheusCrds;
        readonly metrics: Metrics;
        readonly thanos: Thanos;
        readonly logs: Loki;
        readonly traces: Tempo;
        readonly grafana: Grafana;
        readonly collect: Alloy;
        readonly alerts: PlatformAlerts;
        /** Undefined when `network.policies` is off. */
        readonly network?: PlatformNetworkPolicies;
    };
}

/**
 * The platform, wired in one place. It reads like the architecture diagram: object storage feeds
 * metrics, Thanos, logs and traces; Thanos reads the Prometheus sidecars; traces write RED metrics
 * into Prometheus; Grafana reads them all. Every address passed along is a component output.
 */
export function deployPlatform(
    config: PlatformConfig,
    secrets: PlatformSecrets = {},
): PlatformOutputs {
    const sizing = profileSizing(config.profile);
    const provider = new k8s.Provider("kubernetes", {
        ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
        ...(config.kubeContext ? { context: config.kubeContext } : {}),
    });
    const inCluster: pulumi.ComponentResourceOptions = { providers: { kubernetes: provider } };
    const storageClass = config.storageClass || undefined;
    const volume = (volumeSize: string, enabled = sizing.persistentState): Persistence => ({ enabled, size: volumeSize, storageClass });

    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    const namespace = (name: string): pulumi.Output<string> => {
        if (!namespaces.has(name)) {
            namespaces.set(name, new k8s.core.v1.Namespace(name, { metadata: { name } }, { provider }));
        }
        return namespaces.get(name)!.metadata.name;
    };

    // First: every release after it ships a ServiceMonitor or PrometheusRule.
    const crds = new PrometheusCrds("prometheus-crds", { namespace: namespace(config.namespaces.metrics), releaseName: "prometheus-crds" }, inCluster);

    const objectStorage = new Minio(
        "object-storage",
        {
            namespace: namespace(config.namespaces.objectStorage),
            releaseName: "minio",
            crds: crds.release,
            mode: config.objectStorage.minio.mode,
            replicas: config.objectStorage.minio.replicas,
            buckets: config.objectStorage.buckets,
            versioning: config.objectStorage.minio.versioning,
            region: config.objectStorage.region,
            persistence: volume(config.objectStorage.minio.volumeSize, true),
            resources: sizing.minio.server,
            jobResources: sizing.minio.jobs,
        },
        inCluster,
    );

    // Notification URLs reach Alertmanager only as files of a Secret (never in values or config).
    const alerting = alertmanagerWiring(
        "alertmanager-notifications",
        { namespace: namespace(config.namespaces.metrics), slackChannel: config.alerting.slackChannel, slackWebhookUrl: secrets.slackWebhookUrl, webhookUrl: secrets.alertWebhookUrl },
        { provider },
    );

    const metrics = new Metrics(
        "metrics",
        {
            namespace: namespace(config.namespaces.metrics),
            releaseName: "kps",
            crds: crds.release,
            objectStore: objectStorage,
            clusterName: config.clusterName,
            retention: config.metrics.retention,
            retentionSize: config.metrics.retentionSize,
            scrapeInterval: config.metrics.scrapeInterval,
            prometheusReplicas: config.metrics.prometheusReplicas,
            alertmanagerReplicas: config.metrics.alertmanagerReplicas,
            prometheusStorage: volume(config.metrics.volumeSize),
            alertmanagerStorage: volume("1Gi"),
            sizing: sizing.metrics,
            alerting,
        },
        inCluster,
    );

    // The platform's own alert rules (alerts/rules/*.yaml, tested with promtool), one PrometheusRule per file.
    const alerts = new PlatformAlerts("platform-alerts", { namespace: namespace(config.namespaces.metrics), crds: crds.release }, inCluster);

    const thanos = new Thanos(
        "thanos",
        {
            namespace: namespace(config.namespaces.thanos),
            releaseName: "thanos",
            crds: crds.release,
            objectStore: objectStorage,
            sidecarEndpoint: metrics.sidecarDiscoveryEndpoint,
            alertmanagerUrl: metrics.alertmanagerUrl,
            prometheusJob: metrics.prometheusServiceName,
            prometheusNamespace: metrics.namespace,
            retention: config.thanos.retention,
            queryReplicas: config.thanos.queryReplicas,
            queryFrontendReplicas: sizing.thanos.queryFrontendReplicas,
            storeGatewayReplicas: config.thanos.storeGatewayReplicas,
            rulerReplicas: sizing.thanos.rulerReplicas,
            persistence: volume(config.thanos.volumeSize),
            sizing: sizing.thanos,
        },
        inCluster,
    );

    const logs = new Loki(
        "logs",
        {
            namespace: namespace(config.namespaces.logs),
            releaseName: "loki",
            crds: crds.release,
            mode: config.loki.mode,
            objectStore: objectStorage,
            multiTenancy: config.loki.multiTenancy,
            retention: config.loki.retention,
            expectedIngestMBps: config.loki.expectedIngestMBps,
            replicationFactor: config.loki.replicationFactor,
            distributedReplicas: sizing.loki.distributedReplicas,
            gatewayReplicas: sizing.loki.gatewayReplicas,
            persistence: volume(config.loki.volumeSize),
            sizing: sizing.loki,
        },
        inCluster,
    );

    const traces = new Tempo(
        "traces",
        {
            namespace: namespace(config.namespaces.traces),
            releaseName: "tempo",
            crds: crds.release,
            objectStore: objectStorage,
            remoteWriteUrl: metrics.remoteWriteUrl,
            clusterName: config.clusterName,
            retention: config.tempo.retention,
            expectedIngestMBps: config.tempo.expectedIngestMBps,
            persistence: volume(config.tempo.volumeSize),
            resources: sizing.tempo,
        },
        inCluster,
    );

    // One agent per node: pod logs to Loki, applications' OTLP traces to Tempo.
    const collect = new Alloy(
        "collect",
        {
            namespace: namespace(config.namespaces.agents),
            releaseName: "alloy",
            clusterName: config.clusterName,
            lokiPushUrl: logs.pushUrl,
            lokiTenant: logs.multiTenancy ? config.loki.tenant : undefined,
            tempoOtlpGrpcEndpoint: traces.otlpGrpcEndpoint,
            crds: crds.release,
            resources: sizing.alloy,
        },
        inCluster,
    );

    const ingress = config.grafana.ingress.enabled && config.grafana.ingress.host
        ? { host: config.grafana.ingress.host, className: config.grafana.ingress.className, tlsSecretName: config.grafana.ingress.tlsSecretName }
        : undefined;
    const grafana = new Grafana(
        "grafana",
        {
            namespace: namespace(config.namespaces.grafana),
            releaseName: "grafana",
            crds: crds.release,
            datasources: pulumi.all([thanos.queryFrontendUrl, logs.queryUrl, traces.queryUrl, metrics.alertmanagerUrl]).apply(
                ([metricsUrl, logsUrl, tracesUrl, alertmanagerUrl]) => ({
                    metricsUrl,
                    logsUrl,
                    tracesUrl,
                    alertmanagerUrl,
                    logsTenant: logs.multiTenancy ? config.loki.tenant : undefined,
                    scrapeInterval: config.metrics.scrapeInterval,
                }),
            ),
            dashboardNamespaces: [metrics.namespace],
            ingress,
            subPath: config.grafana.subPath,
            replicas: 1,
            persistence: volume(config.grafana.volumeSize, config.grafana.persistence),
            resources: sizing.grafana.server,
            sidecarResources: sizing.grafana.sidecar,
        },
        inCluster,
    );

    // Last: the policies need every release's namespace and pod labels. They exist only after the
    // releases, so a first install's hook Jobs run before any policy; later upgrades are allowed theirs.
    const network = config.network.policies
        ? new PlatformNetworkPolicies(
              "network",
              {
                  namespaces: Object.fromEntries([...namespaces].map(([name, ns]) => [name, ns.metadata.name])),
                  platform: {
                      objectStorage: { namespace: objectStorage.release.status.namespace, pods: objectStorage.podSelectors, distributed: config.objectStorage.minio.mode === "distributed" },
                      metrics: { namespace: metrics.namespace, pods: metrics.podSelectors },
                      thanos: { namespace: thanos.release.status.namespace, pods: thanos.podSelectors },
                      logs: { namespace: logs.release.status.namespace, pods: logs.podSelectors, mode: config.loki.mode },
                      traces: { namespace: traces.release.status.namespace, pods: traces.podSelectors },
                      agents: { namespace: collect.release.status.namespace, pods: collect.podSelectors },
                      grafana: { namespace: grafana.release.status.namespace, pods: grafana.podSelectors, ingress: ingress !== undefined },
                      apiServerCidrs: config.network.apiServerCidrs,
                      ingressNamespaceSelector: config.network.ingressNamespaceSelector,
                      alertNotifications: alerting.secret !== undefined,
                  },
              },
              inCluster,
          )
        : undefined;

    return {
        grafanaUrl: pulumi.all([grafana.externalUrl, grafana.url]).apply(([external, internal]) => external ?? internal),
        grafanaAdminUser: grafana.adminUser,
        grafanaAdminPassword: grafana.adminPassword,
        otlpGrpcEndpoint: collect.otlpGrpcEndpoint,
        otlpHttpEndpoint: collect.otlpHttpEndpoint,
        lokiPushUrl: logs.pushUrl,
        prometheusRemoteWriteUrl: metrics.remoteWriteUrl,
        components: { objectStorage, crds, metrics, thanos, logs, traces, grafana, collect, alerts, ...(network ? { network } : {}) },
    };
}
