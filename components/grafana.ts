import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AlertedComponent } from "./alerting";
import { ChartSource, charts } from "./charts";
import { NodeSpread, spreadValues } from "./availability";
import { certManagerAnnotations, IngressExposure, tlsSecretName } from "./ingress";
import { clusterDnsName, platformRelease, serviceName, ServiceName, serviceUrl } from "./release";
import { ComputeResources, Persistence } from "./resources";

/** Service port of the chart (its default). */
export const grafanaPort = 80;
/** Port Grafana listens on in its pod, behind the Service's port (the chart's default). */
export const grafanaContainerPort = 3000;

/** Labels of the Grafana pod. */
export function grafanaPodSelectors(releaseName: string) {
    return { server: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": releaseName } } as const;
}
export type GrafanaPodSelectors = ReturnType<typeof grafanaPodSelectors>;
const adminUserKey = "admin-user";
const adminPasswordKey = "admin-password";
export const grafanaAdminUser = "admin";

/** Label that marks a ConfigMap as a dashboard for Grafana's sidecar (kube-prometheus-stack's default too). */
export const dashboardLabel = "grafana_dashboard";
/** Annotation naming the Grafana folder a dashboard ConfigMap lands in. */
export const dashboardFolderAnnotation = "grafana_folder";

/** Stable datasource UIDs, so dashboards and cross-links never depend on provisioning order. */
export const datasourceUids = {
    metrics: "lgtm-metrics",
    logs: "lgtm-logs",
    traces: "lgtm-traces",
    alertmanager: "lgtm-alertmanager",
} as const;

/** The release name of the platform's Grafana. */
export const grafanaReleaseName = "grafana";

/** The Secrets the platform writes for a Grafana release: its admin login and its database password. */
export function grafanaOwnSecretNames(releaseName: string): { readonly admin: string; readonly database: string } {
    return { admin: `${releaseName}-admin`, database: `${releaseName}-database` };
}

/** Where Grafana's datasources point; every URL comes from the producing component's outputs. */
export interface DatasourceEndpoints {
    /** Thanos query-frontend (Prometheus API). */
    readonly metricsUrl: string;
    readonly logsUrl: string;
    readonly tracesUrl: string;
    readonly alertmanagerUrl: string;
    /** Loki tenant(s) sent as `X-Scope-OrgID` when multi-tenancy is on (several joined by "|"); undefined when it is off. */
    readonly logsTenant?: string;
    /** Tempo tenant(s) sent as `X-Scope-OrgID` when a fleet makes Tempo multi-tenant (several joined by "|"); undefined otherwise. */
    readonly tracesTenant?: string;
    /** Prometheus scrape interval, so Grafana never asks for finer steps than exist. */
    readonly scrapeInterval: string;
}

/** The provisioned datasources (Grafana `datasources.yaml` document). */
export function buildDatasources(e: DatasourceEndpoints): Record<string, unknown> {
    const tenantHeader = (tenant: string | undefined) => (tenant ? { jsonData: { httpHeaderName1: "X-Scope-OrgID" }, secureJsonData: { httpHeaderValue1: tenant } } : { jsonData: {} });
    const logsTenantHeader = tenantHeader(e.logsTenant);
    const tracesTenantHeader = tenantHeader(e.tracesTenant);
    return {
        apiVersion: 1,
        datasources: [
            {
                name: "Metrics",
                uid: datasourceUids.metrics,
                type: "prometheus",
                access: "proxy",
                url: e.metricsUrl,
                isDefault: true,
                jsonData: {
                    prometheusType: "Thanos",
                    timeInterval: e.scrapeInterval,
                    // Exemplars carry trace IDs (Tempo's span metrics attach them): link them to the trace.
                    exemplarTraceIdDestinations: [{ name: "trace_id", datasourceUid: datasourceUids.traces }],
                },
            },
            {
                name: "Logs",
                uid: datasourceUids.logs,
                type: "loki",
                access: "proxy",
                url: e.logsUrl,
                ...logsTenantHeader,
                jsonData: {
                    ...logsTenantHeader.jsonData,
                    // Log lines that carry a trace ID link to the trace (logfmt `traceID=…`/`trace_id=…` or JSON).
                    derivedFields: [{ name: "TraceID", matcherRegex: '(?:traceID|trace_id|traceId)["=:\\s]+(\\w+)', url: "$${__value.raw}", datasourceUid: datasourceUids.traces, urlDisplayLabel: "View trace" }],
                },
            },
            {
                name: "Traces",
                uid: datasourceUids.traces,
                type: "tempo",
                access: "proxy",
                url: e.tracesUrl,
                ...tracesTenantHeader,
                jsonData: {
                    ...tracesTenantHeader.jsonData,
                    // Service graph and node graph come from the span metrics Tempo's generator writes into Prometheus.
                    serviceMap: { datasourceUid: datasourceUids.metrics },
                    nodeGraph: { enabled: true },
                    tracesToLogsV2: {
                        datasourceUid: datasourceUids.logs,
                        spanStartTimeShift: "-5m",
                        spanEndTimeShift: "5m",
                        filterByTraceID: true,
                        tags: [
                            { key: "k8s.namespace.name", value: "namespace" },
                            { key: "k8s.pod.name", value: "pod" },
                        ],
                    },
                    tracesToMetrics: {
                        datasourceUid: datasourceUids.metrics,
                        tags: [{ key: "service.name", value: "service" }],
                        queries: [{ name: "Request rate", query: "sum(rate(traces_spanmetrics_calls_total{$$__tags}[5m]))" }],
                    },
                    lokiSearch: { datasourceUid: datasourceUids.logs },
                },
            },
            {
                name: "Alertmanager",
                uid: datasourceUids.alertmanager,
                type: "alertmanager",
                access: "proxy",
                url: e.alertmanagerUrl,
                jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
            },
        ],
    };
}

/**
 * The URL users open: the ingress host (and sub-path), or undefined without ingress. HTTPS exactly
 * when the ingress has TLS, whichever way; the root URL and the cookies' `Secure` flag follow it.
 */
export function externalUrl(ingress: IngressExposure | undefined, subPath: string): string | undefined {
    if (!ingress) return undefined;
    return `${ingress.tls ? "https" : "http"}://${ingress.host}${subPath}`;
}

/** Databases Grafana can share between replicas (its default, SQLite, is a file in one pod). */
export const grafanaDatabaseTypes = ["postgres", "mysql"] as const;
export type GrafanaDatabaseType = (typeof grafanaDatabaseTypes)[number];

/**
 * Grafana's `database.ssl_mode` values per type. `plain` sends everything in clear text; `default`
 * encrypts without verifying the server's certificate (Grafana's image trusts only public CAs, and
 * managed databases often use a private one); the others also verify it.
 */
export const grafanaDatabaseSslModes: Readonly<Record<GrafanaDatabaseType, { readonly plain: string; readonly default: string; readonly all: readonly string[] }>> = {
    postgres: { plain: "disable", default: "require", all: ["disable", "require", "verify-ca", "verify-full"] },
    mysql: { plain: "false", default: "skip-verify", all: ["false", "true", "skip-verify"] },
};

/** An external database shared by every Grafana replica (its password travels separately, as a Secret). */
export interface GrafanaDatabase {
    readonly type: GrafanaDatabaseType;
    /** `host` or `host:port`. */
    readonly host: string;
    /** Database name. */
    readonly name: string;
    readonly user: string;
    /** Grafana's `ssl_mode`, one of `grafanaDatabaseSslModes[type].all`. */
    readonly sslMode: string;
}

/** The port Grafana connects to: the one in `host`, else the type's default (PostgreSQL 5432, MySQL 3306). */
export function grafanaDatabasePort(db: Pick<GrafanaDatabase, "type" | "host">): number {
    const port = /:(\d+)$/.exec(db.host)?.[1];
    return port === undefined ? { postgres: 5432, mysql: 3306 }[db.type] : Number(port);
}

/** Grafana's environment variable for `[database] password`; it overrides grafana.ini. */
const databasePasswordEnv = "GF_DATABASE_PASSWORD";
const databasePasswordKey = "password";
/** The port Grafana's Alertmanager gossips on (the chart's container port and headless Service port). */
export const grafanaGossipPort = 9094;

export interface GrafanaArgs {
    /** Namespace of Grafana and its admin Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** The Prometheus Operator CRDs release: the chart's ServiceMonitor needs them first. */
    readonly crds: pulumi.Resource;
    /** Helm release name (also the fullname: the Service is `<name>`). */
    readonly releaseName: string;
    /** Datasource targets, from the other components' outputs. */
    readonly datasources: pulumi.Input<DatasourceEndpoints>;
    /** Namespaces whose ConfigMaps labelled `grafana_dashboard` become dashboards (kube-prometheus-stack's and ours). */
    readonly dashboardNamespaces: pulumi.Input<string>[];
    /** Ingress, or undefined for in-cluster access only (port-forward). */
    readonly ingress?: IngressExposure;
    /** Path Grafana is served from, `""` for the root or e.g. `/grafana`. */
    readonly subPath: string;
    /** Replicas; more than one needs `database` (config validation sees to it). */
    readonly replicas: number;
    /** The cluster's availability zones (`lgtm:zones`), to spread replicas over; none to spread over nodes only. */
    readonly zones: readonly string[];
    /** Whether several replicas must run one per node or only prefer to (the profile decides). */
    readonly nodeSpread: NodeSpread;
    /** Volume for Grafana's SQLite database and plugins; with `database`, leave it disabled. */
    readonly persistence: Persistence;
    /** External database and its password (a Pulumi secret); undefined keeps SQLite on `persistence`. */
    readonly database?: GrafanaDatabase & { readonly password: pulumi.Input<string> };
    /** Resources of the Grafana container. */
    readonly resources: ComputeResources;
    /** Resources of each provisioning sidecar. */
    readonly sidecarResources: ComputeResources;
    /**
     * Admin password the operator brings (a Pulumi secret, at least 12 characters); undefined
     * generates one here, with `@pulumi/random`, and the Pulumi state keeps the only copy.
     */
    readonly adminPassword?: pulumi.Output<string>;
}

export interface GrafanaValuesInput extends Omit<GrafanaArgs, "namespace" | "chartSource" | "crds" | "datasources" | "dashboardNamespaces" | "database" | "adminPassword"> {
    /** Grafana's namespace (its replicas find each other through their headless Service there). */
    readonly namespace: string;
    readonly datasources: DatasourceEndpoints;
    readonly dashboardNamespaces: string[];
    readonly adminSecretName: string;
    /** External database, and the Secret holding its password under the key `password`. */
    readonly database?: GrafanaDatabase & { readonly passwordSecretName: string };
}

/** The labels the chart selects Grafana's pods by. */
function selectorLabels(releaseName: string): Record<string, string> {
    return { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": releaseName };
}

/** Several replicas: one per node, one disrupted at a time; nothing for a single one. */
function highAvailabilityValues(v: GrafanaValuesInput): Record<string, unknown> {
    if (v.replicas <= 1) return {};
    return {
        ...spreadValues(v.replicas, selectorLabels(v.releaseName), v.zones, v.nodeSpread),
        podDisruptionBudget: { maxUnavailable: 1 },
        // Replace one pod at a time instead of adding one first: with one replica per node, a surge
        // pod needs a spare node, and would stay Pending (and the rollout stuck) without one.
        deploymentStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        // The Service the replicas find each other through (gossip port only).
        headlessService: true,
    };
}

/**
 * grafana.ini `[unified_alerting]` for several replicas (undefined for one). Every replica
 * evaluates every alert rule; their Alertmanagers gossip over the headless Service so that one
 * of them notifies, and silences are shared (Grafana's alerting high availability).
 */
export function alertingHighAvailability(v: Pick<GrafanaValuesInput, "replicas" | "releaseName" | "namespace">): Record<string, string> | undefined {
    if (v.replicas <= 1) return undefined;
    // POD_IP is set by the chart on the Grafana container; Grafana expands ${…} in its configuration.
    const self = `\${POD_IP}:${grafanaGossipPort}`;
    return {
        ha_peers: `${clusterDnsName({ name: `${v.releaseName}-headless`, namespace: v.namespace })}:${grafanaGossipPort}`,
        ha_listen_address: self,
        ha_advertise_address: self,
    };
}

/**
 * Values of the Grafana chart. The admin login and the database password reach it only as names
 * of existing Secrets.
 */
export function buildGrafanaValues(v: GrafanaValuesInput): Record<string, unknown> {
    const server: Record<string, unknown> = {};
    const url = externalUrl(v.ingress, v.subPath);
    if (url) server.root_url = url;
    if (v.subPath) server.serve_from_sub_path = true;
    const alertingHa = alertingHighAvailability(v);
    const db = v.database;
    return {
        fullnameOverride: v.releaseName,
        serviceMonitor: { enabled: true },
        replicas: v.replicas,
        ...highAvailabilityValues(v),
        admin: { existingSecret: v.adminSecretName, userKey: adminUserKey, passwordKey: adminPasswordKey },
        ...(db ? { envValueFrom: { [databasePasswordEnv]: { secretKeyRef: { name: db.passwordSecretName, key: databasePasswordKey } } } } : {}),
        resources: v.resources,
        // Its init container runs as root, which Pod Security "restricted" rejects; the pod's fsGroup
        // (472) already hands the volume to Grafana's user.
        initChownData: { enabled: false },
        persistence: {
            enabled: v.persistence.enabled,
            size: v.persistence.size,
            ...(v.persistence.storageClass ? { storageClassName: v.persistence.storageClass } : {}),
        },
        "grafana.ini": {
            server,
            analytics: { check_for_updates: false, reporting_enabled: false },
            "auth.anonymous": { enabled: false },
            // Session cookies only over HTTPS when Grafana is served over TLS.
            security: { cookie_secure: url?.startsWith("https://") ?? false, cookie_samesite: "lax" },
            // The password comes from the environment (GF_DATABASE_PASSWORD), never from this file.
            ...(db ? { database: { type: db.type, host: db.host, name: db.name, user: db.user, ssl_mode: db.sslMode } } : {}),
            ...(alertingHa ? { unified_alerting: alertingHa } : {}),
        },
        datasources: { "datasources.yaml": buildDatasources(v.datasources) },
        sidecar: {
            resources: v.sidecarResources,
            dashboards: {
                enabled: true,
                label: dashboardLabel,
                searchNamespace: v.dashboardNamespaces,
                // The sidecar writes each dashboard into a directory named by this annotation, and
                // Grafana turns each directory into a folder.
                folderAnnotation: dashboardFolderAnnotation,
                provider: { foldersFromFilesStructure: true },
            },
        },
        ingress: v.ingress ? ingressValues(v.ingress, v.releaseName, v.subPath) : { enabled: false },
    };
}

function ingressValues(ingress: IngressExposure, releaseName: string, subPath: string): Record<string, unknown> {
    const annotations = certManagerAnnotations(ingress.tls);
    return {
        enabled: true,
        ...(ingress.className ? { ingressClassName: ingress.className } : {}),
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        hosts: [ingress.host],
        path: subPath || "/",
        // With an issuer, cert-manager creates a Certificate for these hosts into this Secret.
        ...(ingress.tls ? { tls: [{ secretName: tlsSecretName(ingress.tls, releaseName), hosts: [ingress.host] }] } : {}),
    };
}

/** The Secret with the database password, and the settings that name it (the password left out). */
function databaseSecret(
    name: string,
    releaseName: string,
    namespace: pulumi.Input<string>,
    database: NonNullable<GrafanaArgs["database"]>,
    parent: pulumi.Resource,
): { secret: k8s.core.v1.Secret; settings: GrafanaDatabase & { passwordSecretName: string } } {
    const { password, ...settings } = database;
    const passwordSecretName = grafanaOwnSecretNames(releaseName).database;
    const secret = new k8s.core.v1.Secret(`${name}-database`, { metadata: { name: passwordSecretName, namespace }, type: "Opaque", stringData: { [databasePasswordKey]: pulumi.secret(password) } }, { parent });
    return { secret, settings: { ...settings, passwordSecretName } };
}

/** Grafana, the one front end: datasources provisioned from the other components' outputs. */
export class Grafana extends pulumi.ComponentResource implements AlertedComponent {
    public readonly release: k8s.helm.v3.Release;
    /** In-cluster URL. */
    public readonly url: pulumi.Output<string>;
    /** Grafana's Service and its port: what `kubectl port-forward` needs when there is no ingress. */
    public readonly service: pulumi.Output<ServiceName & { readonly port: number }>;
    /** Public URL through the ingress, or undefined without one. */
    public readonly externalUrl: pulumi.Output<string | undefined>;
    public readonly adminUser: pulumi.Output<string>;
    /** Admin password, brought or generated (secret). */
    public readonly adminPassword: pulumi.Output<string>;
    /** Labels of the Grafana pod (for NetworkPolicies). */
    public readonly podSelectors: GrafanaPodSelectors;
    /** Its rule files in alerts/rules. */
    public readonly alertRuleFiles: readonly string[] = ["grafana"];

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:ui:Grafana", name, {}, opts);

        const password = args.adminPassword ?? new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this, additionalSecretOutputs: ["result"] }).result;
        const adminSecretName = grafanaOwnSecretNames(args.releaseName).admin;
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-admin`,
            {
                metadata: { name: adminSecretName, namespace: args.namespace },
                type: "Opaque",
                stringData: { [adminUserKey]: grafanaAdminUser, [adminPasswordKey]: password },
            },
            { parent: this },
        );
        // The database password enters the cluster only here, as a Secret Grafana reads into its environment.
        const database = args.database ? databaseSecret(name, args.releaseName, args.namespace, args.database, this) : undefined;
        const values = pulumi.all([args.namespace, args.datasources, pulumi.all(args.dashboardNamespaces)]).apply(([namespace, datasources, dashboardNamespaces]) =>
            buildGrafanaValues({
                ...args,
                namespace,
                datasources,
                dashboardNamespaces: [...new Set(dashboardNamespaces)],
                adminSecretName,
                database: database?.settings,
            }),
        );
        this.release = platformRelease(
            name,
            { chart: charts.grafana, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values },
            { parent: this, dependsOn: [adminSecret, ...(database ? [database.secret] : []), args.crds] },
        );

        this.url = serviceUrl(this.release, undefined, grafanaPort);
        this.service = serviceName(this.release).apply((service) => ({ ...service, port: grafanaPort }));
        this.podSelectors = grafanaPodSelectors(args.releaseName);
        this.externalUrl = this.release.status.apply(() => externalUrl(args.ingress, args.subPath));
        this.adminUser = pulumi.output(grafanaAdminUser);
        this.adminPassword = pulumi.secret(password);
        this.registerOutputs({ url: this.url, service: this.service, externalUrl: this.externalUrl, adminUser: this.adminUser, adminPassword: this.adminPassword });
    }
}
