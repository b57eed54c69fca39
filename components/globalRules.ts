import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NodeSpread, onePerNode } from "./availability";
import { alertmanagerPort, volumeClaim } from "./metrics";
import { Flow, tcp, Workload } from "./networkPolicies";
import { clusterDnsName } from "./release";
// The operator gives a ThanosRuler the Thanos ports the chart's components use.
import { thanosGrpcPort, thanosHttpPort } from "./thanos";
import { restrictedPod } from "./podSecurity";
import { ComputeResources, Persistence } from "./resources";

/** The Thanos image the rule evaluator runs: the Thanos chart's (1.24.1, appVersion 0.42.4), so one Thanos version runs everywhere. */
export const thanosImage = "quay.io/thanos/thanos:v0.42.4";

/** The `job` label the ThanosRuler `name` is scraped as (its PodMonitor sets it). */
export function globalRulesJob(name: string): string {
    return `${name}-thanos-ruler`;
}

/**
 * The Store API of the ThanosRuler `name`, for Thanos Query: a headless Service of its pods' gRPC
 * port, and its `dnssrv+` address (from the Service). It is made before the ruler, apart from the
 * component, because the ruler queries Thanos Query and Thanos Query reads the ruler: each needs the
 * other's address, and only this one can exist first.
 */
export function globalRulesStore(name: string, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): { service: k8s.core.v1.Service; endpoint: pulumi.Output<string> } {
    const service = new k8s.core.v1.Service(
        `${name}-store`,
        {
            metadata: { name: `${name}-thanos-ruler-grpc`, namespace },
            spec: { clusterIP: "None", selector: { ...globalRulesPodSelector(name) }, ports: [{ name: "grpc", port: thanosGrpcPort, targetPort: thanosGrpcPort, protocol: "TCP" }] },
        },
        opts,
    );
    const endpoint = pulumi.all([service.metadata.name, service.metadata.namespace]).apply(([n, ns]) => `dnssrv+_grpc._tcp.${clusterDnsName({ name: n, namespace: ns })}`);
    return { service, endpoint };
}

/** Labels the operator puts on a ThanosRuler's pods (`app.kubernetes.io/name`, and `thanos-ruler: <name>`). */
export function globalRulesPodSelector(name: string) {
    return { "app.kubernetes.io/name": "thanos-ruler", "thanos-ruler": name } as const;
}

/** The rule evaluator's workload and connections, for the platform's NetworkPolicies: it queries Thanos Query and notifies Alertmanager. */
export function globalRulesNetwork<N>(namespace: N, name: string): { workloads: Workload<N>[]; flows: Flow[] } {
    const workload = "global-rules";
    return {
        workloads: [{ name: workload, namespace, selector: globalRulesPodSelector(name) }],
        flows: [
            { from: workload, to: "thanos-query", ports: tcp(thanosHttpPort), why: "evaluate every rule over the global view" },
            { from: workload, to: "alertmanager", ports: tcp(alertmanagerPort), why: "send alerts" },
            { from: "thanos-query", to: workload, ports: tcp(thanosGrpcPort), why: "Store API of the global rule evaluator (recording rules' results)" },
            { from: "prometheus", to: workload, ports: tcp(thanosHttpPort), why: "scrape the global rule evaluator" },
        ],
    };
}

export interface GlobalRulesArgs {
    /** Namespace of the ThanosRuler (the metrics namespace, beside the operator that runs it). */
    readonly namespace: pulumi.Input<string>;
    /** Name of the ThanosRuler resource (and of its pods' `thanos-ruler` label). */
    readonly name: string;
    /** Thanos Query's HTTP API: the global view over the platform's Prometheus and every member's data. */
    readonly queryUrl: pulumi.Input<string>;
    /** Alertmanager's URL, where alerts go. */
    readonly alertmanagerUrl: pulumi.Input<string>;
    /** How often rules are evaluated. */
    readonly evaluationInterval: string;
    readonly replicas: number;
    readonly resources: ComputeResources;
    /** Its TSDB of rule results (ALERTS, recording rules). */
    readonly storage: Persistence;
    readonly nodeSpread: NodeSpread;
    /** The operator must exist to reconcile it: the metrics release (and with it the CRDs). */
    readonly operator: pulumi.Resource;
}

export interface GlobalRulesSpecInput extends Omit<GlobalRulesArgs, "namespace" | "queryUrl" | "alertmanagerUrl" | "operator"> {
    readonly queryUrl: string;
    readonly alertmanagerUrl: string;
}

/**
 * The ThanosRuler's spec: every PrometheusRule of every namespace, evaluated over Thanos Query.
 * The operator drops the replica label from alerts, so several replicas notify once.
 */
export function buildGlobalRulesSpec(v: GlobalRulesSpecInput): Record<string, unknown> {
    // The operator's default user for a ThanosRuler; restrictedPod adds what Pod Security "restricted" needs.
    const uid = 1000;
    return {
        image: thanosImage,
        replicas: v.replicas,
        queryEndpoints: [v.queryUrl],
        alertmanagersUrl: [v.alertmanagerUrl],
        ruleSelector: {},
        ruleNamespaceSelector: {},
        evaluationInterval: v.evaluationInterval,
        resources: v.resources,
        securityContext: restrictedPod(uid),
        ...(v.storage.enabled ? { storage: volumeClaim(v.storage) } : {}),
        ...(v.replicas > 1 ? { affinity: onePerNode(globalRulesPodSelector(v.name), v.nodeSpread) } : {}),
    };
}

/** The PodMonitor of the ThanosRuler `name`: its pods' web port, as job `globalRulesJob(name)`. */
function buildGlobalRulesPodMonitorSpec(name: string): Record<string, unknown> {
    return {
        selector: { matchLabels: { ...globalRulesPodSelector(name) } },
        podMetricsEndpoints: [{ port: "web", relabelings: [{ targetLabel: "job", replacement: globalRulesJob(name) }] }],
    };
}

/**
 * Alert and recording rules over the whole fleet: a ThanosRuler (run by the Prometheus Operator of
 * kube-prometheus-stack) evaluates every PrometheusRule over Thanos Query, which reads the
 * platform's Prometheus and every member's data in Thanos Receive. A member's pod crash-looping
 * then alerts centrally, labelled with its cluster. The platform's Prometheus evaluates no rule
 * meanwhile (components/metrics.ts), so nothing alerts twice.
 */
export class GlobalRules extends pulumi.ComponentResource {
    public readonly ruler: k8s.apiextensions.CustomResource;
    /** Labels of its pods (for NetworkPolicies). */
    public readonly podSelector: ReturnType<typeof globalRulesPodSelector>;

    constructor(name: string, args: GlobalRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:metrics:GlobalRules", name, {}, opts);
        const spec = pulumi.all([args.queryUrl, args.alertmanagerUrl]).apply(([queryUrl, alertmanagerUrl]) => buildGlobalRulesSpec({ ...args, queryUrl, alertmanagerUrl }));
        this.ruler = new k8s.apiextensions.CustomResource(
            name,
            { apiVersion: "monitoring.coreos.com/v1", kind: "ThanosRuler", metadata: { name: args.name, namespace: args.namespace }, spec },
            { parent: this, dependsOn: [args.operator] },
        );
        this.podSelector = globalRulesPodSelector(args.name);
        // Scraped like every other Thanos component; the Thanos chart's ruler alerts when it is gone,
        // fails its evaluations or drops alerts (buildMetaMonitoringRules in components/thanos.ts).
        new k8s.apiextensions.CustomResource(
            `${name}-scrape`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: globalRulesJob(args.name), namespace: args.namespace }, spec: buildGlobalRulesPodMonitorSpec(args.name) },
            { parent: this, dependsOn: [args.operator] },
        );
        // The operator gives a ThanosRuler no PodDisruptionBudget: at most one replica down at a time.
        if (args.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                name,
                { metadata: { name: `${args.name}-thanos-ruler`, namespace: args.namespace }, spec: { minAvailable: args.replicas - 1, selector: { matchLabels: { ...this.podSelector } } } },
                { parent: this, dependsOn: [this.ruler] },
            );
        }
        this.registerOutputs({});
    }
}
