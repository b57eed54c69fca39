import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { charts } from "../components/charts";
import { thanosImage } from "../components/globalRules";
import { rulesOnPrometheusLabel } from "../components/metrics";
import { buildIngestGatewayConfig, htpasswdLine, ingestGatewayImage, ingestPaths, memberEndpoints } from "../components/fleetIngest";
import { ConfigError, parsePlatformConfig } from "../stacks/config";
import { fleetOverrides } from "../tools/ops/fleetScale";
import { collectStackEvaluation } from "../tools/render/collect";
import { Evaluation, evaluatePlatform, valueOf } from "../tools/render/evaluate";
import { chartsDir, projectDir } from "./support/charts";
import { docPage } from "./support/readme";

const upstreams = {
    remoteWriteUrl: "http://thanos-receive-router.monitoring.svc.cluster.local:19291/api/v1/receive",
    lokiPushUrl: "http://loki-gateway.monitoring.svc.cluster.local:80/loki/api/v1/push",
    otlpHttpEndpoint: "http://tempo-distributor.monitoring.svc.cluster.local:4318",
};

function problems(raw: Record<string, string>): string {
    try {
        parsePlatformConfig(raw);
    } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
    }
    return "";
}

describe("fleet: central config", () => {
    const fleet = (f: object) => JSON.stringify(f);

    it("accepts a dev central with two members and derives receive and gateway defaults", () => {
        const c = parsePlatformConfig({ fleet: fleet({ edges: [{ name: "edge-a" }, { name: "lab", kind: "server" }], ingress: { host: "ingest.example.com" } }), loki: fleet({ multiTenancy: true }) });
        assert.deepEqual(c.fleet.edges, [
            { name: "edge-a", kind: "cluster" },
            { name: "lab", kind: "server" },
        ]);
        assert.deepEqual(c.fleet.receive, { replicas: 1, replicationFactor: 1 });
    });

    it("refuses members without an ingest host, or without multi-tenant Loki", () => {
        const text = problems({ fleet: fleet({ edges: [{ name: "edge-a" }] }) });
        assert.match(text, /fleet\.ingress\.host = \(missing\)/);
        assert.match(text, /loki\.multiTenancy = false: expected true/);
    });

    it("refuses duplicate members, names that cannot be a tenant and login, and the platform's own names", () => {
        const text = problems({
            clusterName: "central",
            loki: fleet({ multiTenancy: true, tenant: "platform" }),
            fleet: fleet({ edges: [{ name: "edge-a" }, { name: "central" }, { name: "platform" }], ingress: { host: "ingest.example.com" } }),
        });
        assert.match(problems({ fleet: fleet({ edges: [{ name: "edge-a" }, { name: "edge-a" }] }) }), /distinct member names \(edge-a/);
        assert.match(text, /central: expected another name than this platform's clusterName/);
        assert.match(text, /platform: expected another name than loki.tenant/);
        assert.match(problems({ fleet: fleet({ edges: [{ name: "Edge:A" }], ingress: { host: "i.example.com" } }) }), /fleet\.edges\.0\.name = "Edge:A": expected a name such as edge-a/);
    });

    it("prod: TLS on the ingest host and receive replication of at least 3, odd", () => {
        const text = problems({
            profile: "prod",
            objectStorageAccessKeyId: "AKIAEXAMPLE",
            objectStorageSecretAccessKey: "secret-example-key",
            objectStorage: fleet({ external: { endpoint: "s3.us-east-1.amazonaws.com" } }),
            grafana: fleet({ ingress: { enabled: true, host: "g.example.com", tlsSecretName: "g-tls" } }),
            fleet: fleet({ edges: [{ name: "edge-a" }], ingress: { host: "ingest.example.com" }, receive: { replicas: 4, replicationFactor: 2 } }),
        });
        assert.match(text, /fleet\.ingress\.tlsSecretName = \(missing\)/);
        assert.match(text, /replicationFactor = 2: expected an odd number/);
        assert.match(text, /replicationFactor = 2: expected at least 3 in the prod profile/);
        // NetworkPolicies (on in prod) allow the fleet's flows, so a fleet does not need them off.
        assert.doesNotMatch(text, /network\.policies/);
    });

    it("refuses central on a platform stack", () => {
        assert.match(problems({ central: "organization/lgtm/prod" }), /central = organization\/lgtm\/prod: expected unset with role platform/);
    });
});

describe("fleet: edge config", () => {
    it("needs the central stack, in the form a StackReference takes", () => {
        assert.match(problems({ role: "edge" }), /central = \(missing\)/);
        assert.match(problems({ role: "edge", central: "prod" }), /central = "prod": expected a stack reference/);
        const c = parsePlatformConfig({ role: "edge", central: "organization/lgtm/prod", clusterName: "edge-a" });
        assert.equal(c.role, "edge");
    });

    it("refuses what only a platform uses, naming the key and hiding secrets", () => {
        const text = problems({ role: "edge", central: "organization/lgtm/prod", loki: "{}", grafanaAdminPassword: "correct-horse-battery", metrics: JSON.stringify({ retention: "2d" }) });
        assert.match(text, /loki = \{\}: expected unset with role edge/);
        assert.match(text, /grafanaAdminPassword = \(secret, not shown\): expected unset with role edge/);
        assert.match(text, /metrics\.retention: expected unset with role edge/);
        assert.ok(!text.includes("correct-horse-battery"));
    });
});

describe("fleet: ingest gateway", () => {
    const conf = buildIngestGatewayConfig(upstreams);

    it("requires a login everywhere but the health check, and 404s any other path", () => {
        assert.match(conf, /server \{\n {4}listen 8080;\n {4}auth_basic "lgtm fleet ingest";/);
        assert.match(conf, /location = \/healthz \{\n {6}auth_basic off;/);
        assert.match(conf, /location \/ \{\n {6}return 404;/);
    });

    it("forwards each path to its receiver with the tenant taken from the login, never from the sender", () => {
        const block = (p: string) => conf.slice(conf.indexOf(`location = ${p} {`)).split("}")[0];
        assert.match(block(ingestPaths.remoteWrite), /proxy_pass http:\/\/thanos-receive-router\.monitoring\.svc\.cluster\.local:19291\/api\/v1\/receive;\n {6}proxy_set_header THANOS-TENANT \$remote_user;/);
        assert.match(block(ingestPaths.lokiPush), /proxy_pass http:\/\/loki-gateway[^;]*\/loki\/api\/v1\/push;\n {6}proxy_set_header X-Scope-OrgID \$remote_user;/);
        assert.match(block(ingestPaths.otlpTraces), /proxy_pass http:\/\/tempo-distributor\.monitoring\.svc\.cluster\.local:4318\/v1\/traces;\n {6}proxy_set_header X-Scope-OrgID \$remote_user;/);
        for (const p of Object.values(ingestPaths)) assert.match(block(p), /proxy_set_header Authorization "";/);
    });

    it("refuses upstreams that would break out of the config", () => {
        assert.throws(() => buildIngestGatewayConfig({ ...upstreams, lokiPushUrl: "http://x/push; return 200" }), /plain http URL/);
        assert.throws(() => buildIngestGatewayConfig({ ...upstreams, remoteWriteUrl: "https://x/api" }), /plain http URL/);
    });

    it("writes {SSHA} lines nginx verifies: SHA-1 of password and salt, salt appended; stable per member", () => {
        const line = htpasswdLine("edge-a", "pw");
        const [user, hash] = line.split(":");
        assert.equal(user, "edge-a");
        const raw = Buffer.from(hash.replace("{SSHA}", ""), "base64");
        const salt = raw.subarray(20);
        assert.deepEqual(raw.subarray(0, 20), createHash("sha1").update("pw").update(salt).digest());
        assert.equal(htpasswdLine("edge-a", "pw"), line);
        assert.notEqual(htpasswdLine("edge-b", "pw").split(":")[1], hash);
        assert.throws(() => htpasswdLine("a:b", "pw"), /DNS label/);
    });

    it("gives members the ingest host's paths, https with TLS", () => {
        assert.deepEqual(memberEndpoints({ host: "ingest.example.com", tls: { existingSecret: "t" } }), {
            remoteWriteUrl: "https://ingest.example.com/api/v1/receive",
            lokiPushUrl: "https://ingest.example.com/loki/api/v1/push",
            otlpHttpEndpoint: "https://ingest.example.com/otlp",
        });
    });

    it("runs the global rule evaluator on the Thanos version of the pinned Thanos chart", function () {
        const chart = path.join(chartsDir, charts.thanos.name, charts.thanos.version, "Chart.yaml");
        if (!fs.existsSync(chart)) {
            if (process.env.CI === "true") assert.fail(`the pinned thanos chart is needed under CI: no ${chart} (LGTM_CHARTS_DIR, or npm run fetch-charts)`);
            this.skip();
        }
        const { appVersion } = parse(fs.readFileSync(chart, "utf8")) as { appVersion: string };
        assert.equal(thanosImage, `quay.io/thanos/thanos:v${appVersion}`);
    });

    it("runs the nginx image the pinned Loki chart's gateway runs", function () {
        const values = path.join(chartsDir, charts.loki.name, charts.loki.version, "values.yaml");
        if (!fs.existsSync(values)) {
            if (process.env.CI === "true") assert.fail(`the pinned loki chart is needed under CI: no ${values} (LGTM_CHARTS_DIR, or npm run fetch-charts)`);
            this.skip();
        }
        const image = (parse(fs.readFileSync(values, "utf8")) as { gateway: { image: { registry: string; repository: string; tag: string } } }).gateway.image;
        assert.equal(ingestGatewayImage, `${image.registry}/${image.repository}:${image.tag}`);
    });
});

describe("fleet: central platform under mocks", function () {
    let central: Evaluation;
    before(async () => {
        central = await evaluatePlatform({
            loki: JSON.stringify({ multiTenancy: true }),
            fleet: JSON.stringify({ edges: [{ name: "edge-a" }, { name: "edge-b" }], ingress: { host: "ingest.example.com", className: "nginx", tlsSecretName: "ingest-tls" } }),
        });
    });
    const byType = (type: string) => central.resources.filter((r) => r.type === type);

    it("exports each member's endpoints on the ingest host and its generated password, as a secret", async () => {
        assert.ok(central.outputs.fleet, "no fleet output");
        assert.equal(await pulumi.isSecret(central.outputs.fleet), true);
        const access = (await valueOf(central.outputs.fleet)) as {
            ingestHost: string;
            edges: Record<string, { username: string; password: string; remoteWriteUrl: string; lokiPushUrl: string; otlpHttpEndpoint: string }>;
        };
        assert.deepEqual(Object.keys(access.edges), ["edge-a", "edge-b"]);
        for (const [name, edge] of Object.entries(access.edges)) {
            assert.equal(edge.username, name);
            assert.ok(central.generatedSecrets.includes(edge.password), `${name}'s password is not a generated one`);
            for (const url of [edge.remoteWriteUrl, edge.lokiPushUrl, edge.otlpHttpEndpoint]) assert.equal(new URL(url).host, "ingest.example.com");
        }
    });

    it("keeps the passwords out of every object but the htpasswd Secret, and there only hashed", () => {
        const text = JSON.stringify(central.resources.map((r) => r.inputs));
        const passwords = central.generatedSecrets.filter((s) => s.includes("fleet-ingest"));
        assert.equal(passwords.length, 2);
        for (const password of passwords) assert.ok(!text.includes(password), "a member's password reached an object");
        const htpasswd = byType("kubernetes:core/v1:Secret").find((s) => s.inputs.metadata?.name === "fleet-ingest-htpasswd");
        assert.ok(htpasswd);
        assert.match(String(htpasswd.inputs.stringData.htpasswd), /^edge-a:\{SSHA\}\S+\nedge-b:\{SSHA\}\S+\n$/);
    });

    it("routes the Ingress to the gateway and the gateway to Thanos Receive, Loki and Tempo, from their outputs", () => {
        const ingress = byType("kubernetes:networking.k8s.io/v1:Ingress").find((i) => i.inputs.metadata?.name === "fleet-ingest");
        assert.ok(ingress);
        assert.equal(ingress.inputs.spec.rules[0].host, "ingest.example.com");
        assert.deepEqual(ingress.inputs.spec.tls, [{ hosts: ["ingest.example.com"], secretName: "ingest-tls" }]);
        const conf = String(byType("kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata?.name === "fleet-ingest-config")?.inputs.data["nginx.conf"]);
        assert.match(conf, /proxy_pass http:\/\/thanos-receive-router\.monitoring\.svc\.cluster\.local:19291\/api\/v1\/receive;/);
        assert.ok(conf.includes("/loki/api/v1/push;"));
        assert.match(conf, /:4318\/v1\/traces;/);
    });

    it("turns on Thanos Receive and Tempo's tenancy, and Grafana reads every tenant", () => {
        const values = (name: string) => central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === name)?.inputs.values;
        assert.equal(values("thanos").receive.enabled, true);
        assert.equal(values("tempo").tempo.multitenancyEnabled, true);
        assert.equal(values("loki").loki.querier.multi_tenant_queries_enabled, true);
        // kube-prometheus-stack's dashboards show their cluster selector.
        assert.equal(values("kps").grafana.sidecar.dashboards.multicluster.global.enabled, true);
        const datasources = values("grafana").datasources["datasources.yaml"] as { datasources: { name: string; jsonData: Record<string, string>; secureJsonData?: Record<string, string> }[] };
        for (const name of ["Logs", "Traces"]) {
            const ds = datasources.datasources.find((d) => d.name === name);
            assert.equal(ds?.jsonData.httpHeaderName1, "X-Scope-OrgID", name);
            assert.equal(ds?.secureJsonData?.httpHeaderValue1, "platform|edge-a|edge-b", name);
        }
    });

    it("evaluates every rule over the global view, so members' data alerts centrally, and Prometheus none of them", () => {
        const ruler = central.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:ThanosRuler");
        assert.ok(ruler, "no ThanosRuler");
        assert.deepEqual(ruler.inputs.spec.queryEndpoints, ["http://thanos-query.monitoring.svc.cluster.local:10902"]);
        assert.deepEqual(ruler.inputs.spec.alertmanagersUrl, ["http://kps-alertmanager.monitoring.svc.cluster.local:9093"]);
        assert.deepEqual([ruler.inputs.spec.ruleSelector, ruler.inputs.spec.ruleNamespaceSelector], [{}, {}]);
        // Thanos Query reads what it records (kube-prometheus-stack's dashboards use recording rules).
        const thanos = central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "thanos")?.inputs.values;
        assert.ok(thanos.additionalEndpoints.includes("dnssrv+_grpc._tcp.global-thanos-ruler-grpc.monitoring.svc.cluster.local"), thanos.additionalEndpoints.join(", "));
        const prometheus = central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "kps")?.inputs.values.prometheus.prometheusSpec;
        assert.deepEqual(prometheus.ruleSelector, { matchLabels: { [rulesOnPrometheusLabel]: "true" } });
        const rules = central.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        assert.ok(rules.length > 0);
        for (const rule of rules) assert.equal(rule.inputs.metadata.labels?.[rulesOnPrometheusLabel], undefined, rule.name);
    });

    it("scrapes the global rule evaluator, and the Thanos chart's ruler alerts when it is gone, fails or drops alerts (nothing else would say so)", () => {
        const ruler = central.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:ThanosRuler");
        const monitor = central.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PodMonitor" && r.inputs.metadata.name === "global-thanos-ruler");
        assert.ok(monitor, "no PodMonitor of the global rule evaluator");
        assert.equal(monitor.inputs.metadata.namespace, ruler!.inputs.metadata.namespace);
        // The labels the operator gives the ruler's pods (app.kubernetes.io/name, thanos-ruler: <name>), and its web port.
        assert.deepEqual(monitor.inputs.spec.selector.matchLabels, { "app.kubernetes.io/name": "thanos-ruler", "thanos-ruler": ruler!.inputs.metadata.name });
        assert.deepEqual(monitor.inputs.spec.podMetricsEndpoints, [{ port: "web", relabelings: [{ targetLabel: "job", replacement: "global-thanos-ruler" }] }]);
        const thanos = central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "thanos")?.inputs.values;
        const metaRules = parse(thanos.rule.rules.value).groups[0].rules as { alert: string; expr: string }[];
        assert.deepEqual(
            metaRules.map((r) => [r.alert, r.expr]),
            [
                ["PrometheusAbsent", 'absent(up{job="kps-prometheus",namespace="monitoring"} == 1)'],
                ["GlobalRulesAbsent", 'absent(up{job="global-thanos-ruler",namespace="monitoring"} == 1)'],
                ["GlobalRulesFailing", 'sum by (cluster, namespace, job) (rate(prometheus_rule_evaluation_failures_total{job="global-thanos-ruler",namespace="monitoring"}[5m])) > 0'],
                ["GlobalRulesAlertsDropped", 'sum by (cluster, namespace, job) (rate(thanos_alert_sender_alerts_dropped_total{job="global-thanos-ruler",namespace="monitoring"}[5m])) > 0'],
            ],
        );
    });
});

describe("fleet: docs/fleet.md's growth table", () => {
    it("states the Pulumi resources a prod central stack registers with 1 and 10 members (npm run fleet-scale)", async function () {
        this.timeout(120_000);
        const page = docPage("fleet.md");
        for (const members of [1, 10]) {
            const row = new RegExp(`^\\| ${members} \\| [\\d.]+ s \\| (\\d+) \\| \\d+ \\|$`, "m").exec(page);
            assert.ok(row, `no row for ${members} member(s) in docs/fleet.md`);
            const { evaluation } = await collectStackEvaluation(projectDir, "prod", fleetOverrides(members));
            assert.equal(evaluation.resources.length, Number(row[1]), `${members} member(s)`);
        }
    });
});
