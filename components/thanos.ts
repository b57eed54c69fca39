import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { AlertedComponent } from "./alerting";
import { NodeSpread, spreadValues } from "./availability";
import { ChartSource, charts } from "./charts";
import { prometheusExternalLabels } from "./metrics";
import { ObjectStore } from "./objectStore";
import { platformRelease, serviceUrl } from "./release";
import { chartPersistence, ComputeResources, Persistence } from "./resources";
import { objstoreSecretKey, thanosObjstoreSecret } from "./thanosObjstore";

/** HTTP port of every Thanos Service in the stevehipwell chart (its default; we do not change it), and of the operator's ThanosRuler pods. */
export const thanosHttpPort = 10902;
/** gRPC (Store API) port of the query, store gateway and ruler (the chart's default), and of the operator's ThanosRuler pods. */
export const thanosGrpcPort = 10901;
/** Remote-write port of the receive router and ingestors (the chart's default). */
export const thanosRemoteWritePort = 19291;
/** Thanos Receive's remote-write path (the fleet's ingest gateway serves members the same one). */
export const thanosReceivePath = "/api/v1/receive";

/** Labels of each Thanos component's pods: the release and the chart's component name. */
export function thanosPodSelectors(releaseName: string) {
    const component = (name: string) => ({ "app.kubernetes.io/name": "thanos", "app.kubernetes.io/instance": releaseName, "app.kubernetes.io/component": name });
    return {
        query: component("query"),
        queryFrontend: component("query-frontend"),
        storeGateway: component("store-gateway"),
        compactor: component("compact"),
        ruler: component("rule"),
        // Only with receive (a fleet): the router members' writes reach, and the ingestors behind it.
        receiveRouter: component("receive-router"),
        receiveIngestor: component("receive-ingestor"),
    } as const;
}
export type ThanosPodSelectors = ReturnType<typeof thanosPodSelectors>;

/** How long Thanos keeps blocks of each resolution (`0d` keeps them forever). */
export interface ThanosRetention {
    readonly raw: string;
    readonly fiveMinutes: string;
    readonly oneHour: string;
}

export interface ThanosSizing {
    readonly query: ComputeResources;
    readonly queryFrontend: ComputeResources;
    readonly storeGateway: ComputeResources;
    readonly compactor: ComputeResources;
    readonly ruler: ComputeResources;
    readonly receiveRouter: ComputeResources;
    readonly receiveIngestor: ComputeResources;
}

/**
 * Thanos Receive: a router taking remote writes (members of a fleet) and spreading each tenant's
 * series over ingestors that keep recent data and upload blocks to the object store. Thanos Query
 * reads the ingestors (the chart adds them as endpoints) and deduplicates their copies.
 */
export interface ThanosReceive {
    /** Ingestors (and routers). */
    readonly replicas: number;
    /** Copies of every series, over that many ingestors; a write needs a majority of them. */
    readonly replicationFactor: number;
}

export interface ThanosArgs {
    /** Namespace of the Thanos components and their objstore Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** The Prometheus Operator CRDs release: the chart's ServiceMonitors and PrometheusRule needs them first. */
    readonly crds: pulumi.Resource;
    /** Helm release name (also the fullname: Services are `<name>-query`, `<name>-query-frontend`, …). */
    readonly releaseName: string;
    /** Object storage holding the metric blocks. */
    readonly objectStore: ObjectStore;
    /** Store API of the Prometheus sidecars (`dnssrv+…`), from the metrics component. */
    readonly sidecarEndpoint: pulumi.Input<string>;
    /** Store API of a fleet's global rule evaluator (`dnssrv+…`), so queries see its recording rules' results; unset without a fleet. */
    readonly ruleEndpoint?: pulumi.Input<string>;
    /** The `job` the fleet's global rule evaluator is scraped as (in Prometheus' namespace): this ruler alerts when it is gone, since no other rule is evaluated then. Unset without a fleet. */
    readonly ruleEvaluatorJob?: string;
    /** Alertmanager the ruler sends alerts to, from the metrics component. */
    readonly alertmanagerUrl: pulumi.Input<string>;
    /** `job` label of Prometheus' own scrape, for the meta-monitoring rule. */
    readonly prometheusJob: pulumi.Input<string>;
    /** Namespace of Prometheus, for the meta-monitoring rule. */
    readonly prometheusNamespace: pulumi.Input<string>;
    /** Compactor retention per resolution. */
    readonly retention: ThanosRetention;
    /** Query replicas. */
    readonly queryReplicas: number;
    /** Query-frontend replicas. */
    readonly queryFrontendReplicas: number;
    /** Store gateway replicas. */
    readonly storeGatewayReplicas: number;
    /** Ruler replicas. */
    readonly rulerReplicas: number;
    /** Local volumes of the store gateway, compactor and ruler. */
    readonly persistence: Persistence;
    /** Resources per component. */
    readonly sizing: ThanosSizing;
    /** The cluster's availability zones (`lgtm:zones`), to spread replicated components over; none to spread over nodes only. */
    readonly zones: readonly string[];
    /** Whether replicated components must run one per node or only prefer to (the profile decides). */
    readonly nodeSpread: NodeSpread;
    /** Receive for remote writes from outside (a fleet's members); undefined: none. */
    readonly receive?: ThanosReceive;
}

export interface ThanosValuesInput extends Omit<ThanosArgs, "namespace" | "chartSource" | "crds" | "objectStore" | "sidecarEndpoint" | "alertmanagerUrl" | "prometheusJob" | "prometheusNamespace"> {
    readonly objstoreSecretName: string;
    readonly sidecarEndpoint: string;
    readonly alertmanagerUrl: string;
    readonly prometheusJob: string;
    readonly prometheusNamespace: string;
}

/** The ruler's Alertmanager configuration (Thanos `alertmanagers` file format). */
export function buildAlertmanagersConfig(alertmanagerUrl: string): string {
    const url = new URL(alertmanagerUrl);
    return stringify({
        alertmanagers: [{ static_configs: [url.host], scheme: url.protocol.replace(":", ""), api_version: "v2" }],
    });
}

/**
 * Rules the ruler evaluates over the global view: alert when no Prometheus reports in, and, at a
 * fleet's centre, when the global rule evaluator (which evaluates every other rule, so nothing else
 * would say so) is gone, fails its evaluations or drops its alerts.
 */
export function buildMetaMonitoringRules(prometheusJob: string, prometheusNamespace: string, ruleEvaluatorJob?: string): string {
    const critical = (alert: string, expr: string, forDuration: string, summary: string, description: string) => ({
        alert,
        expr,
        for: forDuration,
        labels: { severity: "critical" },
        annotations: { summary, description },
    });
    const prometheus = `job="${prometheusJob}",namespace="${prometheusNamespace}"`;
    const rules = [
        critical(
            "PrometheusAbsent",
            `absent(up{${prometheus}} == 1)`,
            "5m",
            "No Prometheus is up in the global view",
            `Thanos has seen no healthy Prometheus (job ${prometheusJob} in ${prometheusNamespace}) for 5 minutes: metrics are not being collected or shipped.`,
        ),
    ];
    if (ruleEvaluatorJob !== undefined) {
        const evaluator = `job="${ruleEvaluatorJob}",namespace="${prometheusNamespace}"`;
        const which = `(job ${ruleEvaluatorJob} in ${prometheusNamespace})`;
        rules.push(
            critical(
                "GlobalRulesAbsent",
                `absent(up{${evaluator}} == 1)`,
                "5m",
                "The fleet's rule evaluator is down",
                `No healthy global rule evaluator ${which} for 5 minutes: no alert of the platform or of any fleet member is evaluated.`,
            ),
            critical(
                "GlobalRulesFailing",
                `sum by (cluster, namespace, job) (rate(prometheus_rule_evaluation_failures_total{${evaluator}}[5m])) > 0`,
                "15m",
                "The fleet's rule evaluator fails to evaluate rules",
                `The global rule evaluator ${which} has failed rule evaluations for 15 minutes: alerts of the platform and of the fleet's members may not fire (is Thanos Query reachable from it?).`,
            ),
            critical(
                "GlobalRulesAlertsDropped",
                `sum by (cluster, namespace, job) (rate(thanos_alert_sender_alerts_dropped_total{${evaluator}}[5m])) > 0`,
                "5m",
                "The fleet's rule evaluator cannot send alerts",
                `The global rule evaluator ${which} has dropped alerts for 5 minutes: they do not reach Alertmanager.`,
            ),
        );
    }
    return stringify({ groups: [{ name: "lgtm-meta-monitoring", rules }] });
}

/** Pod labels the stevehipwell chart gives a component (its selector labels). */
function componentLabels(releaseName: string, component: string): Record<string, string> {
    return { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/instance": releaseName, "app.kubernetes.io/component": component };
}

/** One pod per node (spread over the zones) and at most one unavailable at a time, for a component with several replicas. */
function highlyAvailable(releaseName: string, component: string, replicas: number, zones: readonly string[], nodeSpread: NodeSpread) {
    return {
        ...spreadValues(replicas, componentLabels(releaseName, component), zones, nodeSpread),
        podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
    };
}

/** Values of the stevehipwell Thanos chart. */
export function buildThanosValues(v: ThanosValuesInput): Record<string, unknown> {
    const { sizing, retention } = v;
    const rules = buildMetaMonitoringRules(v.prometheusJob, v.prometheusNamespace, v.ruleEvaluatorJob);
    return {
        fullnameOverride: v.releaseName,
        // One ServiceMonitor per component; jobs are `<release>-<component>` as alerts/rules/thanos.yaml expects.
        serviceMonitor: { enabled: true },
        objstoreConfig: { create: false, name: v.objstoreSecretName, key: objstoreSecretKey },
        additionalEndpoints: [v.sidecarEndpoint, ...(v.ruleEndpoint ? [v.ruleEndpoint] : [])],
        additionalReplicaLabels: [prometheusExternalLabels.replica],
        query: { enabled: true, replicas: v.queryReplicas, resources: sizing.query, ...highlyAvailable(v.releaseName, "query", v.queryReplicas, v.zones, v.nodeSpread) },
        queryFrontend: {
            enabled: true,
            replicas: v.queryFrontendReplicas,
            resources: sizing.queryFrontend,
            ...highlyAvailable(v.releaseName, "query-frontend", v.queryFrontendReplicas, v.zones, v.nodeSpread),
        },
        storeGateway: {
            enabled: true,
            replicas: v.storeGatewayReplicas,
            ...highlyAvailable(v.releaseName, "store-gateway", v.storeGatewayReplicas, v.zones, v.nodeSpread),
            resources: sizing.storeGateway,
            persistence: chartPersistence(v.persistence),
        },
        compact: {
            enabled: true,
            resources: sizing.compactor,
            persistence: chartPersistence(v.persistence),
            extraArgs: [`--retention.resolution-raw=${retention.raw}`, `--retention.resolution-5m=${retention.fiveMinutes}`, `--retention.resolution-1h=${retention.oneHour}`],
        },
        rule: {
            enabled: true,
            replicas: v.rulerReplicas,
            resources: sizing.ruler,
            persistence: chartPersistence(v.persistence),
            ...highlyAvailable(v.releaseName, "rule", v.rulerReplicas, v.zones, v.nodeSpread),
            // The chart gives the reloader sidecar no securityContext, which Pod Security "restricted"
            // rejects; instead the pods roll when the rules change.
            configReloader: { enabled: false },
            podAnnotations: { "checksum/rules": createHash("sha256").update(rules).digest("hex") },
            alertmanagersConfig: { create: true, value: buildAlertmanagersConfig(v.alertmanagerUrl) },
            rules: { create: true, value: rules },
        },
        receive: v.receive ? receiveValues(v, v.receive) : { enabled: false },
    };
}

/**
 * The receive router and ingestors. Each series is labelled `tenant_id` with the tenant the router
 * is told in the THANOS-TENANT header, which only the fleet's ingest gateway sets (from the member's
 * login), so a member cannot write as another.
 */
function receiveValues(v: ThanosValuesInput, receive: ThanosReceive): Record<string, unknown> {
    return {
        enabled: true,
        replicationFactor: receive.replicationFactor,
        // Local TSDB blocks are uploaded every 2h; 24h keeps a day queryable on the ingestors while the compactor catches up.
        retention: "24h",
        ingestor: {
            replicas: receive.replicas,
            resources: v.sizing.receiveIngestor,
            persistence: chartPersistence(v.persistence),
            ...highlyAvailable(v.releaseName, "receive-ingestor", receive.replicas, v.zones, v.nodeSpread),
        },
        router: {
            replicas: receive.replicas,
            resources: v.sizing.receiveRouter,
            ...highlyAvailable(v.releaseName, "receive-router", receive.replicas, v.zones, v.nodeSpread),
        },
    };
}

/** Thanos: the global, long-term view of all metrics, read from object storage and the sidecars. */
export class Thanos extends pulumi.ComponentResource implements AlertedComponent {
    public readonly release: k8s.helm.v3.Release;
    /** Query-frontend HTTP API (Grafana's metrics datasource). */
    public readonly queryFrontendUrl: pulumi.Output<string>;
    /** Query HTTP API. */
    public readonly queryUrl: pulumi.Output<string>;
    /** Remote-write URL of the receive router; undefined without receive. */
    public readonly remoteWriteUrl?: pulumi.Output<string>;
    /** Labels of each component's pods (for NetworkPolicies). */
    public readonly podSelectors: ThanosPodSelectors;
    /** Its rule files in alerts/rules: the receive rules only with receive. */
    public readonly alertRuleFiles: readonly string[];

    constructor(name: string, args: ThanosArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:metrics:Thanos", name, {}, opts);

        const objstoreSecretName = `${args.releaseName}-objstore`;
        const objstore = thanosObjstoreSecret(objstoreSecretName, args.objectStore, args.namespace, { parent: this });
        const values = pulumi
            .all([args.sidecarEndpoint, args.ruleEndpoint, args.alertmanagerUrl, args.prometheusJob, args.prometheusNamespace])
            .apply(([sidecarEndpoint, ruleEndpoint, alertmanagerUrl, prometheusJob, prometheusNamespace]) =>
                buildThanosValues({ ...args, objstoreSecretName, sidecarEndpoint, ruleEndpoint, alertmanagerUrl, prometheusJob, prometheusNamespace }),
            );
        this.release = platformRelease(name, { chart: charts.thanos, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values }, { parent: this, dependsOn: [objstore, args.crds] });

        this.queryFrontendUrl = serviceUrl(this.release, "query-frontend", thanosHttpPort);
        this.queryUrl = serviceUrl(this.release, "query", thanosHttpPort);
        this.alertRuleFiles = args.receive ? ["thanos", "thanos-receive"] : ["thanos"];
        this.remoteWriteUrl = args.receive ? serviceUrl(this.release, "receive-router", thanosRemoteWritePort, thanosReceivePath) : undefined;
        this.podSelectors = thanosPodSelectors(args.releaseName);
        this.registerOutputs({ queryFrontendUrl: this.queryFrontendUrl, queryUrl: this.queryUrl, remoteWriteUrl: this.remoteWriteUrl });
    }
}
