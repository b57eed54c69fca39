import { strict as assert } from "assert";
import { alertmanagerPort, metricsPodPorts, metricsPodSelectors, nodeScrapePorts, prometheusPort, thanosSidecarGrpcPort } from "../components/metrics";
import { alloyPodSelectors, alloyPorts } from "../components/alloy";
import { grafanaContainerPort, grafanaGossipPort, grafanaPodSelectors } from "../components/grafana";
import { lokiPodPorts, lokiPodSelectors } from "../components/loki";
import { minioApiPort, minioPodSelectors } from "../components/minio";
import {
    allowDnsName,
    allowPolicyName,
    buildNetworkPolicies,
    clusterDns,
    defaultDenyName,
    Flow,
    namespaceNameLabel,
    NetworkModel,
    NetworkPolicyPlan,
    PlatformNetworkInput,
    platformFlows,
    tcp,
    udp,
} from "../components/networkPolicies";
import { blackboxPort } from "../components/probes";
import { pushgatewayPort } from "../components/pushgateway";
import { tempoPodSelectors } from "../components/tempo";
import { tempoDistributedPodSelectors } from "../components/tempoDistributed";
import { tempoInternalPorts, tempoPorts } from "../components/traceStore";
import { thanosGrpcPort, thanosHttpPort, thanosPodSelectors, thanosRemoteWritePort } from "../components/thanos";
import { ingestGatewayPodSelectors, ingestGatewayPort } from "../components/fleetIngest";
import { cidrContains, parseCidr } from "../stacks/cidr";
import type { RawConfig } from "../stacks/config";
import { checkNetworkPolicy } from "../tools/render/checks/networkPolicy";
import { collectStackEvaluation } from "../tools/render/collect";
import { evaluatePlatform, Evaluation, valueOf } from "../tools/render/evaluate";
import { connectionAllowed, egressAllowed, Endpoint, ingressAllowed, NetworkPolicy, networkPoliciesOf, peerMatches, PodEndpoint, policiesSelecting, policyTypesOf, portMatches } from "../tools/render/networkPolicy";
import { allObjects, containersOf, selectorMatches } from "../tools/render/objects";
import { configuredTargets, programRelease, RenderedPod, renderedPods, serviceTargets } from "../tools/render/pods";
import { renderModel } from "../tools/render/render";
import { RenderedRelease, StackModel } from "../tools/render/types";
import { chartsDir, chartsUnavailable, projectDir } from "./support/charts";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Namespaces = { objectStorage: string; metrics: string; thanos: string; logs: string; traces: string; grafana: string; agents: string };
const together: Namespaces = { objectStorage: "monitoring", metrics: "monitoring", thanos: "monitoring", logs: "monitoring", traces: "monitoring", grafana: "monitoring", agents: "monitoring" };
const apart: Namespaces = { objectStorage: "storage", metrics: "metrics", thanos: "thanos", logs: "logs", traces: "traces", grafana: "ui", agents: "agents" };

/** The platform as stacks/platform.ts wires it (its release names), with settings to vary. */
function platformInput(ns: Namespaces = together, over: Partial<PlatformNetworkInput> = {}): PlatformNetworkInput {
    return {
        namespaces: [...new Set(Object.values(ns))],
        objectStorage: { kind: "minio", namespace: ns.objectStorage, pods: minioPodSelectors("minio"), distributed: true },
        metrics: { namespace: ns.metrics, pods: metricsPodSelectors("kps") },
        thanos: { namespace: ns.thanos, pods: thanosPodSelectors("thanos"), receive: false },
        logs: { namespace: ns.logs, pods: lokiPodSelectors("loki"), mode: "Distributed", zoneAware: false },
        traces: { namespace: ns.traces, pods: tempoPodSelectors("tempo") },
        agents: { namespace: ns.agents, pods: alloyPodSelectors("alloy") },
        grafana: { namespace: ns.grafana, pods: grafanaPodSelectors("grafana"), ingress: true, replicas: 1 },
        apiServerCidrs: ["172.18.0.0/16"],
        alertNotifications: false,
        ...over,
    };
}

const allPlanManifests = (plan: NetworkPolicyPlan) => [...Object.values(plan.namespaces).flat(), ...Object.values(plan.workloads)];
const allPolicies = (plan: NetworkPolicyPlan): NetworkPolicy[] => allPlanManifests(plan);

/** A pod of workload `name` of the model, labelled as its selector says, with the given container ports. */
function podOf(model: NetworkModel, name: string, ports: number[] = []): PodEndpoint {
    const w = model.workloads.find((x) => x.name === name);
    assert.ok(w, `no workload ${name}`);
    return { kind: "pod", namespace: w.namespace, labels: { ...w.selector, "pod-template-hash": "abc" }, ports: ports.map((containerPort) => ({ containerPort, protocol: "TCP" })) };
}
const app = (namespace: string): PodEndpoint => ({ kind: "pod", namespace, labels: { app: "shop" } });
const dnsPod: PodEndpoint = { kind: "pod", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
const address = (ip: string): Endpoint => ({ kind: "address", ip });

// ---------------------------------------------------------------------------------------------
// The builder and the platform's flows
// ---------------------------------------------------------------------------------------------

describe("network policies: builder", () => {
    const model = platformFlows(platformInput(apart));
    const plan = buildNetworkPolicies(model);
    const policies = allPolicies(plan);

    it("gives every platform namespace a default deny of all ingress and egress, and DNS for every pod", () => {
        assert.deepEqual(Object.keys(plan.namespaces).sort(), ["agents", "logs", "metrics", "storage", "thanos", "traces", "ui"]);
        for (const [namespace, manifests] of Object.entries(plan.namespaces)) {
            const deny = manifests.find((m) => m.metadata.name === defaultDenyName);
            assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, namespace);
            const dns = manifests.find((m) => m.metadata.name === allowDnsName);
            assert.deepEqual(dns?.spec.podSelector, {}, namespace);
            assert.deepEqual(dns?.spec.policyTypes, ["Egress"]);
            const stranger: PodEndpoint = { kind: "pod", namespace, labels: { anything: "at-all" } };
            for (const protocol of ["UDP", "TCP"] as const) assert.ok(connectionAllowed(policies, stranger, dnsPod, 53, protocol), `${namespace} DNS ${protocol}`);
            assert.ok(!connectionAllowed(policies, stranger, { ...dnsPod, labels: { "k8s-app": "other" } }, 53, "UDP"), "only the DNS pods");
            assert.ok(!connectionAllowed(policies, stranger, dnsPod, 9153), "only port 53");
        }
    });

    it("gives each workload one policy in its namespace that selects its pods and isolates both directions", () => {
        assert.equal(Object.keys(plan.workloads).length, model.workloads.length);
        for (const w of model.workloads) {
            const p = plan.workloads[w.name];
            assert.equal(p.metadata.name, allowPolicyName(w.name));
            assert.equal(p.metadata.namespace, w.namespace);
            assert.deepEqual(p.spec.podSelector, { matchLabels: w.selector });
            assert.deepEqual(p.spec.policyTypes, ["Ingress", "Egress"]);
        }
    });

    it("turns each flow into an egress rule of its source and an ingress rule of its destination, on its ports only", () => {
        const pods = Object.fromEntries(model.workloads.map((w) => [w.name, podOf(model, w.name)]));
        let checked = 0;
        for (const f of model.flows) {
            if (typeof f.from !== "string" || typeof f.to !== "string" || f.ports === "any") continue;
            for (const { port, protocol } of f.ports) {
                assert.ok(egressAllowed(policies, pods[f.from], pods[f.to], port, protocol), `${f.why}: egress of ${f.from}`);
                assert.ok(ingressAllowed(policies, pods[f.to], pods[f.from], port, protocol), `${f.why}: ingress of ${f.to}`);
                checked++;
            }
            const closedPort = 1;
            if (!f.ports.some((p) => p.port === closedPort)) assert.ok(!connectionAllowed(policies, pods[f.from], pods[f.to], closedPort), `${f.why}: only its ports`);
        }
        assert.ok(checked > 40, `${checked} flow ports checked`);
    });

    it("writes a flow with an external end as one rule on the platform's side", () => {
        const grafana = podOf(model, "grafana");
        const operator = podOf(model, "prometheus-operator");
        assert.ok(connectionAllowed(policies, grafana, address("172.18.0.2"), 6443), "Grafana's sidecar reaches the API server");
        assert.ok(!connectionAllowed(policies, grafana, address("10.1.0.2"), 6443), "only at the configured addresses");
        assert.ok(connectionAllowed(policies, address("172.18.0.2"), operator, metricsPodPorts.operator), "API server calls the operator's webhook");
        assert.ok(!connectionAllowed(policies, address("172.18.0.2"), grafana, grafanaContainerPort), "the API server calls no one else");
    });

    it("lets Prometheus scrape applications on any port, in any namespace but the platform's", () => {
        const prometheus = podOf(model, "prometheus");
        assert.ok(connectionAllowed(policies, prometheus, app("shop"), 8080));
        assert.ok(connectionAllowed(policies, prometheus, app("kube-system"), 9153));
        assert.ok(!connectionAllowed(policies, prometheus, { ...app("logs"), labels: lokiPodSelectors("loki").targets }, lokiPodPorts.grpc), "a platform pod only on its metrics port");
        assert.ok(connectionAllowed(policies, prometheus, address("192.168.1.10"), 9100), "node-exporter on the host network");
        assert.ok(!connectionAllowed(policies, prometheus, address("192.168.1.10"), 22), "nothing else on the nodes");
    });

    it("lets applications push OTLP, logs and samples to the agent's receivers, and nothing else", () => {
        const shop = app("shop");
        for (const port of [alloyPorts.otlpGrpc, alloyPorts.otlpHttp, alloyPorts.lokiPush, alloyPorts.remoteWrite]) assert.ok(connectionAllowed(policies, shop, podOf(model, "alloy"), port));
        assert.ok(!connectionAllowed(policies, shop, podOf(model, "alloy"), alloyPorts.http), "not the agent's UI and /-/reload");
        assert.ok(!connectionAllowed(policies, shop, podOf(model, "loki-gateway"), lokiPodPorts.gateway), "Loki's gateway also serves queries");
        assert.ok(!connectionAllowed(policies, shop, podOf(model, "prometheus"), prometheusPort), "Prometheus' port also serves queries");
        assert.ok(!connectionAllowed(policies, shop, podOf(model, "tempo"), tempoPorts.otlpGrpc), "traces go through the agent");
        assert.ok(!connectionAllowed(policies, shop, podOf(model, "minio"), minioApiPort));
        assert.ok(!connectionAllowed(policies, shop, podOf(model, "loki"), lokiPodPorts.http));
    });

    it("rejects a model it cannot enforce, naming what is wrong", () => {
        const base: NetworkModel = { namespaces: ["a"], workloads: [{ name: "x", namespace: "a", selector: { app: "x" } }], flows: [] };
        const ext = { kind: "addresses", name: "somewhere", cidrs: ["10.0.0.0/8"] } as const;
        const cases: [string, NetworkModel, RegExp][] = [
            ["unknown workload", { ...base, flows: [{ from: "x", to: "y", ports: tcp(80), why: "w" }] }, /unknown workload "y"/],
            ["no workload at either end", { ...base, flows: [{ from: ext, to: ext, ports: tcp(80), why: "w" }] }, /no platform workload/],
            ["namespace without default deny", { ...base, workloads: [{ name: "x", namespace: "b", selector: { app: "x" } }] }, /namespace "b", which is not among/],
            ["empty selector", { ...base, workloads: [{ name: "x", namespace: "a", selector: {} }] }, /empty selector/],
            ["duplicate workload", { ...base, workloads: [...base.workloads, ...base.workloads] }, /declared twice/],
            ["port out of range", { ...base, flows: [{ from: "x", to: "x", ports: tcp(70000), why: "w" }] }, /port 70000/],
            ["no port at all", { ...base, flows: [{ from: "x", to: "x", ports: [], why: "w" }] }, /use "any"/],
        ];
        for (const [title, m, message] of cases) assert.throws(() => buildNetworkPolicies(m), message, title);
    });
});

describe("network policies: the platform's flows", () => {
    const flowsOf = (input: PlatformNetworkInput) => platformFlows(input).flows;
    const has = (flows: readonly Flow[], from: string, to: string) => flows.some((f) => f.from === from && f.to === to);
    const toName = (f: Flow) => (typeof f.to === "string" ? f.to : f.to.name);
    const fromName = (f: Flow) => (typeof f.from === "string" ? f.from : f.from.name);

    it("namespaces moved: every selector follows its release's namespace", () => {
        const model = platformFlows(platformInput(apart));
        const policies = allPolicies(buildNetworkPolicies(model));
        const grafana = podOf(model, "grafana");
        const frontend = podOf(model, "thanos-query-frontend", [thanosHttpPort]);
        assert.equal(frontend.namespace, "thanos");
        assert.ok(connectionAllowed(policies, grafana, frontend, thanosHttpPort));
        assert.ok(!connectionAllowed(policies, grafana, { ...frontend, namespace: "monitoring" }, thanosHttpPort), "the same labels elsewhere are not the query-frontend");
        assert.ok(connectionAllowed(policies, podOf(model, "thanos-query"), podOf(model, "prometheus"), thanosSidecarGrpcPort), "thanos → metrics namespace");
        assert.ok(connectionAllowed(policies, podOf(model, "loki"), podOf(model, "minio"), minioApiPort), "logs → storage namespace");
        assert.ok(connectionAllowed(policies, podOf(model, "alloy"), podOf(model, "tempo"), tempoPorts.otlpGrpc), "agents → traces namespace");
    });

    it("releases renamed: selectors follow the release names", () => {
        const model = platformFlows({ ...platformInput(), thanos: { namespace: "monitoring", pods: thanosPodSelectors("lts"), receive: false } });
        assert.equal(model.workloads.find((w) => w.name === "thanos-query")?.selector["app.kubernetes.io/instance"], "lts");
    });

    it("gives the API server only to the workloads that talk to it", () => {
        const talkers = (input: PlatformNetworkInput) =>
            flowsOf(input)
                .filter((f) => toName(f) === "api-server")
                .map(fromName)
                .sort();
        const distributed = ["alloy", "grafana", "kube-state-metrics", "prometheus", "prometheus-admission-jobs", "prometheus-operator"];
        assert.deepEqual(talkers(platformInput()), distributed);
        // Monolithic Loki's single binary carries the rules sidecar, which watches ConfigMaps.
        assert.deepEqual(talkers(platformInput(together, { logs: { namespace: "monitoring", pods: lokiPodSelectors("loki"), mode: "Monolithic", zoneAware: false } })), [...distributed, "loki"].sort());
        // Zone-aware ingesters come with the rollout-operator, which restarts them through the API.
        assert.deepEqual(talkers(platformInput(together, { logs: { namespace: "monitoring", pods: lokiPodSelectors("loki"), mode: "Distributed", zoneAware: true } })), [...distributed, "loki-rollout-operator"].sort());
        const api = flowsOf(platformInput()).find((f) => toName(f) === "api-server" && f.from === "prometheus");
        assert.deepEqual(api?.to, { kind: "addresses", name: "api-server", cidrs: ["172.18.0.0/16"] }, "addresses from config");
        assert.deepEqual(api?.ports, tcp(443, 6443));
    });

    it("lets MinIO pods talk to each other only in distributed mode", () => {
        assert.ok(has(flowsOf(platformInput()), "minio", "minio"));
        assert.ok(!has(flowsOf(platformInput(together, { objectStorage: { kind: "minio", namespace: "monitoring", pods: minioPodSelectors("minio"), distributed: false } })), "minio", "minio"));
    });

    it("opens Grafana to ingress controllers only with an ingress, from the configured namespaces", () => {
        const ingress = (input: PlatformNetworkInput) => flowsOf(input).find((f) => f.to === "grafana" && fromName(f) === "ingress controllers");
        assert.equal(ingress(platformInput(together, { grafana: { namespace: "monitoring", pods: grafanaPodSelectors("grafana"), ingress: false, replicas: 1 } })), undefined);
        assert.deepEqual(ingress(platformInput())?.from, { kind: "pods", name: "ingress controllers", namespaceSelector: {}, podSelector: {} });
        const selected = ingress(platformInput(together, { ingressNamespaceSelector: { "kubernetes.io/metadata.name": "ingress-nginx" } }));
        assert.deepEqual(selected?.ports, tcp(grafanaContainerPort));
        const model = platformFlows(platformInput(together, { ingressNamespaceSelector: { "kubernetes.io/metadata.name": "ingress-nginx" } }));
        const policies = allPolicies(buildNetworkPolicies(model));
        const controller = (namespace: string): PodEndpoint => ({ kind: "pod", namespace, labels: { "app.kubernetes.io/name": "ingress-nginx" } });
        assert.ok(connectionAllowed(policies, controller("ingress-nginx"), podOf(model, "grafana"), grafanaContainerPort));
        assert.ok(!connectionAllowed(policies, controller("other"), podOf(model, "grafana"), grafanaContainerPort));
    });

    it("lets Alertmanager reach the internet only when it has receivers", () => {
        const out = (input: PlatformNetworkInput) => flowsOf(input).filter((f) => f.from === "alertmanager" && toName(f) === "internet");
        assert.equal(out(platformInput()).length, 0);
        assert.deepEqual(out(platformInput(together, { alertNotifications: true }))[0]?.ports, tcp(443, 80));
    });

    it("keeps Alertmanager's cluster gossip on TCP and UDP", () => {
        const gossip = flowsOf(platformInput()).find((f) => f.from === "alertmanager" && f.to === "alertmanager");
        assert.deepEqual(gossip?.ports, [...tcp(metricsPodPorts.alertmanagerCluster), ...udp(metricsPodPorts.alertmanagerCluster)]);
    });

    it("sends every reader of Alertmanager to its API port", () => {
        const readers = flowsOf(platformInput())
            .filter((f) => f.to === "alertmanager" && f.ports !== "any" && f.ports.some((p) => p.port === alertmanagerPort))
            .map(fromName);
        assert.deepEqual([...new Set(readers)].sort(), ["grafana", "prometheus", "thanos-ruler"]);
    });

    it("distributed Tempo: one workload per part, each reached only where the wiring goes", () => {
        const input = platformInput(together, { traces: { namespace: "monitoring", pods: tempoDistributedPodSelectors("tempo") } });
        const model = platformFlows(input);
        const tempo = model.workloads
            .filter((w) => w.name.startsWith("tempo"))
            .map((w) => w.name)
            .sort();
        assert.deepEqual(tempo, ["tempo-compactor", "tempo-distributor", "tempo-ingester", "tempo-memcached", "tempo-metrics-generator", "tempo-querier", "tempo-query-frontend"]);
        assert.equal(model.workloads.find((w) => w.name === "tempo-query-frontend")?.selector["app.kubernetes.io/component"], "query-frontend");
        const flows = model.flows;
        const into = (name: string) => flows.filter((f) => f.to === name).map(fromName);
        assert.deepEqual(
            into("tempo-distributor")
                .filter((n) => !n.startsWith("tempo"))
                .sort(),
            ["alloy", "prometheus"],
            "agents push, Prometheus scrapes",
        );
        assert.ok(!has(flows, "grafana", "tempo-distributor"));
        assert.ok(has(flows, "grafana", "tempo-query-frontend"));
        assert.ok(has(flows, "tempo-metrics-generator", "prometheus") && !has(flows, "tempo-ingester", "prometheus"), "only the generator remote-writes");
        assert.deepEqual(
            into("minio")
                .filter((n) => n.startsWith("tempo"))
                .sort(),
            ["tempo-compactor", "tempo-ingester", "tempo-querier", "tempo-query-frontend"],
        );
        const grpc = (from: string, to: string) => flows.some((f) => f.from === from && f.to === to && f.ports !== "any" && f.ports.some((p) => p.port === tempoInternalPorts.grpc));
        assert.ok(grpc("tempo-distributor", "tempo-ingester") && grpc("tempo-querier", "tempo-ingester") && grpc("tempo-querier", "tempo-query-frontend"));
        assert.ok(!grpc("tempo-compactor", "tempo-ingester"), "the compactor pushes to no ingester");
        const policies = allPolicies(buildNetworkPolicies(model));
        assert.ok(connectionAllowed(policies, podOf(model, "tempo-compactor"), podOf(model, "tempo-ingester", [tempoInternalPorts.memberlist]), tempoInternalPorts.memberlist), "gossip between all parts");
        assert.ok(!connectionAllowed(policies, podOf(model, "tempo-distributor"), podOf(model, "tempo-memcached", [tempoInternalPorts.memcached]), tempoInternalPorts.memcached));
    });

    it("external object storage: no MinIO workloads; bucket users reach the store's addresses on its port, no one else", () => {
        const model = platformFlows(platformInput(together, { objectStorage: { kind: "external", cidrs: ["52.216.0.0/15"], port: 443 } }));
        assert.ok(!model.workloads.some((w) => w.name.startsWith("minio")));
        const users = model.flows.filter((f) => toName(f) === "object storage");
        assert.deepEqual(users.map(fromName).sort(), ["loki", "prometheus", "tempo", "thanos-compactor", "thanos-ruler", "thanos-store-gateway"]);
        for (const f of users) assert.deepEqual([f.to, f.ports], [{ kind: "addresses", name: "object storage", cidrs: ["52.216.0.0/15"] }, tcp(443)]);
        const policies = allPolicies(buildNetworkPolicies(model));
        assert.ok(connectionAllowed(policies, podOf(model, "loki"), address("52.217.1.9"), 443));
        assert.ok(!connectionAllowed(policies, podOf(model, "loki"), address("52.219.1.9"), 443), "outside the configured range");
        assert.ok(!connectionAllowed(policies, podOf(model, "loki"), address("52.217.1.9"), 80), "another port");
        assert.ok(!connectionAllowed(policies, podOf(model, "grafana"), address("52.217.1.9"), 443), "Grafana reads no bucket");
    });

    it("Grafana: gossip between replicas only when there are several, its database only when it has one", () => {
        const grafana = (over: Partial<PlatformNetworkInput["grafana"]>) => flowsOf(platformInput(together, { grafana: { ...platformInput().grafana, ...over } }));
        assert.ok(!has(grafana({}), "grafana", "grafana"));
        const gossip = grafana({ replicas: 2 }).find((f) => f.from === "grafana" && f.to === "grafana");
        assert.deepEqual(gossip?.ports, [...tcp(grafanaGossipPort), ...udp(grafanaGossipPort)]);
        assert.equal(grafana({}).filter((f) => toName(f) === "Grafana database").length, 0);
        const db = grafana({ database: { cidrs: ["10.20.0.0/24"], port: 5432 } }).filter((f) => toName(f) === "Grafana database");
        assert.deepEqual(
            db.map((f) => [fromName(f), f.to, f.ports]),
            [["grafana", { kind: "addresses", name: "Grafana database", cidrs: ["10.20.0.0/24"] }, tcp(5432)]],
        );
    });

    it("fleet: Thanos Receive and the ingest gateway only with a fleet, each flow on its push or Store API port", () => {
        const plain = platformFlows(platformInput(apart));
        assert.ok(!plain.workloads.some((w) => /^(thanos-receive|fleet-ingest)/.test(w.name)), "no fleet, no receive");
        const input = platformInput(apart, {
            thanos: { namespace: "thanos", pods: thanosPodSelectors("thanos"), receive: true },
            fleet: { namespace: "fleet", pods: ingestGatewayPodSelectors("fleet-ingest") },
            namespaces: [...new Set([...Object.values(apart), "fleet"])],
        });
        const model = platformFlows(input);
        assert.deepEqual(model.workloads.find((w) => w.name === "thanos-receive-router")?.selector["app.kubernetes.io/component"], "receive-router");
        const out = (from: string) =>
            model.flows
                .filter((f) => f.from === from)
                .map((f) => `${toName(f)}:${f.ports === "any" ? "any" : f.ports.map((p) => p.port).join(",")}`)
                .sort();
        assert.deepEqual(out("fleet-ingest"), [`loki-gateway:${lokiPodPorts.gateway}`, `tempo:${tempoPorts.otlpHttp}`, `thanos-receive-router:${thanosRemoteWritePort}`]);
        assert.deepEqual(out("thanos-receive-router"), [`thanos-receive-ingestor:${thanosGrpcPort}`]);
        assert.deepEqual(out("thanos-receive-ingestor"), [`minio:${minioApiPort}`]);
        assert.ok(has(model.flows, "thanos-query", "thanos-receive-ingestor"));
        const policies = allPolicies(buildNetworkPolicies(model));
        const controller: PodEndpoint = { kind: "pod", namespace: "ingress-nginx", labels: {} };
        assert.ok(connectionAllowed(policies, controller, podOf(model, "fleet-ingest"), ingestGatewayPort), "ingress controllers of any namespace by default");
        assert.ok(!connectionAllowed(policies, app("shop"), podOf(model, "thanos-receive-router"), thanosRemoteWritePort), "members' writes come through the gateway");
        // A gateway without Receive would forward remote writes nowhere: the model refuses it.
        assert.throws(() => buildNetworkPolicies(platformFlows({ ...input, thanos: { ...input.thanos, receive: false } })), /unknown workload "thanos-receive-router"/);
    });

    it("uses the cluster DNS pods on port 53", () => {
        assert.deepEqual(clusterDns.ports, [...udp(53), ...tcp(53)]);
    });
});

describe("network policies: PlatformNetworkPolicies under mocks", () => {
    const policyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    const prodGrafana = JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" } });
    const minio = JSON.stringify({ type: "minio" });
    let dev: Evaluation;
    let prod: Evaluation;
    let split: Evaluation;
    before(async () => {
        dev = await evaluatePlatform({});
        prod = await evaluatePlatform({ profile: "prod", grafana: prodGrafana, objectStorage: minio, namespaces: JSON.stringify({ objectStorage: "object-storage" }) }, "prod");
        split = await evaluatePlatform({ profile: "prod", grafana: prodGrafana, objectStorage: minio, namespaces: JSON.stringify(apart) }, "prod");
    });
    const policiesOf = (e: Evaluation) =>
        e.resources
            .filter((r) => r.type === policyType)
            .map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`)
            .sort();

    it("creates none when network.policies is off (the dev default)", () => {
        assert.deepEqual(policiesOf(dev), []);
        assert.equal(dev.outputs.components.network, undefined);
    });

    it("creates a default deny and DNS in every platform namespace, and one allow policy per workload", async () => {
        const names = policiesOf(prod);
        const namespaces = ["monitoring", "monitoring-agents", "object-storage"];
        for (const ns of namespaces) {
            assert.ok(names.includes(`${ns}/${defaultDenyName}`) && names.includes(`${ns}/${allowDnsName}`), ns);
        }
        const model = await valueOf(prod.outputs.components.network!.model);
        assert.equal(names.length, 2 * namespaces.length + model.workloads.length);
        assert.ok(names.includes(`object-storage/${allowPolicyName("minio")}`));
        assert.ok(names.includes(`monitoring/${allowPolicyName("thanos-query")}`));
        assert.deepEqual((await valueOf(prod.outputs.components.network!.policyNames)).sort(), names);
    });

    it("follows the releases' namespaces and the Namespace resources", () => {
        const names = policiesOf(split);
        for (const ns of Object.values(apart)) assert.ok(names.includes(`${ns}/${defaultDenyName}`), ns);
        assert.ok(names.includes(`ui/${allowPolicyName("grafana")}`));
        assert.ok(names.includes(`agents/${allowPolicyName("alloy")}`));
        const grafana = split.resources.find((r) => r.type === policyType && r.inputs.metadata.name === allowPolicyName("grafana"))!;
        const toFrontend = grafana.inputs.spec.egress.find((rule: any) => rule.to[0].podSelector?.matchLabels?.["app.kubernetes.io/component"] === "query-frontend");
        assert.deepEqual(toFrontend.to[0].namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "thanos" } });
    });

    it("applies what buildNetworkPolicies plans, unchanged", async () => {
        const plan = buildNetworkPolicies(await valueOf(prod.outputs.components.network!.model));
        for (const manifest of allPlanManifests(plan)) {
            const r = prod.resources.find((x) => x.type === policyType && x.inputs.metadata.name === manifest.metadata.name && x.inputs.metadata.namespace === manifest.metadata.namespace);
            assert.ok(r, manifest.metadata.name);
            assert.deepEqual(r.inputs.spec, JSON.parse(JSON.stringify(manifest.spec)), manifest.metadata.name);
            assert.deepEqual(r.inputs.metadata.labels, manifest.metadata.labels);
        }
    });

    it("lets Alertmanager out to the internet only when a receiver is configured", async () => {
        const withSlack = await evaluatePlatform(
            { profile: "prod", grafana: prodGrafana, objectStorage: minio, slackWebhookUrl: "https://hooks.slack.example/T1", alerting: JSON.stringify({ slackChannel: "#alerts" }) },
            "prod",
        );
        const out = async (e: Evaluation) => (await valueOf(e.outputs.components.network!.model)).flows.filter((f) => f.from === "alertmanager" && typeof f.to !== "string" && f.to.name === "internet");
        assert.equal((await out(prod)).length, 0);
        assert.equal((await out(withSlack)).length, 1);
    });
});

// ---------------------------------------------------------------------------------------------
// The evaluator the verify check (tools/render/checks/networkPolicy.ts) relies on
// ---------------------------------------------------------------------------------------------

describe("network policies: evaluator", () => {
    it("matches label selectors: labels, In, NotIn, Exists, DoesNotExist; {} matches all", () => {
        const labels = { app: "a", tier: "web" };
        assert.ok(selectorMatches({}, labels));
        assert.ok(selectorMatches({ matchLabels: { app: "a" } }, labels));
        assert.ok(!selectorMatches({ matchLabels: { app: "a", tier: "db" } }, labels));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["web", "db"] }] }, labels));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, labels));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["x"] }] }, labels), "NotIn holds without the label");
        assert.ok(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "Like" }] }, labels), "an operator Kubernetes does not know selects nothing");
    });

    it("matches peers: a pod selector alone means the policy's namespace; ipBlock only addresses, minus except", () => {
        const pod: PodEndpoint = { kind: "pod", namespace: "a", labels: { app: "x" } };
        assert.ok(peerMatches({ podSelector: { matchLabels: { app: "x" } } }, "a", pod));
        assert.ok(!peerMatches({ podSelector: { matchLabels: { app: "x" } } }, "b", pod));
        assert.ok(peerMatches({ namespaceSelector: {} }, "b", pod));
        assert.ok(peerMatches({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "a" } }, podSelector: {} }, "b", pod));
        assert.ok(peerMatches({ namespaceSelector: { matchLabels: { team: "t" } } }, "b", { ...pod, namespaceLabels: { team: "t" } }));
        assert.ok(!peerMatches({ ipBlock: { cidr: "0.0.0.0/0" } }, "a", pod), "ipBlock never matches a pod");
        assert.ok(peerMatches({ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }, "a", address("10.2.0.1")));
        assert.ok(!peerMatches({ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }, "a", address("10.1.0.1")));
        assert.ok(!peerMatches({}, "a", pod), "an empty peer matches nothing");
    });

    it("matches ports: number, range, protocol (TCP by default), named ports of the destination", () => {
        const pod: PodEndpoint = { kind: "pod", namespace: "a", labels: {}, ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }] };
        assert.ok(portMatches(undefined, pod, 1, "UDP"));
        assert.ok(portMatches([{ port: 8080 }], pod, 8080, "TCP"));
        assert.ok(!portMatches([{ port: 8080 }], pod, 8080, "UDP"));
        assert.ok(portMatches([{ port: 9000, endPort: 9100 }], pod, 9050, "TCP"));
        assert.ok(portMatches([{ port: "http" }], pod, 8080, "TCP"));
        assert.ok(!portMatches([{ port: "http" }], pod, 9090, "TCP"));
        assert.ok(!portMatches([{ port: "http" }], address("10.0.0.1"), 8080, "TCP"));
        assert.ok(portMatches([{ protocol: "UDP" }], pod, 53, "UDP"));
    });

    it("isolates only the directions a policy names; unisolated pods allow everything", () => {
        const a: PodEndpoint = { kind: "pod", namespace: "n", labels: { app: "a" } };
        const b: PodEndpoint = { kind: "pod", namespace: "n", labels: { app: "b" } };
        assert.ok(connectionAllowed([], a, b, 80), "no policy, no isolation");
        const ingressOnly: NetworkPolicy = { metadata: { name: "i", namespace: "n" }, spec: { podSelector: { matchLabels: { app: "b" } } } };
        assert.deepEqual(policyTypesOf(ingressOnly), ["Ingress"]);
        assert.ok(!connectionAllowed([ingressOnly], a, b, 80), "b isolated for ingress with no rule");
        assert.ok(connectionAllowed([ingressOnly], b, a, 80), "b's egress untouched");
        const egress: NetworkPolicy = {
            metadata: { name: "e", namespace: "n" },
            spec: { podSelector: { matchLabels: { app: "a" } }, egress: [{ to: [{ podSelector: { matchLabels: { app: "b" } } }], ports: [{ port: 80 }] }] },
        };
        assert.deepEqual(policyTypesOf(egress), ["Ingress", "Egress"]);
        assert.ok(!connectionAllowed([egress, ingressOnly], a, b, 80), "both sides must allow");
        const admit: NetworkPolicy = { metadata: { name: "adm", namespace: "n" }, spec: { podSelector: { matchLabels: { app: "b" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "a" } } }] }] } };
        assert.ok(connectionAllowed([egress, ingressOnly, admit], a, b, 80), "policies add up");
        assert.ok(!connectionAllowed([egress, ingressOnly, admit], a, b, 81), "a's egress only on 80");
        const otherNamespace: NetworkPolicy = { ...ingressOnly, metadata: { name: "i", namespace: "m" } };
        assert.ok(connectionAllowed([otherNamespace], a, b, 80), "a policy applies only in its namespace");
    });
});

describe("CIDRs", () => {
    it("parses IPv4 and IPv6 ranges and refuses host bits, bad prefixes and non-addresses", () => {
        assert.deepEqual(parseCidr("10.0.0.0/8"), { family: 4, network: "10.0.0.0", prefix: 8 });
        assert.deepEqual(parseCidr("fd00:10:96:0:0::/112"), { family: 6, network: "fd00:10:96::", prefix: 112 });
        assert.ok(parseCidr("0.0.0.0/0"));
        assert.ok(parseCidr("172.18.0.2/32"));
        assert.ok(parseCidr("::/0"));
        assert.ok(parseCidr("fd00:10:96::/112"));
        assert.ok(parseCidr("::ffff:10.0.0.0/104"));
        for (const bad of ["10.0.0.1/24", "10.0.0.0/33", "10.0.0.0", "10.0.0.256/32", "fd00::1/64", "::/129", "example.com/8", " 10.0.0.0/8"]) {
            assert.equal(parseCidr(bad), undefined, bad);
        }
    });
    it("tells whether an address lies in a range, never across families", () => {
        assert.ok(cidrContains(parseCidr("10.0.0.0/8")!, "10.255.1.2"));
        assert.ok(!cidrContains(parseCidr("10.0.0.0/8")!, "11.0.0.1"));
        assert.ok(cidrContains(parseCidr("0.0.0.0/0")!, "192.168.1.1"));
        assert.ok(cidrContains(parseCidr("fd00:10:96::/112")!, "fd00:10:96::1"));
        assert.ok(!cidrContains(parseCidr("fd00:10:96::/112")!, "fd00:10:97::1"));
        assert.ok(!cidrContains(parseCidr("::/0")!, "10.0.0.1"));
    });
});

// ---------------------------------------------------------------------------------------------
// Against the real charts: the selectors and ports match the rendered pods, the verify check passes
// (every connection the rendered configuration makes gets through), and what nothing needs is denied
// ---------------------------------------------------------------------------------------------

interface RenderedStack {
    model: StackModel;
    rendered: RenderedRelease[];
    pods: RenderedPod[];
    policies: NetworkPolicy[];
    network: NetworkModel;
}

async function renderStack(stack: string, extra: RawConfig): Promise<RenderedStack> {
    const { model, evaluation } = await collectStackEvaluation(projectDir, stack, extra);
    const rendered = await renderModel(model, { chartsDir });
    const failed = rendered.filter((r) => r.error);
    assert.deepEqual(
        failed.map((r) => `${r.release.releaseName}: ${r.error}`),
        [],
        "every release renders",
    );
    const component = evaluation.outputs.components.network;
    assert.ok(component, "network policies are on");
    return { model, rendered, pods: renderedPods(rendered, model), policies: networkPoliciesOf(allObjects(model, rendered)), network: await valueOf(component.model) };
}

/**
 * Which rendered objects make each workload's pods, by release and object name: written down
 * independently of the selectors under test, so a selector that misses or over-reaches fails.
 */
const expectedPods: Record<string, (p: RenderedPod) => boolean> = {
    minio: (p) => p.release === "minio" && p.name === "minio",
    "minio-jobs": (p) => p.release === "minio" && p.name === "minio-post-job",
    "prometheus-operator": (p) => p.name === "kps-operator",
    "prometheus-admission-jobs": (p) => /^kps-admission-(create|patch)$/.test(p.name),
    "kube-state-metrics": (p) => p.name === "kps-kube-state-metrics",
    prometheus: (p) => p.workloadKind === "Prometheus",
    alertmanager: (p) => p.workloadKind === "Alertmanager",
    "thanos-query": (p) => p.name === "thanos-query",
    "thanos-query-frontend": (p) => p.name === "thanos-query-frontend",
    "thanos-store-gateway": (p) => p.name === "thanos-store-gateway",
    "thanos-compactor": (p) => p.name === "thanos-compact",
    "thanos-ruler": (p) => p.name === "thanos-rule",
    "thanos-receive-router": (p) => p.name === "thanos-receive-router",
    "thanos-receive-ingestor": (p) => p.name === "thanos-receive-ingestor",
    "fleet-ingest": (p) => p.release === programRelease && p.name === "fleet-ingest",
    "global-rules": (p) => p.release === programRelease && p.workloadKind === "ThanosRuler" && p.name === "global",
    loki: (p) => p.release === "loki" && /^loki(-(distributor|ingester(-zone-[abc])?|querier|query-frontend|query-scheduler|index-gateway|compactor|ruler))?$/.test(p.name),
    "loki-rollout-operator": (p) => p.name === "loki-rollout-operator",
    "loki-gateway": (p) => p.name === "loki-gateway",
    "loki-canary": (p) => p.name === "loki-canary",
    "loki-chunks-cache": (p) => p.name === "loki-chunks-cache",
    "loki-results-cache": (p) => p.name === "loki-results-cache",
    tempo: (p) => p.release === "tempo" && p.name === "tempo",
    ...Object.fromEntries(
        ["distributor", "ingester", "querier", "query-frontend", "compactor", "metrics-generator", "memcached"].map((part) => [`tempo-${part}`, (p: RenderedPod) => p.release === "tempo" && p.name === `tempo-${part}`]),
    ),
    alloy: (p) => p.name === "alloy",
    grafana: (p) => p.release === "grafana" && p.name === "grafana",
    "blackbox-exporter": (p) => p.release === "blackbox-exporter" && p.name === "blackbox-exporter",
    pushgateway: (p) => p.release === "pushgateway" && p.name === "pushgateway",
};

/**
 * Every part deployed only on request (stacks/collection.ts): static targets by address (on a port
 * no node rule opens) and by name, probes of each module, and a Pushgateway with client namespaces.
 */
const collecting: RawConfig = {
    scrapeTargets: JSON.stringify([
        { name: "lab-servers", targets: ["10.0.0.5:9182", "[2001:db8::7]:9182"], labels: { team: "payments" } },
        { name: "appliances", targets: ["switch-1.lab.example.com:9116"], cidrs: ["10.30.0.0/24"] },
    ]),
    probes: JSON.stringify([
        { name: "website", module: "http", targets: ["https://www.example.com/health"], cidrs: ["203.0.113.0/24"] },
        { name: "database", module: "tcp", targets: ["10.0.0.9:5432"] },
        { name: "gateway-ping", module: "icmp", targets: ["192.0.2.1"] },
    ]),
    pushgateway: JSON.stringify({ enabled: true, clientNamespaces: ["batch-jobs"] }),
};

/** A central platform accepting a cluster and a server (docs/fleet.md). */
const fleetCentral: RawConfig = {
    loki: JSON.stringify({ multiTenancy: true }),
    fleet: JSON.stringify({ edges: [{ name: "edge-a" }, { name: "lab-servers", kind: "server" }], ingress: { host: "ingest.example.com", className: "nginx", tlsSecretName: "ingest-tls" } }),
};

const apiServer = address("10.96.0.1");
const node = address("192.168.10.7");

describe("network policies against the rendered charts", function () {
    this.timeout(180_000);
    const stacks: [string, RawConfig, "external" | "minio"][] = [
        // External S3 and tempo-distributed, with the API server and the store narrowed to their addresses (by default
        // both are "anywhere", and then a pod allowed one on port 443 reaches the other too).
        // With every part deployed only on request (static targets, probes, the Pushgateway).
        ["prod", { network: JSON.stringify({ apiServerCidrs: ["10.96.0.1/32"], objectStorageCidrs: ["52.216.0.0/15"] }), ...collecting }, "external"],
        // Distributed MinIO: every consumer's configured endpoint is then a Service the policies must open.
        ["prod", { objectStorage: JSON.stringify({ type: "minio" }) }, "minio"],
        // Two Grafanas on PostgreSQL (they gossip, and reach the database), and zone-aware Loki with its rollout-operator.
        [
            "prod",
            {
                objectStorage: JSON.stringify({ type: "minio" }),
                grafana: JSON.stringify({
                    ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" },
                    replicas: 2,
                    database: { type: "postgres", host: "db.example.com", name: "grafana", user: "grafana" },
                }),
                grafanaDatabasePassword: "stand-in",
                zones: JSON.stringify(["eu-west-1a", "eu-west-1b", "eu-west-1c"]),
            },
            "minio",
        ],
        // A central platform with two fleet members: the ingest gateway behind the ingress controllers of one namespace, Thanos Receive.
        [
            "prod",
            { ...fleetCentral, network: JSON.stringify({ apiServerCidrs: ["10.96.0.1/32"], objectStorageCidrs: ["52.216.0.0/15"], ingressNamespaceSelector: { [namespaceNameLabel]: "ingress-nginx" } }) },
            "external",
        ],
        // dev turns policies off by default; on here, to prove the Monolithic Loki and Tempo and standalone MinIO selectors too.
        ["dev", { network: JSON.stringify({ policies: true }) }, "minio"],
    ];
    for (const [stack, extra, store] of stacks) {
        describe(`${stack}${
            Object.keys(extra).length
                ? ` with ${Object.entries(extra)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(", ")}`
                : ""
        }`, () => {
            let s: RenderedStack;
            before(async function () {
                const reason = chartsUnavailable();
                if (reason) {
                    console.log(`      skipped network policies against the rendered ${stack} stack: ${reason}`);
                    this.skip();
                }
                s = await renderStack(stack, extra);
            });
            const podNetwork = () => s.pods.filter((p) => !p.hostNetwork);
            const workloadPods = (name: string) => {
                const w = s.network.workloads.find((x) => x.name === name)!;
                return podNetwork().filter((p) => p.namespace === w.namespace && selectorMatches({ matchLabels: w.selector }, p.labels));
            };

            it("runs only node-exporter on the host network (policies cannot select it)", () => {
                assert.deepEqual(
                    s.pods.filter((p) => p.hostNetwork).map((p) => p.name),
                    ["kps-node-exporter"],
                );
            });

            it("each workload's selector picks exactly the pods of its part, and every pod belongs to one workload", () => {
                // Every workload has its pods in the render; the check below fails for a workload whose pods are missing.
                assert.deepEqual(
                    s.network.workloads.map((w) => w.name).filter((name) => !expectedPods[name]),
                    [],
                    "each workload's pods are written down",
                );
                for (const w of s.network.workloads) {
                    const expected = podNetwork()
                        .filter(expectedPods[w.name])
                        .map((p) => p.id)
                        .sort();
                    assert.ok(expected.length > 0, `${w.name}: the render has its pods`);
                    assert.deepEqual(
                        workloadPods(w.name)
                            .map((p) => p.id)
                            .sort(),
                        expected,
                        `${w.name}: selector ${JSON.stringify(w.selector)} in ${w.namespace}`,
                    );
                }
                for (const pod of podNetwork()) {
                    const owners = s.network.workloads.filter((w) => expectedPods[w.name](pod));
                    assert.equal(owners.length, 1, `${pod.id} belongs to ${owners.map((w) => w.name).join(", ") || "no workload"}`);
                }
            });

            it("isolates every pod with its namespace's default deny and selects it by exactly one allow policy", () => {
                for (const pod of podNetwork()) {
                    const selecting = policiesSelecting(s.policies, pod);
                    const deny = selecting.find((p) => p.metadata.name === defaultDenyName);
                    assert.deepEqual(deny && policyTypesOf(deny), ["Ingress", "Egress"], `${pod.id}: default deny`);
                    const allow = selecting.filter((p) => p.metadata.name.startsWith("lgtm-allow-") && p.metadata.name !== allowDnsName);
                    assert.equal(allow.length, 1, `${pod.id}: selected by ${allow.map((p) => p.metadata.name).join(", ") || "no allow policy"}`);
                }
            });

            it("each flow's ports are container ports of every destination pod", () => {
                for (const f of s.network.flows) {
                    if (typeof f.to !== "string" || f.ports === "any") continue;
                    for (const pod of workloadPods(f.to)) {
                        for (const { port, protocol } of f.ports) {
                            assert.ok(
                                pod.ports.some((c) => c.containerPort === port && c.protocol === protocol),
                                `${f.why}: ${pod.id} has no ${protocol} port ${port} (ports: ${pod.ports.map((c) => `${c.name ?? ""}/${c.containerPort}/${c.protocol}`).join(", ")})`,
                            );
                        }
                    }
                }
            });

            it("every flow between workloads gets through from each source pod to each destination pod", () => {
                let checked = 0;
                for (const f of s.network.flows) {
                    if (typeof f.from !== "string" || typeof f.to !== "string" || f.ports === "any") continue;
                    for (const src of workloadPods(f.from)) {
                        for (const dst of workloadPods(f.to)) {
                            for (const { port, protocol } of f.ports) {
                                assert.ok(connectionAllowed(s.policies, src, dst, port, protocol), `${f.why}: ${src.id} → ${dst.id} ${protocol}/${port}`);
                                checked++;
                            }
                        }
                    }
                }
                assert.ok(checked > 40, `${checked} connections checked`);
            });

            it("passes the verify check: default deny, every pod selected, every Service its configuration names, every scrape target and the DNS reached", () => {
                const result = checkNetworkPolicy({ model: s.model, rendered: s.rendered, charts: new Map() });
                assert.deepEqual(
                    result.findings.map((f) => `${f.severity}: ${f.message}`),
                    [],
                );
                const [, covered, wired, scraped, resolving] =
                    /^(\d+) of \d+ pod template\(s\) covered .*; (\d+) wired connection\(s\) allowed, (\d+) scrape target\(s\) reachable.*, (\d+) pod template\(s\) reach the cluster DNS/.exec(result.summary) ?? [];
                assert.equal(Number(covered), podNetwork().length, result.summary);
                assert.equal(Number(resolving), podNetwork().length, result.summary);
                assert.ok(Number(wired) > 20 && Number(scraped) > 20, result.summary);
                // Only the kubelet's and the API server's Services are not in the render (the next test covers them).
                assert.match(result.summary, /\(not evaluated, their Services are not in the render: ServiceMonitor [a-z-]+\/kps-apiserver, ServiceMonitor [a-z-]+\/kps-kubelet\)/);
            });

            it("lets Prometheus reach the kubelet and the API server, whose Services the render does not have", () => {
                const monitors = allObjects(s.model, s.rendered).filter((o) => o.object.kind === "ServiceMonitor" && ["kps-kubelet", "kps-apiserver"].includes(o.object.metadata.name));
                assert.deepEqual(monitors.map((m) => m.object.metadata.name).sort(), ["kps-apiserver", "kps-kubelet"]);
                for (const prometheus of s.pods.filter((p) => p.workloadKind === "Prometheus")) {
                    assert.ok(connectionAllowed(s.policies, prometheus, node, nodeScrapePorts.kubelet), "kubelet");
                    assert.ok(connectionAllowed(s.policies, prometheus, apiServer, 6443), "API server");
                }
            });

            it("gives the API server to exactly the pods that use it, and lets it call the operator's webhook", () => {
                const usesApi = (p: RenderedPod) =>
                    /^kps-(operator|admission-create|admission-patch|kube-state-metrics)$/.test(p.name) ||
                    p.workloadKind === "Prometheus" ||
                    p.name === "alloy" ||
                    p.name === "loki-rollout-operator" ||
                    // The charts' config sidecar (Grafana's dashboards, Monolithic Loki's rules) watches ConfigMaps.
                    containersOf(p.spec).some(({ container }) => String(container.image).includes("k8s-sidecar"));
                for (const pod of podNetwork()) {
                    for (const port of [443, 6443]) assert.equal(connectionAllowed(s.policies, pod, apiServer, port), usesApi(pod), `${pod.id} → API server :${port}`);
                }
                const operator = podNetwork().find((p) => p.name === "kps-operator")!;
                assert.ok(connectionAllowed(s.policies, apiServer, operator, metricsPodPorts.operator), "admission webhook");
                for (const pod of podNetwork().filter((p) => p !== operator)) {
                    for (const c of pod.ports) assert.ok(!connectionAllowed(s.policies, apiServer, pod, c.containerPort, c.protocol), `API server → ${pod.id}:${c.containerPort}`);
                }
            });

            it("keeps Alertmanager's cluster together over TCP and UDP", () => {
                const alertmanagers = s.pods.filter((p) => p.workloadKind === "Alertmanager");
                for (const c of alertmanagers[0].ports.filter((port) => port.name?.startsWith("mesh"))) {
                    assert.ok(connectionAllowed(s.policies, alertmanagers[0], alertmanagers[0], c.containerPort, c.protocol), `mesh ${c.protocol}`);
                }
            });

            it("applications may only push: of every port of every platform pod, they reach the agent's receivers (and the ingress controllers' backends)", () => {
                const shop = app("shop");
                const one = (name: string) => podNetwork().find((p) => p.name === name)!;
                const prometheus = s.pods.find((p) => p.workloadKind === "Prometheus")!;
                assert.ok(connectionAllowed(s.policies, prometheus, shop, 8080), "Prometheus scrapes applications");
                const viaIngress = s.model.profile === "prod";
                assert.equal(connectionAllowed(s.policies, { kind: "pod", namespace: "ingress-nginx", labels: {} }, one("grafana"), grafanaContainerPort), viaIngress);
                // Without network.ingressNamespaceSelector any namespace may hold the ingress controller, so any pod reaches what
                // an Ingress fronts, on that port only: Grafana's login page (and the fleet's gateway, behind its basic auth).
                const anyNamespaceIngress = viaIngress && JSON.parse(extra.network ?? "{}").ingressNamespaceSelector === undefined;
                const expected = [
                    ...[alloyPorts.otlpGrpc, alloyPorts.otlpHttp, alloyPorts.lokiPush, alloyPorts.remoteWrite].map((port) => `alloy:${port}`),
                    ...(anyNamespaceIngress ? [`grafana:${grafanaContainerPort}`] : []),
                ];
                const reached = podNetwork().flatMap((pod) => pod.ports.filter((c) => connectionAllowed(s.policies, shop, pod, c.containerPort, c.protocol)).map((c) => `${pod.name}:${c.containerPort}`));
                assert.deepEqual([...new Set(reached)].sort(), expected.sort());
            });

            it("queries and admin endpoints: only platform pods reach Loki's gateway and Prometheus' port", () => {
                const one = (name: string) => podNetwork().find((p) => p.name === name);
                const prometheus = s.pods.find((p) => p.workloadKind === "Prometheus")!;
                const who = (dst: RenderedPod, port: number) =>
                    [
                        ...new Set(
                            podNetwork()
                                .filter((p) => connectionAllowed(s.policies, p, dst, port))
                                .map((p) => p.name),
                        ),
                    ].sort();
                // Grafana queries, Alloy and the fleet's gateway push, the canary pushes and reads back.
                assert.deepEqual(who(one("loki-gateway")!, lokiPodPorts.gateway), ["alloy", "grafana", "loki-canary", ...(extra.fleet ? ["fleet-ingest"] : [])].sort());
                // Alloy and Tempo's metrics generator remote-write; Prometheus scrapes itself.
                assert.deepEqual(who(prometheus, prometheusPort), ["alloy", prometheus.name, one("tempo") ? "tempo" : "tempo-metrics-generator"].sort());
                assert.ok(!connectionAllowed(s.policies, app("shop"), one("alloy")!, alloyPorts.http), "no application reaches the agent's /-/reload");
            });

            if (store === "external")
                it("lets exactly the bucket users reach an external store, on its port", () => {
                    assert.equal(s.model.objectStore!.type, "external");
                    const store = address("52.217.1.9");
                    const port = Number(/:(\d+)$/.exec(s.model.objectStore!.endpoint)?.[1] ?? (s.model.objectStore!.tls ? 443 : 80));
                    // Loki's targets share one workload (and so one policy); Tempo's parts have one each.
                    const loki = new Set(workloadPods("loki"));
                    const users = /^(thanos-(compact|store-gateway|rule|receive-ingestor)|tempo-(ingester|querier|query-frontend|compactor))$/;
                    for (const pod of podNetwork()) {
                        const expected = pod.workloadKind === "Prometheus" || loki.has(pod) || users.test(pod.name);
                        assert.equal(connectionAllowed(s.policies, pod, store, port), expected, `${pod.id} → object storage :${port}`);
                    }
                });

            if (extra.probes)
                it("lets Prometheus and the exporter reach exactly their targets, and the jobs of clientNamespaces push", () => {
                    const one = (name: string) => podNetwork().find((p) => p.name === name)!;
                    const prometheus = s.pods.find((p) => p.workloadKind === "Prometheus")!;
                    const exporter = one("blackbox-exporter");
                    const pushgateway = one("pushgateway");
                    const allowed: [RenderedPod | PodEndpoint, Endpoint, number, boolean][] = [
                        [prometheus, address("10.0.0.5"), 9182, true],
                        [prometheus, address("2001:db8::7"), 9182, true],
                        [prometheus, address("10.0.0.6"), 9182, false],
                        [prometheus, address("10.0.0.5"), 9183, false],
                        [prometheus, address("10.30.0.17"), 9116, true],
                        [prometheus, address("10.31.0.17"), 9116, false],
                        [exporter, address("203.0.113.80"), 443, true],
                        [exporter, address("198.51.100.80"), 443, false],
                        [exporter, address("10.0.0.9"), 5432, true],
                        [exporter, address("10.0.0.9"), 5433, false],
                        // ICMP: the address on every protocol (a NetworkPolicy cannot name ICMP).
                        [exporter, address("192.0.2.1"), 7, true],
                        [exporter, address("192.0.2.2"), 7, false],
                        [prometheus, address("192.0.2.1"), 7, false],
                        [app("batch-jobs"), pushgateway, pushgatewayPort, true],
                        [app("shop"), pushgateway, pushgatewayPort, false],
                        [prometheus, pushgateway, pushgatewayPort, true],
                        [prometheus, exporter, blackboxPort, true],
                        [one("grafana"), exporter, blackboxPort, false],
                        [pushgateway, address("203.0.113.80"), 443, false],
                    ];
                    for (const [src, dst, port, expected] of allowed) {
                        const name = (e: RenderedPod | Endpoint) => ("id" in e ? e.id : e.kind === "address" ? e.ip : `${e.namespace} app`);
                        assert.equal(connectionAllowed(s.policies, src, dst, port), expected, `${name(src)} → ${name(dst)}:${port}`);
                    }
                });

            if (extra.fleet)
                it("fleet: the ingress controllers reach the gateway, only the gateway reaches the push ports, only Query and the router reach the ingestors", () => {
                    const one = (name: string) => podNetwork().find((p) => p.name === name)!;
                    const gateway = one("fleet-ingest");
                    const controller = (namespace: string): PodEndpoint => ({ kind: "pod", namespace, labels: { "app.kubernetes.io/name": "ingress-nginx" } });
                    assert.ok(connectionAllowed(s.policies, controller("ingress-nginx"), gateway, ingestGatewayPort), "ingress controller → gateway");
                    assert.ok(!connectionAllowed(s.policies, controller("shop"), gateway, ingestGatewayPort), "a pod of another namespace → gateway");
                    // Where the gateway forwards, read from its rendered nginx.conf: each is a receiver's push port.
                    const pushPorts = new Map([
                        [one("thanos-receive-router"), thanosRemoteWritePort],
                        [one("loki-gateway"), lokiPodPorts.gateway],
                        [one("tempo-distributor"), tempoPorts.otlpHttp],
                    ]);
                    const forwarded = configuredTargets(gateway, s.model, s.rendered).flatMap((t) => serviceTargets(t, s.model, s.rendered, s.pods) ?? []);
                    assert.deepEqual([...new Set(forwarded.map((t) => `${t.pod.name}:${t.containerPort}`))].sort(), [...pushPorts].map(([pod, port]) => `${pod.name}:${port}`).sort());
                    // The gateway reaches those ports and no other port of any platform pod.
                    for (const pod of podNetwork()) {
                        for (const c of pod.ports) assert.equal(connectionAllowed(s.policies, gateway, pod, c.containerPort, c.protocol), pushPorts.get(pod) === c.containerPort, `gateway → ${pod.id}:${c.containerPort}`);
                    }
                    // Members' own push ports: the gateway and no other pod (Alloy sends traces over gRPC, not OTLP HTTP).
                    for (const receiver of [one("thanos-receive-router"), one("tempo-distributor")]) {
                        const port = pushPorts.get(receiver)!;
                        for (const pod of podNetwork()) assert.equal(connectionAllowed(s.policies, pod, receiver, port), pod === gateway, `${pod.id} → ${receiver.id}:${port}`);
                        assert.ok(!connectionAllowed(s.policies, app("shop"), receiver, port), `application → ${receiver.id}:${port}`);
                    }
                    const ingestor = one("thanos-receive-ingestor");
                    for (const pod of podNetwork()) {
                        const expected = pod.name === "thanos-query" || pod.name === "thanos-receive-router";
                        assert.equal(connectionAllowed(s.policies, pod, ingestor, thanosGrpcPort), expected, `${pod.id} → ${ingestor.id}:${thanosGrpcPort}`);
                    }
                    const prometheus = s.pods.find((p) => p.workloadKind === "Prometheus")!;
                    for (const receive of [one("thanos-receive-router"), ingestor]) assert.ok(connectionAllowed(s.policies, prometheus, receive, thanosHttpPort), `scrape ${receive.id}`);
                    assert.ok(connectionAllowed(s.policies, ingestor, address("52.217.1.9"), 443), "ingestors upload blocks");
                    assert.ok(!connectionAllowed(s.policies, one("thanos-receive-router"), address("52.217.1.9"), 443), "the router keeps no blocks");
                });

            it("denies what the wiring does not need", () => {
                const one = (name: string) => podNetwork().find((p) => p.name === name)!;
                const minio = s.model.objectStore!.type === "minio";
                const tempoReceiver = one("tempo") ?? one("tempo-distributor");
                const denied: [RenderedPod | PodEndpoint, RenderedPod, number][] = [
                    [one("loki-gateway"), one("thanos-query"), thanosHttpPort],
                    [one("loki-canary"), workloadPods("loki")[0], lokiPodPorts.http],
                    [tempoReceiver, workloadPods("loki")[0], lokiPodPorts.http],
                    [one("grafana"), s.pods.find((p) => p.workloadKind === "Prometheus")!, prometheusPort],
                    [app("shop"), tempoReceiver, tempoPorts.otlpGrpc],
                    [app("shop"), one("thanos-query"), thanosHttpPort],
                    ...(minio
                        ? ([
                              [one("grafana"), one("minio"), minioApiPort],
                              [one("alloy"), one("minio"), minioApiPort],
                              [one("thanos-query-frontend"), one("minio"), minioApiPort],
                              [one("minio"), one("grafana"), grafanaContainerPort],
                              [app("shop"), one("minio"), minioApiPort],
                          ] as [RenderedPod | PodEndpoint, RenderedPod, number][])
                        : []),
                    ...(one("tempo-distributor")
                        ? ([
                              [one("tempo-distributor"), one("tempo-memcached"), tempoInternalPorts.memcached],
                              [one("tempo-compactor"), one("tempo-ingester"), tempoInternalPorts.grpc],
                              [one("grafana"), one("tempo-querier"), tempoPorts.http],
                          ] as [RenderedPod | PodEndpoint, RenderedPod, number][])
                        : []),
                ];
                for (const [src, dst, port] of denied) assert.ok(!connectionAllowed(s.policies, src, dst, port), `${"id" in src ? src.id : `${src.namespace} app`} → ${dst.id}:${port}`);
            });
        });
    }
});
