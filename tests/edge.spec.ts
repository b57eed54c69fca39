import * as fs from "fs";
import * as path from "path";
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { centralLoginEnv } from "../components/alloy";
import { edgeEntry, FleetAccess, memberCredentialKeys, memberDelivery, outageTolerance } from "../components/fleetAccess";
import { parsePlatformConfig } from "../stacks/config";
import { buildNetworkPolicies } from "../components/networkPolicies";
import { edgeFlows } from "../components/edgeNetworkPolicies";
import { alloyPodSelectors } from "../components/alloy";
import { metricsAgentPodSelectors } from "../components/metricsAgent";
import { collectStack } from "../tools/render/collect";
import { Evaluation, evaluateEdge, evaluatePlatform, valueOf } from "../tools/render/evaluate";
import { renderAndVerify } from "../tools/render/render";
import { chartsDir, chartsUnavailable, projectDir } from "./support/charts";
import { docPage } from "./support/readme";
import type { EdgeOutputs } from "../stacks/edge";
import { parseAlloy, stringsOf } from "../tools/render/alloySyntax";
import { rejects } from "./support/config";
import { stackNamespaces } from "./support/namespaces";

const central = "organization/lgtm/prod";
const edgeConfig = (clusterName: string) => ({ role: "edge", central, clusterName });

/** A central platform with an edge cluster and a server group, evaluated under mocks: its outputs as `pulumi stack output --json --show-secrets` gives them. */
async function centralOutputs(): Promise<{ fleet: FleetAccess }> {
    const evaluation = await evaluatePlatform({
        loki: JSON.stringify({ multiTenancy: true }),
        fleet: JSON.stringify({ edges: [{ name: "edge-a" }, { name: "lab", kind: "server" }], ingress: { host: "ingest.example.com", className: "nginx", tlsSecretName: "ingest-tls" } }),
    });
    assert.ok(evaluation.outputs.fleet);
    return { fleet: await valueOf(evaluation.outputs.fleet) };
}

describe("edge: config", () => {
    it("accepts an edge naming its central stack; refuses the keys an edge does not use, with the accepted ones", () => {
        const c = parsePlatformConfig({ ...edgeConfig("edge-a"), namespaces: JSON.stringify({ metrics: "obs", agents: "obs-agents" }) });
        assert.deepEqual([c.namespaces.metrics, c.namespaces.agents], ["obs", "obs-agents"]);
        rejects({ ...edgeConfig("edge-a"), network: JSON.stringify({ objectStorageCidrs: ["10.0.0.0/8"] }) }, "network.objectStorageCidrs: expected unset with role edge (", "accepted: policies, apiServerCidrs)");
        rejects({ ...edgeConfig("edge-a"), loki: JSON.stringify({ tenant: "x" }) }, "loki = ", "expected unset with role edge");
        // The edge's profile decides its NetworkPolicies, as a platform's does.
        assert.equal(parsePlatformConfig({ ...edgeConfig("edge-a"), profile: "prod" }).network.policies, true);
        assert.equal(parsePlatformConfig(edgeConfig("edge-a")).network.policies, false);
        rejects({ ...edgeConfig("edge-a"), namespaces: JSON.stringify({ logs: "logs" }) }, "namespaces.logs: expected unset with role edge (", "accepted: metrics, agents)");
    });
});

describe("edge: the member's entry in the central fleet", () => {
    const access = (kind: "cluster" | "server") => ({
        name: "edge-a",
        kind,
        username: "edge-a",
        password: "pw",
        remoteWriteUrl: "https://i.example.com/api/v1/receive",
        lokiPushUrl: "https://i.example.com/loki/api/v1/push",
        otlpHttpEndpoint: "https://i.example.com/otlp",
    });
    it("is the entry named like the clusterName; an unlisted edge fails naming the central's members", () => {
        const fleet: FleetAccess = { ingestHost: "i.example.com", edges: { "edge-a": access("cluster") } };
        assert.equal(edgeEntry(fleet, "edge-a", central).name, "edge-a");
        assert.throws(() => edgeEntry(fleet, "edge-z", central), /no fleet member "edge-z" in the central stack organization\/lgtm\/prod \(lgtm:fleet\.edges\); its members: edge-a \(cluster\)/);
    });
    it("refuses a server member: it runs agent-config, not an edge stack", () => {
        assert.throws(() => edgeEntry({ ingestHost: "i.example.com", edges: { "edge-a": access("server") } }, "edge-a", central), /is a server: an edge stack needs kind cluster/);
    });
});

describe("edge: an edge stack evaluated with the central's outputs fed to its StackReference", function () {
    let outputs: { fleet: FleetAccess };
    let edge: Evaluation<EdgeOutputs>;
    before(async () => {
        outputs = await centralOutputs();
        edge = await evaluateEdge(edgeConfig("edge-a"), "edge", outputs.fleet);
    });
    const release = (name: string) => {
        const r = edge.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && x.inputs.name === name);
        assert.ok(r, `no release ${name}`);
        return r;
    };

    it("reads the central stack named in lgtm:central, and deploys only what collects", () => {
        const reference = edge.resources.find((r) => r.type === "pulumi:pulumi:StackReference");
        assert.equal(reference?.name, central);
        const releases = edge.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart);
        assert.deepEqual(releases.sort(), ["alloy", "kube-prometheus-stack", "prometheus-operator-crds"]);
    });

    it("creates exactly its two Namespaces, as ever: the agent's WAL in a protected one that a destroy leaves behind, the agents' privileged", async () => {
        assert.deepEqual(stackNamespaces(edge), ["monitoring restricted protected retained", "monitoring-agents privileged protected"]);
        const moved = await evaluateEdge({ ...edgeConfig("edge-a"), profile: "prod", namespaces: JSON.stringify({ metrics: "obs", agents: "obs-agents" }) }, "edge", outputs.fleet);
        assert.deepEqual(stackNamespaces(moved), ["obs restricted protected retained", "obs-agents privileged protected"]);
    });

    it("runs Prometheus in agent mode, labelled cluster=<clusterName>, writing to the ingest host with the login from a Secret", () => {
        const spec = release("kps").inputs.values.prometheus;
        assert.equal(spec.agentMode, true);
        assert.deepEqual(spec.prometheusSpec.externalLabels, { cluster: "edge-a" });
        const [remoteWrite] = spec.prometheusSpec.remoteWrite;
        assert.equal(remoteWrite.url, outputs.fleet.edges["edge-a"].remoteWriteUrl);
        assert.equal(new URL(remoteWrite.url).host, "ingest.example.com");
        const secretName = remoteWrite.basicAuth.password.name;
        assert.deepEqual(remoteWrite.basicAuth, { username: { name: secretName, key: memberCredentialKeys.username }, password: { name: secretName, key: memberCredentialKeys.password } });
        const secret = edge.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === secretName);
        assert.deepEqual(secret?.inputs.stringData, { username: "edge-a", password: outputs.fleet.edges["edge-a"].password });
        assert.equal(secret?.hasSecretInputs, true, "the login Secret's data is a Pulumi secret");
    });

    it("keeps unsent samples on a volume for the member's WAL time, and nothing but collectors in the chart", () => {
        const values = release("kps").inputs.values;
        assert.equal(values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, parsePlatformConfig(edgeConfig("edge-a")).metrics.volumeSize);
        assert.deepEqual(
            values.prometheus.prometheusSpec.additionalArgs.find((a: { name: string }) => a.name === "storage.agent.retention.max-time"),
            {
                name: "storage.agent.retention.max-time",
                value: "8h",
            },
        );
        assert.equal(memberDelivery.metrics.wal.maxKeepaliveSeconds, 8 * 3600);
        assert.equal(values.alertmanager.enabled, false);
        assert.equal(values.defaultRules.create, false);
        assert.equal(values.grafana.forceDeployDashboards, false);
    });

    it("sends pod logs and traces to the ingest host, labelled cluster, the login read from the environment", () => {
        const values = release("alloy").inputs.values;
        const tree = parseAlloy(values.alloy.configMap.content);
        const access = outputs.fleet.edges["edge-a"];
        assert.deepEqual(stringsOf(tree, ["loki.write:default", "endpoint"], "url"), [access.lokiPushUrl]);
        assert.deepEqual(stringsOf(tree, ["otelcol.exporter.otlphttp:central", "client"], "endpoint"), [access.otlpHttpEndpoint]);
        assert.match(values.alloy.configMap.content, /cluster = "edge-a"/);
        assert.match(values.alloy.configMap.content, /password = sys\.env\("LGTM_CENTRAL_PASSWORD"\)/);
        const env = values.alloy.extraEnv as { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[];
        assert.deepEqual(
            env.map((e) => [e.name, e.valueFrom.secretKeyRef.key]),
            [
                [centralLoginEnv.username, "username"],
                [centralLoginEnv.password, "password"],
            ],
        );
        // Retries that outlast an hour of outage, as a server's agent does.
        assert.ok(outageTolerance().seconds >= 3600);
        assert.match(values.alloy.configMap.content, /max_backoff_retries = 24\b/);
    });

    it("holds the member's password in the two login Secrets only, and exports no secret in clear", async () => {
        const password = outputs.fleet.edges["edge-a"].password;
        const holders = edge.resources.filter((r) => JSON.stringify(r.inputs).includes(password)).map((r) => `${r.type} ${r.inputs.metadata?.name}`);
        assert.deepEqual(holders.sort(), ["kubernetes:core/v1:Secret alloy-central-login", "kubernetes:core/v1:Secret kps-central-login"]);
        assert.ok(edge.configSecrets.includes(password));
        assert.equal(await valueOf(edge.outputs.ingestHost), "ingest.example.com");
        assert.equal(await pulumi.isSecret(edge.outputs.ingestHost), false);
    });

    it("fails, naming the central's members, when the central stack does not list its clusterName", async () => {
        await assert.rejects(
            evaluateEdge(edgeConfig("edge-z"), "edge", outputs.fleet),
            /no fleet member "edge-z" in the central stack organization\/lgtm\/prod \(lgtm:fleet\.edges\); its members: edge-a \(cluster\), lab \(server\)/,
        );
    });
});

describe("edge: NetworkPolicies", () => {
    const model = edgeFlows({
        namespaces: ["monitoring", "monitoring-agents"],
        metrics: { namespace: "monitoring", pods: metricsAgentPodSelectors("kps") },
        agents: { namespace: "monitoring-agents", pods: alloyPodSelectors("alloy") },
        apiServerCidrs: ["10.0.0.1/32"],
    });
    const plan = buildNetworkPolicies(model);

    it("lets the agents out to the central ingest host on HTTPS or HTTP only", () => {
        for (const workload of ["prometheus-agent", "alloy"]) {
            const egress = plan.workloads[workload].spec.egress ?? [];
            const toAnywhere = egress.filter((rule) => rule.to.some((peer) => peer.ipBlock?.cidr === "0.0.0.0/0"));
            assert.ok(
                toAnywhere.some(
                    (rule) =>
                        JSON.stringify(rule.ports) ===
                        JSON.stringify([
                            { protocol: "TCP", port: 443 },
                            { protocol: "TCP", port: 80 },
                        ]),
                ),
                workload,
            );
        }
        assert.equal(JSON.stringify(plan.workloads["kube-state-metrics"].spec.egress).includes("0.0.0.0/0"), false);
    });

    it("lets applications reach Alloy's push receivers and nothing else of the edge", () => {
        const fromApplications = model.flows.filter((f) => typeof f.from !== "string" && f.from.kind === "outsidePlatform");
        assert.deepEqual(
            fromApplications.map((f) => [f.to, f.ports]),
            [["alloy", [4317, 4318, 3500, 9009].map((port) => ({ port, protocol: "TCP" }))]],
        );
    });
});

describe("edge: render + verify against the pinned charts", function () {
    this.timeout(180_000);
    it("the example edge stack (Pulumi.edge.yaml) passes every check with the central's outputs, within its footprint goal", async function () {
        const reason = chartsUnavailable();
        if (reason) {
            console.log(`      skipped render + verify of edge: ${reason}`);
            this.skip();
        }
        const { fleet } = await centralOutputs();
        const { ok, report, results } = await renderAndVerify(await collectStack(projectDir, "edge", {}, fleet), { chartsDir });
        assert.ok(ok, report);
        const footprint = results.find((r) => r.name === "footprint")?.summary ?? "";
        const [, cpu, memory] = /request (\d+)m CPU and (\d+)Mi/.exec(footprint) ?? [];
        assert.ok(Number(cpu) <= 300 && Number(memory) <= 512, `edge footprint over 0.3 CPU / 512 MiB: ${footprint}`);
        // The figure README.md and docs/fleet.md state.
        for (const doc of [fs.readFileSync(path.join(projectDir, "README.md"), "utf8"), docPage("fleet.md")]) assert.ok(doc.includes(`${cpu}m CPU and ${memory} MiB`), `docs do not state ${cpu}m CPU and ${memory} MiB`);
        assert.match(report, /networkPolicy: 6 of 6 pod template\(s\) covered/);
    });
});
