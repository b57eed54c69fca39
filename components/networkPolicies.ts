import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alloyPorts, AlloyPodSelectors } from "./alloy";
import { ingestGatewayPort, IngestGatewayPodSelectors } from "./fleetIngest";
import { grafanaContainerPort, grafanaGossipPort, GrafanaPodSelectors } from "./grafana";
import { LokiMode, lokiPodPorts, LokiPodSelectors } from "./loki";
import { alertmanagerPort, metricsPodPorts, MetricsPodSelectors, nodeScrapePorts, prometheusPort, thanosSidecarGrpcPort } from "./metrics";
import { minioApiPort, MinioPodSelectors } from "./minio";
import { tempoDistributedTargets, tempoInternalPorts, tempoPorts, TracePods } from "./traceStore";
import { thanosGrpcPort, thanosHttpPort, ThanosPodSelectors, thanosRemoteWritePort } from "./thanos";

// ---------------------------------------------------------------------------------------------
// The model: workloads, the flows between them, and how they become NetworkPolicies
// ---------------------------------------------------------------------------------------------

/** Labels that select pods or namespaces (`matchLabels`). */
export type Labels = Readonly<Record<string, string>>;

/** A Kubernetes label selector; `{}` selects everything. */
export interface LabelSelector {
    readonly matchLabels?: Labels;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; readonly values?: readonly string[] }[];
}

export type Protocol = "TCP" | "UDP";
export interface PortSpec {
    readonly port: number;
    readonly protocol: Protocol;
}
export const tcp = (...ports: number[]): PortSpec[] => ports.map((port) => ({ port, protocol: "TCP" }));
export const udp = (...ports: number[]): PortSpec[] => ports.map((port) => ({ port, protocol: "UDP" }));

/** The pods of one part of the platform; each workload gets an allow policy of its own. */
export interface Workload<N = string> {
    /** Unique in the platform; the policy is `lgtm-allow-<name>`. */
    readonly name: string;
    readonly namespace: N;
    /** The labels its chart puts on its pods. */
    readonly selector: Labels;
}

/** A peer the platform does not deploy. */
export type ExternalPeer =
    /** Addresses outside the pod network: the API server, the nodes' host network, the internet. */
    | { readonly kind: "addresses"; readonly name: string; readonly cidrs: readonly string[] }
    /** Pods chosen by namespace and pod labels (`{}` matches all). */
    | { readonly kind: "pods"; readonly name: string; readonly namespaceSelector: LabelSelector; readonly podSelector: LabelSelector }
    /** Every pod in a namespace that is not one of the platform's: the applications. */
    | { readonly kind: "outsidePlatform"; readonly name: string };

/**
 * One connection the wiring needs: `from` opens it to `to`. A workload is named by its `name`. A
 * flow between two workloads becomes an egress rule of the one and an ingress rule of the other; a
 * flow with an external end only the rule on the platform's side.
 */
export interface Flow {
    readonly from: string | ExternalPeer;
    readonly to: string | ExternalPeer;
    /** The destination's ports, or `"any"` (scraping applications, whose ports nobody knows in advance). */
    readonly ports: readonly PortSpec[] | "any";
    /** What it is for (shown in errors and tests). */
    readonly why: string;
}

export interface NetworkModel<N = string> {
    /** Every namespace the platform runs pods in; each gets a default deny and DNS. */
    readonly namespaces: readonly N[];
    readonly workloads: readonly Workload<N>[];
    readonly flows: readonly Flow[];
}

export interface NetworkPolicyPeer {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
    readonly ipBlock?: { readonly cidr: string };
}
export interface NetworkPolicyPort {
    readonly protocol: Protocol;
    readonly port: number;
}
export interface NetworkPolicySpec {
    readonly podSelector: LabelSelector;
    readonly policyTypes: readonly ("Ingress" | "Egress")[];
    readonly ingress?: readonly { readonly from: readonly NetworkPolicyPeer[]; readonly ports?: readonly NetworkPolicyPort[] }[];
    readonly egress?: readonly { readonly to: readonly NetworkPolicyPeer[]; readonly ports?: readonly NetworkPolicyPort[] }[];
}
export interface NetworkPolicyManifest {
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Labels };
    readonly spec: NetworkPolicySpec;
}

export interface NetworkPolicyPlan {
    /** Per namespace: `lgtm-default-deny` and `lgtm-allow-dns`. */
    readonly namespaces: Readonly<Record<string, readonly NetworkPolicyManifest[]>>;
    /** Per workload name: its `lgtm-allow-<name>` policy. */
    readonly workloads: Readonly<Record<string, NetworkPolicyManifest>>;
}

/** The label Kubernetes (1.21+) puts on every namespace, with the namespace's name. */
export const namespaceNameLabel = "kubernetes.io/metadata.name";

/** The port DNS answers on, UDP and TCP: the cluster DNS Service's and its pods'. */
export const dnsPort = 53;

/**
 * The cluster's DNS: the CoreDNS (or kube-dns) pods, labelled `k8s-app: kube-dns` in kube-system
 * by kubeadm, kind, minikube, EKS, GKE and AKS alike. Selecting the pods (not the Service address)
 * works because CNIs apply policy after kube-proxy has translated the Service address.
 */
export const clusterDns = {
    peer: { namespaceSelector: { matchLabels: { [namespaceNameLabel]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
    ports: [...udp(dnsPort), ...tcp(dnsPort)],
} as const;

/** Labels on every policy this module creates, so they can be listed together. */
export const policyLabels: Labels = { "app.kubernetes.io/part-of": "lgtm-stack", "app.kubernetes.io/component": "network-policy" };
export const defaultDenyName = "lgtm-default-deny";
export const allowDnsName = "lgtm-allow-dns";
export const allowPolicyName = (workload: string) => `lgtm-allow-${workload}`;

const isWorkloadRef = (end: string | ExternalPeer): end is string => typeof end === "string";
const endName = (end: string | ExternalPeer) => (isWorkloadRef(end) ? end : end.name);

function checkModel(model: NetworkModel): void {
    const names = new Set<string>();
    for (const w of model.workloads) {
        if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(w.name)) throw new Error(`network: workload name "${w.name}" must be a DNS label of at most 42 characters`);
        if (names.has(w.name)) throw new Error(`network: workload "${w.name}" is declared twice`);
        names.add(w.name);
        if (!model.namespaces.includes(w.namespace)) {
            throw new Error(`network: workload "${w.name}" runs in namespace "${w.namespace}", which is not among the platform's namespaces (${model.namespaces.join(", ")}), so nothing would deny its other traffic`);
        }
        if (Object.keys(w.selector).length === 0) throw new Error(`network: workload "${w.name}" has an empty selector, which would select every pod of its namespace`);
    }
    for (const f of model.flows) {
        for (const end of [f.from, f.to]) {
            if (isWorkloadRef(end) && !names.has(end)) throw new Error(`network: flow "${f.why}" refers to unknown workload "${end}"`);
        }
        if (!isWorkloadRef(f.from) && !isWorkloadRef(f.to)) throw new Error(`network: flow "${f.why}" (${endName(f.from)} → ${endName(f.to)}) has no platform workload at either end`);
        if (f.ports !== "any") {
            if (f.ports.length === 0) throw new Error(`network: flow "${f.why}" lists no port; use "any" to allow every port`);
            for (const p of f.ports) {
                if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new Error(`network: flow "${f.why}" has port ${p.port}; expected 1-65535`);
            }
        }
    }
}

/**
 * The NetworkPolicies of a model: in every namespace a default deny (ingress and egress, every pod)
 * and DNS for every pod; per workload one policy with an ingress rule for each flow into it and an
 * egress rule for each flow out of it. Kubernetes adds policies up, so a pod selected by several
 * (a workload's and the namespace's) may do what any of them allows. Pure.
 */
export function buildNetworkPolicies(model: NetworkModel): NetworkPolicyPlan {
    checkModel(model);
    const byName = new Map(model.workloads.map((w) => [w.name, w]));
    const platformNamespaces = [...new Set(model.namespaces)].sort();

    const peers = (end: string | ExternalPeer): NetworkPolicyPeer[] => {
        if (isWorkloadRef(end)) {
            const w = byName.get(end)!;
            return [{ namespaceSelector: { matchLabels: { [namespaceNameLabel]: w.namespace } }, podSelector: { matchLabels: w.selector } }];
        }
        switch (end.kind) {
            case "addresses":
                return end.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
            case "pods":
                return [{ namespaceSelector: end.namespaceSelector, podSelector: end.podSelector }];
            case "outsidePlatform":
                return [{ namespaceSelector: { matchExpressions: [{ key: namespaceNameLabel, operator: "NotIn", values: platformNamespaces }] }, podSelector: {} }];
        }
    };
    const ports = (f: Flow) => (f.ports === "any" ? {} : { ports: f.ports.map((p) => ({ protocol: p.protocol, port: p.port })) });
    // Two flows may come to the same rule (e.g. scraped and queried on the same port); one is enough.
    const unique = <T>(rules: T[]) => [...new Map(rules.map((r) => [JSON.stringify(r), r])).values()];

    const namespaces: Record<string, NetworkPolicyManifest[]> = {};
    for (const namespace of platformNamespaces) {
        namespaces[namespace] = [
            { metadata: { name: defaultDenyName, namespace, labels: policyLabels }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
            {
                metadata: { name: allowDnsName, namespace, labels: policyLabels },
                spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [clusterDns.peer], ports: clusterDns.ports }] },
            },
        ];
    }
    const workloads: Record<string, NetworkPolicyManifest> = {};
    for (const w of model.workloads) {
        const ingress = unique(model.flows.filter((f) => f.to === w.name).map((f) => ({ from: peers(f.from), ...ports(f) })));
        const egress = unique(model.flows.filter((f) => f.from === w.name).map((f) => ({ to: peers(f.to), ...ports(f) })));
        workloads[w.name] = {
            metadata: { name: allowPolicyName(w.name), namespace: w.namespace, labels: policyLabels },
            spec: { podSelector: { matchLabels: w.selector }, policyTypes: ["Ingress", "Egress"], ingress, egress },
        };
    }
    return { namespaces, workloads };
}

// ---------------------------------------------------------------------------------------------
// The platform's traffic
// ---------------------------------------------------------------------------------------------

/**
 * Ports of the API server: 443 is the `kubernetes` Service, 6443 the port behind it on kubeadm,
 * kind and most managed clusters; CNIs see the latter once kube-proxy has translated the address.
 */
export const apiServerPorts = tcp(443, 6443);
/** Every address, both families: for targets whose addresses the platform cannot know. */
export const anyAddress = ["0.0.0.0/0", "::/0"] as const;

/** What the platform's traffic depends on: where each release runs and what its pods are labelled. */
export interface PlatformNetworkInput<N = string> {
    /** Every namespace the platform creates. */
    readonly namespaces: readonly N[];
    /** MinIO deployed with the platform, or an S3 service elsewhere, reached at addresses and a port. */
    readonly objectStorage:
        { readonly kind: "minio"; readonly namespace: N; readonly pods: MinioPodSelectors; readonly distributed: boolean } | { readonly kind: "external"; readonly cidrs: readonly string[]; readonly port: number };
    readonly metrics: { readonly namespace: N; readonly pods: MetricsPodSelectors };
    /** `receive`: Thanos Receive runs (with a fleet), its router and ingestors. */
    readonly thanos: { readonly namespace: N; readonly pods: ThanosPodSelectors; readonly receive: boolean };
    /** `zoneAware`: ingesters in zones, restarted zone by zone by the rollout-operator. */
    readonly logs: { readonly namespace: N; readonly pods: LokiPodSelectors; readonly mode: LokiMode; readonly zoneAware: boolean };
    readonly traces: { readonly namespace: N; readonly pods: TracePods };
    readonly agents: { readonly namespace: N; readonly pods: AlloyPodSelectors };
    readonly grafana: {
        readonly namespace: N;
        readonly pods: GrafanaPodSelectors;
        readonly ingress: boolean;
        /** Several replicas gossip (unified alerting's HA). */
        readonly replicas: number;
        /** An external database, by its addresses and port; undefined keeps SQLite in the pod. */
        readonly database?: { readonly cidrs: readonly string[]; readonly port: number };
    };
    /** Where the API server's addresses lie (it is not a pod; its address depends on the cluster). */
    readonly apiServerCidrs: readonly string[];
    /** Namespaces of the ingress controllers that may reach Grafana and the fleet's ingest gateway; undefined: any namespace. */
    readonly ingressNamespaceSelector?: Labels;
    /** The fleet's ingest gateway (with `fleet.edges`): members reach it through the ingress controller. */
    readonly fleet?: { readonly namespace: N; readonly pods: IngestGatewayPodSelectors };
    /** Whether Alertmanager sends notifications (it then needs the internet). */
    readonly alertNotifications: boolean;
    /**
     * Parts deployed only when config asks for them (stacks/collection.ts: the blackbox exporter, the
     * Pushgateway, Prometheus' static targets), with their flows; they may name the workloads above.
     */
    readonly optional?: { readonly workloads: readonly Workload<N>[]; readonly flows: readonly Flow[] };
}

/**
 * The platform's workloads and every connection its wiring needs, nothing more. Workload names
 * depend only on the releases (never on namespaces), so the namespace type is free: plain strings
 * in tests, Pulumi outputs in the component. Read it like the architecture diagram.
 */
export function platformFlows<N>(p: PlatformNetworkInput<N>): NetworkModel<N> {
    const { objectStorage: os, metrics: m, thanos: t, logs: l, traces: tr, agents: a, grafana: g, fleet } = p;
    // Tempo as one binary is one workload; as microservices, one per part (they talk differently) and memcached.
    const kebab = (target: string) => target.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const tempoPart = (target: (typeof tempoDistributedTargets)[number]) => (tr.pods.topology === "monolithic" ? "tempo" : `tempo-${kebab(target)}`);
    const tempoWorkloads: Workload<N>[] =
        tr.pods.topology === "monolithic"
            ? [{ name: "tempo", namespace: tr.namespace, selector: tr.pods.server }]
            : [
                  ...tempoDistributedTargets.map((t) => ({ name: tempoPart(t), namespace: tr.namespace, selector: (tr.pods as Extract<TracePods, { topology: "distributed" }>).parts[t] })),
                  { name: "tempo-memcached", namespace: tr.namespace, selector: tr.pods.cache },
              ];
    const tempoTargets = [...new Set(tempoDistributedTargets.map(tempoPart))];

    const workloads: Workload<N>[] = [
        ...(os.kind === "minio"
            ? [
                  { name: "minio", namespace: os.namespace, selector: os.pods.server },
                  { name: "minio-jobs", namespace: os.namespace, selector: os.pods.jobs },
              ]
            : []),
        { name: "prometheus-operator", namespace: m.namespace, selector: m.pods.operator },
        { name: "prometheus-admission-jobs", namespace: m.namespace, selector: m.pods.admissionJobs },
        { name: "kube-state-metrics", namespace: m.namespace, selector: m.pods.kubeStateMetrics },
        { name: "prometheus", namespace: m.namespace, selector: m.pods.prometheus },
        { name: "alertmanager", namespace: m.namespace, selector: m.pods.alertmanager },
        { name: "thanos-query", namespace: t.namespace, selector: t.pods.query },
        { name: "thanos-query-frontend", namespace: t.namespace, selector: t.pods.queryFrontend },
        { name: "thanos-store-gateway", namespace: t.namespace, selector: t.pods.storeGateway },
        { name: "thanos-compactor", namespace: t.namespace, selector: t.pods.compactor },
        { name: "thanos-ruler", namespace: t.namespace, selector: t.pods.ruler },
        ...(t.receive
            ? [
                  { name: "thanos-receive-router", namespace: t.namespace, selector: t.pods.receiveRouter },
                  { name: "thanos-receive-ingestor", namespace: t.namespace, selector: t.pods.receiveIngestor },
              ]
            : []),
        { name: "loki", namespace: l.namespace, selector: l.pods.targets },
        { name: "loki-gateway", namespace: l.namespace, selector: l.pods.gateway },
        { name: "loki-canary", namespace: l.namespace, selector: l.pods.canary },
        { name: "loki-chunks-cache", namespace: l.namespace, selector: l.pods.chunksCache },
        { name: "loki-results-cache", namespace: l.namespace, selector: l.pods.resultsCache },
        ...(l.zoneAware ? [{ name: "loki-rollout-operator", namespace: l.namespace, selector: l.pods.rolloutOperator }] : []),
        ...tempoWorkloads,
        { name: "alloy", namespace: a.namespace, selector: a.pods.agent },
        { name: "grafana", namespace: g.namespace, selector: g.pods.server },
        ...(fleet ? [{ name: "fleet-ingest", namespace: fleet.namespace, selector: fleet.pods.gateway }] : []),
    ];

    const apiServer: ExternalPeer = { kind: "addresses", name: "api-server", cidrs: p.apiServerCidrs };
    const nodes: ExternalPeer = { kind: "addresses", name: "nodes", cidrs: anyAddress };
    const internet: ExternalPeer = { kind: "addresses", name: "internet", cidrs: anyAddress };
    const applications: ExternalPeer = { kind: "outsidePlatform", name: "applications" };
    const ingressControllers: ExternalPeer = {
        kind: "pods",
        name: "ingress controllers",
        namespaceSelector: p.ingressNamespaceSelector ? { matchLabels: p.ingressNamespaceSelector } : {},
        podSelector: {},
    };

    const flows: Flow[] = [];
    const flow = (from: Flow["from"], to: Flow["to"], ports: Flow["ports"], why: string) => flows.push({ from, to, ports, why });

    // Prometheus scrapes every part of the platform on its metrics ports (their ServiceMonitors,
    // PodMonitors and MinIO's Probe), the nodes' host network, and applications anywhere else.
    const scraped: [string, PortSpec[]][] = [
        ...(os.kind === "minio" ? [["minio", tcp(minioApiPort)] as [string, PortSpec[]]] : []),
        ["prometheus-operator", tcp(metricsPodPorts.operator)],
        ["kube-state-metrics", tcp(metricsPodPorts.kubeStateMetrics)],
        ["prometheus", tcp(prometheusPort, metricsPodPorts.configReloader, metricsPodPorts.thanosSidecarHttp)],
        ["alertmanager", tcp(alertmanagerPort, metricsPodPorts.configReloader)],
        ["thanos-query", tcp(thanosHttpPort)],
        ["thanos-query-frontend", tcp(thanosHttpPort)],
        ["thanos-store-gateway", tcp(thanosHttpPort)],
        ["thanos-compactor", tcp(thanosHttpPort)],
        ["thanos-ruler", tcp(thanosHttpPort)],
        ...(t.receive ? (["thanos-receive-router", "thanos-receive-ingestor"].map((r) => [r, tcp(thanosHttpPort)]) as [string, PortSpec[]][]) : []),
        ["loki", tcp(lokiPodPorts.http)],
        ["loki-gateway", tcp(lokiPodPorts.gatewayMetrics)],
        ["loki-canary", tcp(lokiPodPorts.canaryMetrics)],
        ["loki-chunks-cache", tcp(lokiPodPorts.memcachedExporter)],
        ["loki-results-cache", tcp(lokiPodPorts.memcachedExporter)],
        ...tempoTargets.map((t): [string, PortSpec[]] => [t, tcp(tempoPorts.http)]),
        ["alloy", tcp(alloyPorts.http)],
        ["grafana", tcp(grafanaContainerPort)],
    ];
    for (const [target, ports] of scraped) flow("prometheus", target, ports, `scrape ${target}`);
    flow("prometheus", nodes, tcp(...Object.values(nodeScrapePorts)), "scrape kubelet, node-exporter and the control plane");
    // MonitoredApp registers targets in any namespace, on any port.
    flow("prometheus", applications, "any", "scrape applications");

    // The API server: operators, discovery and sidecars that watch ConfigMaps.
    flow("prometheus-operator", apiServer, apiServerPorts, "reconcile Prometheus, Alertmanager and monitors");
    flow(apiServer, "prometheus-operator", tcp(metricsPodPorts.operator), "admission webhook (PrometheusRule validation)");
    flow("prometheus-admission-jobs", apiServer, apiServerPorts, "create and patch the webhook certificate");
    flow("kube-state-metrics", apiServer, apiServerPorts, "list and watch objects");
    flow("prometheus", apiServer, apiServerPorts, "Kubernetes service discovery; scrape the API server");
    flow("alloy", apiServer, apiServerPorts, "discover this node's pods");
    flow("grafana", apiServer, apiServerPorts, "dashboard sidecar watches ConfigMaps");
    // Only the single binary carries the chart's rules sidecar; Distributed Loki's ruler does not.
    if (l.mode === "Monolithic") flow("loki", apiServer, apiServerPorts, "rules sidecar watches ConfigMaps");
    if (l.zoneAware) flow("loki-rollout-operator", apiServer, apiServerPorts, "watch the zone StatefulSets and delete their pods zone by zone");

    // Metrics: alerts, Alertmanager's cluster, notifications.
    flow("prometheus", "alertmanager", tcp(alertmanagerPort), "send alerts");
    flow("alertmanager", "alertmanager", [...tcp(metricsPodPorts.alertmanagerCluster), ...udp(metricsPodPorts.alertmanagerCluster)], "cluster gossip");
    // Receiver URLs are secrets, so their hosts cannot be named here; webhooks are HTTP(S).
    if (p.alertNotifications) flow("alertmanager", internet, tcp(443, 80), "notify Slack and webhooks");

    // Thanos: the global view over the sidecars, the store gateway and the ruler.
    flow("thanos-query-frontend", "thanos-query", tcp(thanosHttpPort), "split and cache queries");
    flow("thanos-query", "prometheus", tcp(thanosSidecarGrpcPort), "Store API of the Prometheus sidecars");
    flow("thanos-query", "thanos-store-gateway", tcp(thanosGrpcPort), "Store API of the store gateway");
    flow("thanos-query", "thanos-ruler", tcp(thanosGrpcPort), "Store API of the ruler");
    flow("thanos-ruler", "thanos-query", tcp(thanosHttpPort), "evaluate rules");
    flow("thanos-ruler", "alertmanager", tcp(alertmanagerPort), "send alerts");
    if (t.receive) {
        // The router forwards each write (over gRPC) to the ingestors of the hashring, as many as the
        // replication factor; ingestors never talk to each other. Query reads them like any store.
        flow("thanos-receive-router", "thanos-receive-ingestor", tcp(thanosGrpcPort), "forward and replicate remote writes (hashring)");
        flow("thanos-query", "thanos-receive-ingestor", tcp(thanosGrpcPort), "Store API of the receive ingestors");
    }

    // Loki: its targets talk to each other (HTTP, gRPC, memberlist) and to their caches; the gateway
    // fronts them for writers and readers; the canary writes and reads through the gateway.
    flow("loki", "loki", tcp(lokiPodPorts.http, lokiPodPorts.grpc, lokiPodPorts.memberlist), "between Loki targets");
    flow("loki", "loki-chunks-cache", tcp(lokiPodPorts.memcached), "chunks cache");
    flow("loki", "loki-results-cache", tcp(lokiPodPorts.memcached), "results cache");
    flow("loki-gateway", "loki", tcp(lokiPodPorts.http), "route pushes and queries");
    flow("loki-canary", "loki-gateway", tcp(lokiPodPorts.gateway), "canary pushes and queries");

    // Object storage: every writer and reader of a bucket (Tempo: the parts that flush, poll or read blocks).
    const tempoStorageUsers = [...new Set((["ingester", "querier", "queryFrontend", "compactor"] as const).map(tempoPart))];
    const bucketUsers = ["prometheus", "thanos-store-gateway", "thanos-compactor", "thanos-ruler", ...(t.receive ? ["thanos-receive-ingestor"] : []), "loki", ...tempoStorageUsers];
    if (os.kind === "minio") {
        for (const consumer of bucketUsers) flow(consumer, "minio", tcp(minioApiPort), `${consumer} reads and writes its bucket`);
        flow("minio-jobs", "minio", tcp(minioApiPort), "create buckets");
        if (os.distributed) flow("minio", "minio", tcp(minioApiPort), "erasure-coded set between MinIO pods");
    } else {
        // A host name resolves to addresses nobody can list in advance (AWS rotates them): network.objectStorageCidrs narrows them.
        const store: ExternalPeer = { kind: "addresses", name: "object storage", cidrs: os.cidrs };
        for (const consumer of bucketUsers) flow(consumer, store, tcp(os.port), `${consumer} reads and writes its bucket`);
    }

    // Traces: Tempo writes span metrics and service graphs into Prometheus.
    flow(tempoPart("metricsGenerator"), "prometheus", tcp(prometheusPort), "metrics generator remote write");
    if (tr.pods.topology === "distributed") {
        const { grpc, memberlist, memcached } = tempoInternalPorts;
        for (const a of tempoTargets) for (const b of tempoTargets) flow(a, b, tcp(memberlist), "memberlist gossip (the hash rings)");
        flow(tempoPart("distributor"), tempoPart("ingester"), tcp(grpc), "push spans to the ingesters");
        flow(tempoPart("distributor"), tempoPart("metricsGenerator"), tcp(grpc), "push spans to the metrics generator");
        flow(tempoPart("querier"), tempoPart("ingester"), tcp(grpc), "recent traces from the ingesters");
        flow(tempoPart("querier"), tempoPart("queryFrontend"), tcp(grpc), "queriers pull jobs from the query-frontend");
        for (const reader of ["querier", "queryFrontend"] as const) flow(tempoPart(reader), "tempo-memcached", tcp(memcached), "bloom, footer and search caches");
    }

    // Applications may push and nothing else: the endpoints the stack exports are the agent's
    // receivers, which serve no query. Loki's gateway and Prometheus' port also answer queries and
    // admin calls, so applications never reach them (docs/security.md).
    flow(
        applications,
        "alloy",
        tcp(alloyPorts.otlpGrpc, alloyPorts.otlpHttp, alloyPorts.lokiPush, alloyPorts.remoteWrite),
        "applications push OTLP, logs and samples (the otlp*Endpoint, lokiPushUrl and prometheusRemoteWriteUrl outputs)",
    );

    // The agent: logs to Loki, traces to Tempo, applications' samples to Prometheus' remote-write receiver.
    flow("alloy", "loki-gateway", tcp(lokiPodPorts.gateway), "push logs");
    flow("alloy", tempoPart("distributor"), tcp(tempoPorts.otlpGrpc), "forward traces (OTLP gRPC)");
    flow("alloy", "prometheus", tcp(prometheusPort), "forward applications' samples (remote write)");

    // Grafana reads every datasource; people reach it through the ingress controller.
    flow("grafana", "thanos-query-frontend", tcp(thanosHttpPort), "Metrics datasource");
    flow("grafana", "loki-gateway", tcp(lokiPodPorts.gateway), "Logs datasource");
    flow("grafana", tempoPart("queryFrontend"), tcp(tempoPorts.http), "Traces datasource");
    flow("grafana", "alertmanager", tcp(alertmanagerPort), "Alertmanager datasource");
    if (g.ingress) flow(ingressControllers, "grafana", tcp(grafanaContainerPort), "users through the ingress controller");
    if (g.replicas > 1) flow("grafana", "grafana", [...tcp(grafanaGossipPort), ...udp(grafanaGossipPort)], "alerting HA gossip between replicas");
    if (g.database) flow("grafana", { kind: "addresses", name: "Grafana database", cidrs: g.database.cidrs }, tcp(g.database.port), "Grafana's external database");

    // The fleet: members reach the ingest gateway through the ingress controller; the gateway
    // forwards each signal to its receiver's push port, and to nothing else.
    if (fleet) {
        flow(ingressControllers, "fleet-ingest", tcp(ingestGatewayPort), "fleet members through the ingress controller");
        flow("fleet-ingest", "thanos-receive-router", tcp(thanosRemoteWritePort), "members' remote writes");
        flow("fleet-ingest", "loki-gateway", tcp(lokiPodPorts.gateway), "members' log pushes");
        flow("fleet-ingest", tempoPart("distributor"), tcp(tempoPorts.otlpHttp), "members' traces (OTLP HTTP)");
    }

    return { namespaces: p.namespaces, workloads: [...workloads, ...(p.optional?.workloads ?? [])], flows: [...flows, ...(p.optional?.flows ?? [])] };
}

// ---------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------

export interface PlatformNetworkPoliciesArgs {
    /**
     * Every namespace the platform creates, keyed by a stable name for the Pulumi resources (the
     * namespace's configured name); the values should be the Namespace resources' names, so the
     * policies wait for them.
     */
    readonly namespaces: Readonly<Record<string, pulumi.Input<string>>>;
    /** The releases' namespaces (from their status), pod labels and the settings that change the traffic. */
    readonly platform: Omit<PlatformNetworkInput<pulumi.Input<string>>, "namespaces">;
}

function pick<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`network: the plan has no ${what}`);
    return value;
}

/**
 * NetworkPolicies for the whole platform: a default deny and DNS in each namespace, and one allow
 * policy per workload for exactly the traffic `platformFlows` lists. Which policies exist depends
 * only on names and settings, never on outputs, so a preview shows every one of them.
 */
export class PlatformNetworkPolicies extends pulumi.ComponentResource {
    /** The resolved model (workloads with their namespaces, and the flows), for tests and review. */
    public readonly model: pulumi.Output<NetworkModel>;
    /** `namespace/name` of every policy created. */
    public readonly policyNames: pulumi.Output<string[]>;

    constructor(name: string, args: PlatformNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:network:PlatformNetworkPolicies", name, {}, opts);
        const unresolved = platformFlows({ ...args.platform, namespaces: Object.values(args.namespaces) });
        ({ model: this.model, policyNames: this.policyNames } = networkPolicyResources(name, args.namespaces, unresolved, this));
        this.registerOutputs({ policyNames: this.policyNames });
    }
}

/**
 * The NetworkPolicies of a model whose namespaces are outputs, as children of `parent`: a default
 * deny and DNS in each of `namespaces` (keyed by a stable name for the Pulumi resources), and one
 * allow policy per workload. Which policies exist depends only on names, never on outputs, so a
 * preview shows every one of them.
 */
export function networkPolicyResources(
    name: string,
    namespaces: Readonly<Record<string, pulumi.Input<string>>>,
    unresolved: NetworkModel<pulumi.Input<string>>,
    parent: pulumi.Resource,
): { model: pulumi.Output<NetworkModel>; policyNames: pulumi.Output<string[]> } {
    const model = pulumi.all([pulumi.all([...unresolved.namespaces]), pulumi.all(unresolved.workloads.map((w) => w.namespace))]).apply(([resolvedNamespaces, workloadNamespaces]): NetworkModel => ({
        namespaces: resolvedNamespaces,
        workloads: unresolved.workloads.map((w, i) => ({ ...w, namespace: workloadNamespaces[i] })),
        flows: unresolved.flows,
    }));
    const plan = model.apply(buildNetworkPolicies);

    const policy = (resourceName: string, manifest: pulumi.Output<NetworkPolicyManifest>) =>
        new k8s.networking.v1.NetworkPolicy(
            resourceName,
            {
                metadata: manifest.apply((m) => ({ name: m.metadata.name, namespace: m.metadata.namespace, labels: { ...m.metadata.labels } })),
                // The plan's types are read-only views of the same JSON shape.
                spec: manifest.apply((m) => m.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec),
            },
            { parent },
        );
    const created: k8s.networking.v1.NetworkPolicy[] = [];
    for (const [key, namespace] of Object.entries(namespaces)) {
        const inNamespace = (policyName: string) =>
            pulumi.all([plan, namespace]).apply(([p, ns]) =>
                pick(
                    p.namespaces[ns]?.find((m) => m.metadata.name === policyName),
                    `${policyName} in namespace ${ns}`,
                ),
            );
        created.push(policy(`${name}-${key}-default-deny`, inNamespace(defaultDenyName)));
        created.push(policy(`${name}-${key}-allow-dns`, inNamespace(allowDnsName)));
    }
    for (const w of unresolved.workloads) {
        created.push(
            policy(
                `${name}-${w.name}`,
                plan.apply((p) => pick(p.workloads[w.name], `policy for workload ${w.name}`)),
            ),
        );
    }
    return { model, policyNames: pulumi.all(created.map((c) => pulumi.interpolate`${c.metadata.namespace}/${c.metadata.name}`)) };
}
