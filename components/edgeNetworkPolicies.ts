import * as pulumi from "@pulumi/pulumi";
import { alloyPorts, AlloyPodSelectors } from "./alloy";
import { metricsPodPorts, nodeScrapePorts, prometheusPort } from "./metrics";
import { MetricsAgentPodSelectors } from "./metricsAgent";
import { anyAddress, apiServerPorts, ExternalPeer, Flow, NetworkModel, networkPolicyResources, tcp, Workload } from "./networkPolicies";

/** What an edge's traffic depends on: where its two releases run and what their pods are labelled. */
export interface EdgeNetworkInput<N = string> {
    /** The edge's namespaces: the metrics namespace and the agents' (node-exporter runs on the host network). */
    readonly namespaces: readonly N[];
    readonly metrics: { readonly namespace: N; readonly pods: MetricsAgentPodSelectors };
    readonly agents: { readonly namespace: N; readonly pods: AlloyPodSelectors };
    /** Where the API server's addresses lie. */
    readonly apiServerCidrs: readonly string[];
}

/**
 * Ports of the central ingest host: HTTPS, or HTTP where the central stack has no TLS (dev). Its
 * addresses are the central side's, which an edge cannot know: any address, on these ports only.
 */
export const centralIngestPorts = tcp(443, 80);

/**
 * An edge's workloads and every connection they need: the Prometheus agent scrapes the cluster and
 * writes to the central platform, Alloy reads the API server, receives applications' pushes and
 * sends to the central platform; the operator and kube-state-metrics talk to the API server.
 */
export function edgeFlows<N>(p: EdgeNetworkInput<N>): NetworkModel<N> {
    const { metrics: m, agents: a } = p;
    const workloads: Workload<N>[] = [
        { name: "prometheus-operator", namespace: m.namespace, selector: m.pods.operator },
        { name: "prometheus-admission-jobs", namespace: m.namespace, selector: m.pods.admissionJobs },
        { name: "kube-state-metrics", namespace: m.namespace, selector: m.pods.kubeStateMetrics },
        { name: "prometheus-agent", namespace: m.namespace, selector: m.pods.agent },
        { name: "alloy", namespace: a.namespace, selector: a.pods.agent },
    ];
    const apiServer: ExternalPeer = { kind: "addresses", name: "api-server", cidrs: p.apiServerCidrs };
    const nodes: ExternalPeer = { kind: "addresses", name: "nodes", cidrs: anyAddress };
    const central: ExternalPeer = { kind: "addresses", name: "central ingest", cidrs: anyAddress };
    const applications: ExternalPeer = { kind: "outsidePlatform", name: "applications" };

    const flows: Flow[] = [];
    const flow = (from: Flow["from"], to: Flow["to"], ports: Flow["ports"], why: string) => flows.push({ from, to, ports, why });
    // The agent scrapes the edge's own parts, itself, the nodes' host network and applications anywhere else.
    flow("prometheus-agent", "prometheus-operator", tcp(metricsPodPorts.operator), "scrape prometheus-operator");
    flow("prometheus-agent", "kube-state-metrics", tcp(metricsPodPorts.kubeStateMetrics), "scrape kube-state-metrics");
    flow("prometheus-agent", "prometheus-agent", tcp(prometheusPort, metricsPodPorts.configReloader), "scrape itself and its config reloader");
    flow("prometheus-agent", "alloy", tcp(alloyPorts.http), "scrape alloy");
    flow("prometheus-agent", nodes, tcp(...Object.values(nodeScrapePorts)), "scrape kubelet, node-exporter and the control plane");
    flow("prometheus-agent", applications, "any", "scrape applications");
    flow("prometheus-agent", central, centralIngestPorts, "remote write to the central ingest gateway");
    flow("prometheus-agent", apiServer, apiServerPorts, "Kubernetes service discovery; scrape the API server");
    // The operator and its webhook, kube-state-metrics.
    flow("prometheus-operator", apiServer, apiServerPorts, "reconcile the Prometheus agent and monitors");
    flow(apiServer, "prometheus-operator", tcp(metricsPodPorts.operator), "admission webhook (PrometheusRule validation)");
    flow("prometheus-admission-jobs", apiServer, apiServerPorts, "create and patch the webhook certificate");
    flow("kube-state-metrics", apiServer, apiServerPorts, "list and watch objects");
    // Alloy: this node's pods from the API server; applications push to it; it sends to the central gateway.
    flow("alloy", apiServer, apiServerPorts, "discover this node's pods");
    flow(applications, "alloy", tcp(alloyPorts.otlpGrpc, alloyPorts.otlpHttp, alloyPorts.lokiPush, alloyPorts.remoteWrite), "applications push OTLP, logs and samples");
    flow("alloy", central, centralIngestPorts, "logs, traces and applications' samples to the central ingest gateway");
    return { namespaces: p.namespaces, workloads, flows };
}

export interface EdgeNetworkPoliciesArgs {
    /** The namespaces the edge creates, keyed by a stable name for the Pulumi resources; values from the Namespace resources. */
    readonly namespaces: Readonly<Record<string, pulumi.Input<string>>>;
    readonly edge: Omit<EdgeNetworkInput<pulumi.Input<string>>, "namespaces">;
}

/** An edge's NetworkPolicies: a default deny and DNS in each namespace, and one allow policy per workload for exactly `edgeFlows`. */
export class EdgeNetworkPolicies extends pulumi.ComponentResource {
    /** The resolved model, for tests and review. */
    public readonly model: pulumi.Output<NetworkModel>;
    /** `namespace/name` of every policy created. */
    public readonly policyNames: pulumi.Output<string[]>;

    constructor(name: string, args: EdgeNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:network:EdgeNetworkPolicies", name, {}, opts);
        const unresolved = edgeFlows({ ...args.edge, namespaces: Object.values(args.namespaces) });
        ({ model: this.model, policyNames: this.policyNames } = networkPolicyResources(name, args.namespaces, unresolved, this));
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
