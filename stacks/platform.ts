import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertmanagerWiring, PlatformAlerts } from "../components/alerting";
import { Alloy } from "../components/alloy";
import { PlatformDashboards, projectDashboardsDirectory } from "../components/dashboards";
import { Demo } from "../components/demo";
import { ExternalObjectStore } from "../components/externalObjectStore";
import type { FleetAccess } from "../components/fleetAccess";
import { FleetIngest } from "../components/fleetIngest";
import { GlobalRules, globalRulesJob, globalRulesNetwork, globalRulesStore } from "../components/globalRules";
import { Grafana, grafanaDatabasePort, GrafanaArgs, grafanaReleaseName } from "../components/grafana";
import { IngressExposure, IngressTls } from "../components/ingress";
import { Loki } from "../components/loki";
import { Metrics } from "../components/metrics";
import { Minio } from "../components/minio";
import { BucketNames } from "../components/objectStore";
import { PlatformNetworkPolicies } from "../components/networkPolicies";
import { PrometheusCrds } from "../components/prometheusCrds";
import { ServiceName } from "../components/release";
import { Persistence } from "../components/resources";
import { Tempo } from "../components/tempo";
import { TempoDistributed } from "../components/tempoDistributed";
import { Thanos } from "../components/thanos";
import { BlackboxProbes } from "../components/probes";
import { Pushgateway } from "../components/pushgateway";
import { StaticScrapeTargets } from "../components/scrapeTargets";
import { clusterProvider, createNamespaces, platformReleaseNames, sharedReleaseNames } from "./cluster";
import { deployCollectionExtras } from "./collection";
import type { ObjectStorageAccess, PlatformSecrets } from "./config";
import { profileSizing } from "./profiles";
import { ObjectStorageConfig, PlatformConfig } from "./schema";

/** The ThanosRuler of a fleet's centre (its pods' `thanos-ruler` label). */
const globalRulesName = "global";

/** The object store as the stack reports it: what operators need to check it and its buckets. */
export interface ObjectStorageSummary {
    readonly type: ObjectStorageConfig["type"];
    readonly endpoint: string;
    readonly region: string;
    readonly tls: boolean;
    readonly forcePathStyle: boolean;
    readonly buckets: BucketNames;
}

/**
 * The object store the platform deployed, by type: the one value that tells MinIO from an external
 * service. Consumers take `store` as an `ObjectStore` either way; what depends on the type (its
 * NetworkPolicy peer, the summary) reads `type`.
 */
type DeployedObjectStore = { readonly type: "minio"; readonly store: Minio } | { readonly type: "external"; readonly store: ExternalObjectStore };

/** What the stack exports: where people and applications reach the platform. */
export interface PlatformOutputs {
    readonly grafanaUrl: pulumi.Output<string>;
    /** Grafana's Service (name, namespace, port), for `npm run grafana` to port-forward to without an ingress. */
    readonly grafanaService: pulumi.Output<ServiceName & { readonly port: number }>;
    readonly grafanaAdminUser: pulumi.Output<string>;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    readonly otlpGrpcEndpoint: pulumi.Output<string>;
    readonly otlpHttpEndpoint: pulumi.Output<string>;
    readonly lokiPushUrl: pulumi.Output<string>;
    readonly prometheusRemoteWriteUrl: pulumi.Output<string>;
    /** Each fleet member's endpoints and credentials (a secret), read by edge stacks; undefined without members. */
    readonly fleet?: pulumi.Output<FleetAccess>;
    /** Where the data lives: the store's type, endpoint and the buckets (which must exist when the store is external). */
    readonly objectStorage: pulumi.Output<ObjectStorageSummary>;
    /** Where batch jobs push metrics; only with `pushgateway.enabled`. */
    readonly pushgatewayUrl?: pulumi.Output<string>;
    readonly components: {
        readonly objectStorage: Minio | ExternalObjectStore;
        readonly crds: PrometheusCrds;
        readonly metrics: Metrics;
        readonly thanos: Thanos;
        readonly logs: Loki;
        /** Either topology; consumers use only what both offer (`TraceStore`). */
        readonly traces: Tempo | TempoDistributed;
        readonly grafana: Grafana;
        readonly dashboards: PlatformDashboards;
        readonly collect: Alloy;
        readonly alerts: PlatformAlerts;
        /** Sample workloads, present only when `demo.enabled`. */
        readonly demo?: Demo;
        /** Undefined when `network.policies` is off. */
        readonly network?: PlatformNetworkPolicies;
        /** The fleet's ingest gateway; undefined without members. */
        readonly fleetIngest?: FleetIngest;
        /** Static scrape targets, probes and the Pushgateway, each only when config declares it (stacks/collection.ts). */
        readonly scrapeTargets?: StaticScrapeTargets;
        readonly probes?: BlackboxProbes;
        readonly pushgateway?: Pushgateway;
    };
}

/** Grafana's ingress from config, when enabled. */
function grafanaIngress(c: PlatformConfig["grafana"]["ingress"]): IngressExposure | undefined {
    if (!c.enabled || c.host === undefined) return undefined;
    return ingressExposure({ ...c, host: c.host });
}

/** An Ingress from config (Grafana's or the fleet's): TLS from an existing Secret or a cert-manager issuer (validation allows one of them). */
function ingressExposure(c: PlatformConfig["fleet"]["ingress"] & { readonly host: string }): IngressExposure {
    const tls: IngressTls | undefined = c.issuer
        ? { issuer: { kind: c.issuer.kind, name: c.issuer.name }, secretName: c.issuer.secretName }
        : c.tlsSecretName !== undefined
          ? { existingSecret: c.tlsSecretName }
          : undefined;
    return { host: c.host, className: c.className, tls };
}

/** Grafana's external database: the settings from config, the password from secret config (validation requires both or neither). */
function grafanaDatabase(settings: PlatformConfig["grafana"]["database"], password: pulumi.Output<string> | undefined): GrafanaArgs["database"] {
    if (settings === undefined) return undefined;
    if (password === undefined) throw new Error("grafana.database needs the grafanaDatabasePassword secret from readPlatformSecrets");
    return { ...settings, password };
}

/**
 * Every Namespace the platform uses, by role, created in one step before any component: its own
 * parts' always; the demo's and the fleet's only when `deploys` says they are deployed; MinIO's only
 * with MinIO, handed back with the store (`store.namespace`) so that its type says it exists exactly
 * then. Where PersistentVolumeClaims live, deleting a Namespace deletes its claims, and `protect` is
 * one `pulumi state unprotect --all` away: those Namespaces (`true` below) also stay in the cluster
 * when the stack deletes them, so the volumes outlive a destroy that was not meant (the releases still go).
 */
function platformNamespaces(config: PlatformConfig, store: ObjectStorageAccess, deploys: { readonly demo: boolean; readonly fleet: boolean }, provider: k8s.Provider) {
    const protect = config.protectData;
    const roles = {
        metrics: true,
        agents: false,
        thanos: true,
        logs: true,
        traces: true,
        grafana: true,
        ...(deploys.demo ? { demo: false } : {}),
        ...(deploys.fleet ? { fleet: false } : {}),
    };
    if (store.type === "minio") {
        const {
            ns: { objectStorage, ...ns },
            byName,
        } = createNamespaces(config, { ...roles, objectStorage: true }, provider, protect);
        return { ns, byName, store: { ...store, namespace: objectStorage } };
    }
    return { ...createNamespaces(config, roles, provider, protect), store };
}

/**
 * The platform, wired in one place. It reads like the architecture diagram: object storage feeds
 * metrics, Thanos, logs and traces; Thanos reads the Prometheus sidecars; traces write RED metrics
 * into Prometheus; Grafana reads them all. Every address passed along is a component output.
 */
export function deployPlatform(config: PlatformConfig, secrets: PlatformSecrets): PlatformOutputs {
    // prod runs as many of Loki's and Tempo's parts as the declared ingest rates need.
    const sizing = profileSizing(config.profile, config);
    const provider = clusterProvider(config);
    const inCluster: pulumi.ComponentResourceOptions = { providers: { kubernetes: provider } };
    // lgtm:protectData refuses to delete what holds data, or whose deletion cascades to it (Namespaces,
    // CRDs): a destroy or a replacement by mistake fails instead. Children inherit the protection.
    const protectState = config.protectData;
    const stateful: pulumi.ComponentResourceOptions = { ...inCluster, protect: protectState };
    // Where every release takes its chart: a mirror or local directory (lgtm:charts), else each chart's upstream repository.
    const chartSource = config.charts;
    const storageClass = config.storageClass || undefined;
    // A fleet: members send through the ingest gateway, each under the tenant its login binds it to.
    const fleet = config.fleet;
    const fleetOn = fleet.edges.length > 0;
    // Every tenant Grafana reads: the platform's own first, then each member's.
    const tenants = (own: string) => [own, ...fleet.edges.map((e) => e.name)].join("|");
    const volume = (volumeSize: string, enabled = sizing.persistentState): Persistence => ({ enabled, size: volumeSize, storageClass });

    // The demo's sample workloads, only where the profile sizes them (dev) and config enables them.
    const demoSizing = config.demo.enabled ? sizing.demo : undefined;
    const { ns, byName: namespaces, store } = platformNamespaces(config, secrets.objectStorage, { demo: demoSizing !== undefined, fleet: fleetOn }, provider);

    // First: every release after it ships a ServiceMonitor or PrometheusRule.
    const crds = new PrometheusCrds("prometheus-crds", { namespace: ns.metrics, releaseName: sharedReleaseNames.crds, chartSource }, stateful);

    const objectStore: DeployedObjectStore =
        store.type === "minio"
            ? {
                  type: "minio",
                  store: new Minio(
                      "object-storage",
                      {
                          namespace: store.namespace,
                          releaseName: platformReleaseNames.objectStorage,
                          chartSource,
                          crds: crds.release,
                          mode: store.minio.mode,
                          replicas: store.minio.replicas,
                          buckets: store.buckets,
                          versioning: store.minio.versioning,
                          region: store.region,
                          // MinIO's data is the platform's data: always on PersistentVolumeClaims, one per pod.
                          persistence: volume(store.minio.volumeSize, true),
                          resources: sizing.minio.server,
                          jobResources: sizing.minio.jobs,
                          zones: config.zones,
                          rootCredentials: store.rootCredentials && { user: store.rootCredentials.accessKeyId, password: store.rootCredentials.secretAccessKey },
                      },
                      stateful,
                  ),
              }
            : {
                  type: "external",
                  store: new ExternalObjectStore("object-storage", { ...store.external, region: store.region, buckets: store.buckets, credentials: store.credentials }, inCluster),
              };
    const objectStorage = objectStore.store;

    // Notification URLs reach Alertmanager only as files of a Secret (never in values or config).
    const alerting = alertmanagerWiring(
        "alertmanager-notifications",
        { namespace: ns.metrics, slackChannel: config.alerting.slackChannel, slackWebhookUrl: secrets.slackWebhookUrl, webhookUrl: secrets.alertWebhookUrl },
        { provider },
    );

    const metrics = new Metrics(
        "metrics",
        {
            namespace: ns.metrics,
            releaseName: sharedReleaseNames.metrics,
            chartSource,
            agentsNamespace: ns.agents,
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
            zones: config.zones,
            nodeSpread: sizing.nodeSpread,
            multicluster: fleetOn,
        },
        stateful,
    );

    const globalRulesStoreService = fleetOn ? globalRulesStore(globalRulesName, metrics.namespace, { provider }) : undefined;
    const thanos = new Thanos(
        "thanos",
        {
            namespace: ns.thanos,
            releaseName: platformReleaseNames.thanos,
            chartSource,
            crds: crds.release,
            objectStore: objectStorage,
            sidecarEndpoint: metrics.sidecarDiscoveryEndpoint,
            // The fleet's rule evaluator runs beside Prometheus (below); its recording rules' results are read here.
            ruleEndpoint: globalRulesStoreService?.endpoint,
            ...(fleetOn ? { ruleEvaluatorJob: globalRulesJob(globalRulesName) } : {}),
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
            zones: config.zones,
            nodeSpread: sizing.nodeSpread,
            receive: fleetOn ? fleet.receive : undefined,
        },
        stateful,
    );

    // A fleet's alerts: every rule over the global view, so members' data alerts centrally, with its cluster label.
    const globalRules = fleetOn
        ? new GlobalRules(
              "global-rules",
              {
                  namespace: metrics.namespace,
                  name: globalRulesName,
                  queryUrl: thanos.queryUrl,
                  alertmanagerUrl: metrics.alertmanagerUrl,
                  evaluationInterval: config.metrics.scrapeInterval,
                  replicas: sizing.thanos.rulerReplicas,
                  resources: sizing.thanos.ruler,
                  storage: volume(config.thanos.volumeSize),
                  nodeSpread: sizing.nodeSpread,
                  operator: metrics.release,
              },
              stateful,
          )
        : undefined;

    const logs = new Loki(
        "logs",
        {
            namespace: ns.logs,
            releaseName: platformReleaseNames.logs,
            chartSource,
            crds: crds.release,
            mode: config.loki.mode,
            objectStore: objectStorage,
            multiTenancy: config.loki.multiTenancy,
            retention: config.loki.retention,
            expectedIngestMBps: config.loki.expectedIngestMBps,
            replicationFactor: config.loki.replicationFactor,
            zones: config.zones,
            distributedReplicas: sizing.loki.distributedReplicas,
            gatewayReplicas: sizing.loki.gatewayReplicas,
            persistence: volume(config.loki.volumeSize),
            sizing: sizing.loki,
        },
        stateful,
    );

    // Traces: one binary, or microservices with replicated ingesters; the same outputs either way.
    const tracesCommon = {
        namespace: ns.traces,
        releaseName: platformReleaseNames.traces,
        chartSource,
        crds: crds.release,
        objectStore: objectStorage,
        remoteWriteUrl: metrics.remoteWriteUrl,
        clusterName: config.clusterName,
        retention: config.tempo.retention,
        expectedIngestMBps: config.tempo.expectedIngestMBps,
        multiTenancy: fleetOn,
    };
    const traces =
        config.tempo.mode === "distributed"
            ? new TempoDistributed(
                  "traces",
                  {
                      ...tracesCommon,
                      replicationFactor: config.tempo.replicationFactor,
                      ingesterPersistence: volume(config.tempo.volumeSize),
                      generatorPersistence: volume("5Gi"),
                      sizing: sizing.tempo.distributed,
                  },
                  stateful,
              )
            : new Tempo("traces", { ...tracesCommon, persistence: volume(config.tempo.volumeSize), resources: sizing.tempo.monolithic }, stateful);

    // One agent per node: pod logs to Loki; what applications push (OTLP traces, logs, samples) to Tempo, Loki and Prometheus.
    const collect = new Alloy(
        "collect",
        {
            namespace: ns.agents,
            releaseName: sharedReleaseNames.agents,
            chartSource,
            clusterName: config.clusterName,
            destination: pulumi.all([logs.pushUrl, metrics.remoteWriteUrl, traces.otlpGrpcEndpoint]).apply(([lokiPushUrl, prometheusRemoteWriteUrl, tempoOtlpGrpcEndpoint]) => ({
                lokiPushUrl,
                prometheusRemoteWriteUrl,
                lokiTenant: logs.multiTenancy ? config.loki.tenant : undefined,
                tempoOtlpGrpcEndpoint,
                // With a fleet Tempo is multi-tenant, and the platform's own traces take its log tenant's name.
                tracesTenant: fleetOn ? config.loki.tenant : undefined,
            })),
            crds: crds.release,
            resources: sizing.alloy,
        },
        inCluster,
    );

    // The platform's own dashboards, beside Grafana; its sidecar loads them with kube-prometheus-stack's.
    const dashboards = new PlatformDashboards("dashboards", { namespace: ns.grafana, directory: projectDashboardsDirectory }, inCluster);
    // Sample logs and traces for a first look; the config allows it only where the profile sizes it (dev).
    const demo = ns.demo && demoSizing ? new Demo("demo", { namespace: ns.demo, otlpHttpEndpoint: collect.otlpHttpEndpoint, sizing: demoSizing }, inCluster) : undefined;

    const ingress = grafanaIngress(config.grafana.ingress);
    const grafana = new Grafana(
        "grafana",
        {
            namespace: ns.grafana,
            releaseName: grafanaReleaseName,
            chartSource,
            crds: crds.release,
            datasources: pulumi.all([thanos.queryFrontendUrl, logs.queryUrl, traces.queryUrl, metrics.alertmanagerUrl]).apply(([metricsUrl, logsUrl, tracesUrl, alertmanagerUrl]) => ({
                metricsUrl,
                logsUrl,
                tracesUrl,
                alertmanagerUrl,
                logsTenant: logs.multiTenancy ? tenants(config.loki.tenant) : undefined,
                tracesTenant: fleetOn ? tenants(config.loki.tenant) : undefined,
                scrapeInterval: config.metrics.scrapeInterval,
            })),
            dashboardNamespaces: [metrics.namespace, dashboards.namespace],
            ingress,
            zones: config.zones,
            nodeSpread: sizing.nodeSpread,
            subPath: config.grafana.subPath,
            replicas: config.grafana.replicas,
            // With an external database Grafana keeps nothing that must outlive its pods: no volume.
            persistence: volume(config.grafana.volumeSize, config.grafana.persistence && !config.grafana.database),
            database: grafanaDatabase(config.grafana.database, secrets.grafanaDatabasePassword),
            resources: sizing.grafana.server,
            sidecarResources: sizing.grafana.sidecar,
            adminPassword: secrets.grafanaAdminPassword,
        },
        stateful,
    );

    const fleetIngestHost = fleet.ingress.host;
    if (fleetOn && fleetIngestHost === undefined) throw new Error("fleet.edges needs fleet.ingress.host (validation should have said so)");
    const fleetIngest =
        ns.fleet && fleetIngestHost !== undefined && thanos.remoteWriteUrl !== undefined
            ? new FleetIngest(
                  "fleet-ingest",
                  {
                      namespace: ns.fleet,
                      name: "fleet-ingest",
                      members: fleet.edges,
                      ingress: ingressExposure({ host: fleetIngestHost, ...fleet.ingress }),
                      upstreams: pulumi.all([thanos.remoteWriteUrl, logs.pushUrl, traces.otlpHttpEndpoint]).apply(([remoteWriteUrl, lokiPushUrl, otlpHttpEndpoint]) => ({ remoteWriteUrl, lokiPushUrl, otlpHttpEndpoint })),
                      replicas: fleet.gatewayReplicas,
                      resources: sizing.fleetGateway,
                      zones: config.zones,
                      nodeSpread: sizing.nodeSpread,
                  },
                  { ...inCluster, dependsOn: [thanos, logs, traces] },
              )
            : undefined;
    // Collection beyond the platform's own parts, beside Prometheus: static targets, probes, the Pushgateway (each only when declared).
    const collection = deployCollectionExtras(config, {
        metricsNamespace: metrics.namespace,
        crds: crds.release,
        chartSource,
        sizing: sizing.collection,
        pushgatewayPersistence: volume(config.pushgateway.volumeSize),
        inCluster,
        stateful,
    });
    const { network: collectionNetwork, ...collected } = collection;
    const globalRulesFlows = globalRules ? globalRulesNetwork(metrics.namespace, globalRulesName) : undefined;

    // Last: the policies need every release's namespace and pod labels. They exist only after the
    // releases, so a first install's hook Jobs run before any policy; later upgrades are allowed theirs.
    const network = config.network.policies
        ? new PlatformNetworkPolicies(
              "network",
              {
                  // The demo's namespace is an application's: its pods are peers of the platform, not part of it.
                  namespaces: Object.fromEntries([...namespaces].filter(([name]) => !(demo && name === config.namespaces.demo)).map(([name, ns]) => [name, ns.metadata.name])),
                  platform: {
                      objectStorage:
                          objectStore.type === "minio"
                              ? { kind: "minio", namespace: objectStore.store.release.status.namespace, pods: objectStore.store.podSelectors, distributed: objectStore.store.distributed }
                              : { kind: "external", cidrs: config.network.objectStorageCidrs, port: objectStore.store.port },
                      metrics: { namespace: metrics.namespace, pods: metrics.podSelectors },
                      thanos: { namespace: thanos.release.status.namespace, pods: thanos.podSelectors, receive: thanos.remoteWriteUrl !== undefined },
                      logs: { namespace: logs.release.status.namespace, pods: logs.podSelectors, mode: config.loki.mode, zoneAware: config.zones.length > 0 },
                      traces: { namespace: traces.release.status.namespace, pods: traces.podSelectors },
                      agents: { namespace: collect.release.status.namespace, pods: collect.podSelectors },
                      grafana: {
                          namespace: grafana.release.status.namespace,
                          pods: grafana.podSelectors,
                          ingress: ingress !== undefined,
                          replicas: config.grafana.replicas,
                          ...(config.grafana.database ? { database: { cidrs: config.network.grafanaDatabaseCidrs, port: grafanaDatabasePort(config.grafana.database) } } : {}),
                      },
                      apiServerCidrs: config.network.apiServerCidrs,
                      ingressNamespaceSelector: config.network.ingressNamespaceSelector,
                      ...(fleetIngest ? { fleet: { namespace: fleetIngest.service.metadata.namespace, pods: fleetIngest.podSelectors } } : {}),
                      alertNotifications: alerting.secret !== undefined,
                      optional: {
                          workloads: [...(collectionNetwork?.workloads ?? []), ...(globalRulesFlows?.workloads ?? [])],
                          flows: [...(collectionNetwork?.flows ?? []), ...(globalRulesFlows?.flows ?? [])],
                      },
                  },
              },
              inCluster,
          )
        : undefined;

    const deployed = {
        objectStorage,
        crds,
        metrics,
        thanos,
        logs,
        traces,
        grafana,
        dashboards,
        collect,
        ...(demo ? { demo } : {}),
        ...(network ? { network } : {}),
        ...(fleetIngest ? { fleetIngest } : {}),
        ...(globalRules ? { globalRules } : {}),
        ...collected,
    };
    // The platform's own alert rules (alerts/rules/*.yaml, tested with promtool), one PrometheusRule per
    // file: the files of the components deployed here, so no rule watches a part this stack lacks.
    const alerts = new PlatformAlerts(
        "platform-alerts",
        {
            namespace: ns.metrics,
            crds: crds.release,
            ruleFiles: Object.values(deployed).flatMap((component) => ("alertRuleFiles" in component ? component.alertRuleFiles : [])),
        },
        inCluster,
    );

    return {
        grafanaUrl: pulumi.all([grafana.externalUrl, grafana.url]).apply(([external, internal]) => external ?? internal),
        grafanaService: grafana.service,
        grafanaAdminUser: grafana.adminUser,
        grafanaAdminPassword: grafana.adminPassword,
        otlpGrpcEndpoint: collect.otlpGrpcEndpoint,
        otlpHttpEndpoint: collect.otlpHttpEndpoint,
        // Applications push through the agent, never to Loki or Prometheus themselves (docs/security.md).
        lokiPushUrl: collect.lokiPushUrl,
        prometheusRemoteWriteUrl: collect.prometheusRemoteWriteUrl,
        ...(fleetIngest ? { fleet: fleetIngest.access } : {}),
        objectStorage: pulumi
            .all([objectStorage.endpoint, objectStorage.region, objectStorage.buckets.lokiChunks, objectStorage.buckets.lokiRuler, objectStorage.buckets.tempo, objectStorage.buckets.thanos])
            .apply(([endpoint, region, lokiChunks, lokiRuler, tempo, thanos]) => ({
                type: objectStore.type,
                endpoint,
                region,
                tls: objectStorage.tls,
                forcePathStyle: objectStorage.forcePathStyle,
                buckets: { lokiChunks, lokiRuler, tempo, thanos },
            })),
        ...(collected.pushgateway ? { pushgatewayUrl: collected.pushgateway.url } : {}),
        components: { ...deployed, alerts },
    };
}
