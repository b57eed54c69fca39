import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { defaultRulesDir, loadRuleFiles } from "../components/alerting";
import { ChartRef, charts } from "../components/charts";
import { Evaluation, evaluatePlatform, mockedCredential, RegisteredResource, valueOf } from "../tools/render/evaluate";
import { stackNamespaces } from "./support/namespaces";

const releaseType = "kubernetes:helm.sh/v3:Release";
const secretType = "kubernetes:core/v1:Secret";
const prodGrafana = JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" } });
/** prod's default store: an external S3 service, here AWS in eu-west-1 with buckets of our own names. */
const s3Buckets = { lokiChunks: "acme-loki-chunks", lokiRuler: "acme-loki-ruler", tempo: "acme-tempo-traces", thanos: "acme-thanos-metrics" };
const s3Storage = JSON.stringify({ region: "eu-west-1", buckets: s3Buckets, external: { endpoint: "s3.eu-west-1.amazonaws.com" } });
const s3Credentials = { objectStorageAccessKeyId: "AKIAIOSFODNN7EXAMPLE", objectStorageSecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

/** Config that deploys every part deployed only on request: the blackbox exporter (a probe) and the Pushgateway. */
const collectingEverything = {
    probes: JSON.stringify([{ name: "website", module: "http", targets: ["https://www.example.com/"] }]),
    pushgateway: JSON.stringify({ enabled: true }),
};

function release(e: Evaluation, releaseName: string): RegisteredResource {
    const r = e.resources.find((x) => x.type === releaseType && x.inputs.name === releaseName);
    assert.ok(r, `no release ${releaseName}`);
    return r;
}
function secret(e: Evaluation, name: string): RegisteredResource {
    const s = e.resources.find((x) => x.type === secretType && x.inputs.metadata?.name === name);
    assert.ok(s, `no Secret ${name}`);
    return s;
}
const get = (o: any, path: string[]) => path.reduce((n, k) => (n === undefined ? undefined : n[k]), o);
/** The platform's own PrometheusRules (`lgtm-<rule file>`) a stack registers. */
const platformRules = (e: Evaluation) => e.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.inputs.metadata.name.startsWith("lgtm-"));
/** The rule files (stems) a stack deploys, sorted. */
const platformRuleFiles = (e: Evaluation) =>
    platformRules(e)
        .map((r) => r.inputs.metadata.name.replace(/^lgtm-/, ""))
        .sort();
/** Every alerting rule a stack deploys. */
const platformAlertRules = (e: Evaluation): { alert: string; expr: string }[] => platformRules(e).flatMap((r) => (r.inputs.spec.groups as { rules: { alert: string; expr: string }[] }[]).flatMap((g) => g.rules));

describe("platform under mocks", function () {
    let dev: Evaluation;
    let split: Evaluation;
    before(async () => {
        dev = await evaluatePlatform({});
        // Every component in a namespace of its own, to prove that cross-namespace names follow the producer.
        split = await evaluatePlatform({
            namespaces: JSON.stringify({ objectStorage: "storage", metrics: "metrics", thanos: "thanos", logs: "logs", traces: "traces", grafana: "ui", agents: "agents" }),
        });
    });

    describe("releases", () => {
        const expected: [string, { name: string; version: string; repository: string }][] = [
            ["minio", charts.minio],
            ["prometheus-crds", charts.prometheusOperatorCrds],
            ["kps", charts.kubePrometheusStack],
            ["thanos", charts.thanos],
            ["loki", charts.loki],
            ["tempo", charts.tempo],
            ["grafana", charts.grafana],
            ["alloy", charts.alloy],
        ];
        for (const [releaseName, chart] of expected) {
            it(`${releaseName}: explicit name, namespace, pinned ${chart.name} ${chart.version}, fullname pinned`, () => {
                const r = release(split, releaseName);
                assert.equal(r.inputs.version, chart.version);
                if (chart.repository.startsWith("oci://")) assert.equal(r.inputs.chart, `${chart.repository}/${chart.name}`);
                else {
                    assert.equal(r.inputs.chart, chart.name);
                    assert.equal(r.inputs.repositoryOpts.repo, chart.repository);
                }
                assert.ok(r.inputs.namespace, "namespace set");
                assert.equal(r.inputs.createNamespace, false);
                if (releaseName !== "prometheus-crds") assert.equal(r.inputs.values.fullnameOverride, releaseName);
            });
        }
        it("installs exactly these eight releases", () => {
            assert.deepEqual(
                dev.resources
                    .filter((r) => r.type === releaseType)
                    .map((r) => r.inputs.name)
                    .sort(),
                expected.map(([n]) => n).sort(),
            );
        });
        it("puts each release in its configured namespace", () => {
            const ns = Object.fromEntries(split.resources.filter((r) => r.type === releaseType).map((r) => [r.inputs.name, r.inputs.namespace]));
            assert.deepEqual(ns, { minio: "storage", "prometheus-crds": "metrics", kps: "metrics", thanos: "thanos", loki: "logs", tempo: "traces", grafana: "ui", alloy: "agents" });
        });
        it("platform namespaces enforce Pod Security restricted; only the agents namespace is privileged", () => {
            const levels = Object.fromEntries(
                split.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => [r.inputs.metadata.name, r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]]),
            );
            assert.deepEqual(levels, { agents: "privileged", logs: "restricted", metrics: "restricted", storage: "restricted", thanos: "restricted", traces: "restricted", ui: "restricted" });
            const devLevels = dev.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => `${r.inputs.metadata.name}=${r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]}`);
            assert.deepEqual(devLevels.sort(), ["monitoring-agents=privileged", "monitoring=restricted"]);
        });
        it("node-exporter and Alloy run in the agents namespace", () => {
            assert.equal(release(split, "kps").inputs.values["prometheus-node-exporter"].namespaceOverride, "agents");
            assert.equal(release(split, "alloy").inputs.namespace, "agents");
        });
        it("creates each namespace once", () => {
            const names = split.resources
                .filter((r) => r.type === "kubernetes:core/v1:Namespace")
                .map((r) => r.inputs.metadata.name)
                .sort();
            assert.deepEqual(names, ["agents", "logs", "metrics", "storage", "thanos", "traces", "ui"]);
        });
    });

    describe("Namespaces", () => {
        const fleetMembers = JSON.stringify({ edges: [{ name: "edge-a" }], ingress: { host: "ingest.example.com", tlsSecretName: "ingest-tls" } });
        // Pinned as the stacks that exist have them: another resource name or option would replace a
        // Namespace (and delete what it holds) or change what a destroy leaves behind.
        const cases: [string, Record<string, string>, string, string[]][] = [
            ["dev", {}, "dev", ["monitoring restricted protected retained", "monitoring-agents privileged protected"]],
            ["dev with the demo", { demo: JSON.stringify({ enabled: true }) }, "dev", ["demo restricted protected", "monitoring restricted protected retained", "monitoring-agents privileged protected"]],
            ["prod", { profile: "prod", grafana: prodGrafana, objectStorage: s3Storage, ...s3Credentials }, "prod", ["monitoring restricted protected retained", "monitoring-agents privileged protected"]],
            [
                "prod with a fleet, its gateway in a namespace of its own",
                { profile: "prod", grafana: prodGrafana, objectStorage: s3Storage, ...s3Credentials, loki: JSON.stringify({ multiTenancy: true }), fleet: fleetMembers, namespaces: JSON.stringify({ fleet: "ingest" }) },
                "prod",
                ["ingest restricted protected", "monitoring restricted protected retained", "monitoring-agents privileged protected"],
            ],
            [
                "prod with MinIO in a namespace of its own",
                { profile: "prod", grafana: prodGrafana, objectStorage: JSON.stringify({ type: "minio" }), namespaces: JSON.stringify({ objectStorage: "storage" }) },
                "prod",
                ["monitoring restricted protected retained", "monitoring-agents privileged protected", "storage restricted protected retained"],
            ],
        ];
        for (const [title, raw, stack, expected] of cases) {
            it(`${title}: exactly the Namespaces it uses, each under its own name, with its Pod Security level, protection and retention`, async () => {
                assert.deepEqual(stackNamespaces(await evaluatePlatform(raw, stack)), expected);
            });
        }
    });

    describe("chart source (lgtm:charts)", () => {
        const httpMirror = "https://charts.internal.example.com/";
        const ociMirror = "oci://registry.example.com/helm-charts";
        let directory: string;
        before(() => {
            directory = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-platform-charts-"));
            for (const ref of Object.values(charts)) fs.writeFileSync(path.join(directory, `${ref.name}-${ref.version}.tgz`), "");
        });
        after(() => fs.rmSync(directory, { recursive: true, force: true }));

        /** The pin behind each release; Tempo's follows the mode. */
        const pinOf = (releaseName: string, tempoMode: string): ChartRef => {
            const pins: Record<string, ChartRef> = {
                minio: charts.minio,
                "prometheus-crds": charts.prometheusOperatorCrds,
                kps: charts.kubePrometheusStack,
                thanos: charts.thanos,
                loki: charts.loki,
                tempo: tempoMode === "distributed" ? charts.tempoDistributed : charts.tempo,
                grafana: charts.grafana,
                alloy: charts.alloy,
                "blackbox-exporter": charts.blackboxExporter,
                pushgateway: charts.pushgateway,
            };
            assert.ok(pins[releaseName], `release ${releaseName} has no pin in this test: add it`);
            return pins[releaseName];
        };
        const sources: [string, Record<string, string> | undefined, (ref: ChartRef) => { chart: string; repo?: string }][] = [
            ["no source: each chart's upstream repository", undefined, (ref) => (ref.repository.startsWith("oci://") ? { chart: `${ref.repository}/${ref.name}` } : { chart: ref.name, repo: ref.repository })],
            ["an HTTP(S) mirror: the chart by name from the mirror, the OCI-hosted Thanos chart too", { mirror: httpMirror }, (ref) => ({ chart: ref.name, repo: httpMirror })],
            ["an OCI mirror: <mirror>/<name>", { mirror: ociMirror }, (ref) => ({ chart: `${ociMirror}/${ref.name}` })],
            ["a directory: the chart's archive there", { directory: "(the test's directory)" }, (ref) => ({ chart: path.join(directory, `${ref.name}-${ref.version}.tgz`) })],
        ];
        for (const [title, source, expected] of sources) {
            it(`every release, in either Tempo mode, takes its pinned chart from ${title}`, async () => {
                const stated = source && "directory" in source ? { directory } : source;
                const seen = new Set<ChartRef>();
                for (const tempoMode of ["monolithic", "distributed"]) {
                    const e = await evaluatePlatform({ tempo: JSON.stringify({ mode: tempoMode }), ...collectingEverything, ...(stated ? { charts: JSON.stringify(stated) } : {}) });
                    for (const r of e.resources.filter((x) => x.type === releaseType)) {
                        const pin = pinOf(r.inputs.name, tempoMode);
                        seen.add(pin);
                        const { chart, repo } = expected(pin);
                        assert.equal(r.inputs.chart, chart, r.inputs.name);
                        assert.equal(r.inputs.repositoryOpts?.repo, repo, r.inputs.name);
                        assert.equal(r.inputs.version, pin.version, r.inputs.name);
                    }
                }
                assert.deepEqual(
                    [...seen].map((ref) => ref.name).sort(),
                    Object.values(charts)
                        .map((ref) => ref.name)
                        .sort(),
                    "every pinned chart is installed by some release",
                );
            });
        }
    });

    describe("wiring follows the producers", () => {
        it("consumers of object storage get MinIO's Service in its namespace", () => {
            const endpoint = "minio.storage.svc.cluster.local:9000";
            assert.equal(release(split, "loki").inputs.values.loki.storage.s3.endpoint, endpoint);
            assert.equal(release(split, "tempo").inputs.values.tempo.storage.trace.s3.endpoint, endpoint);
            for (const name of ["kps-thanos-objstore", "thanos-objstore"]) {
                assert.equal(parse(secret(split, name).inputs.stringData["objstore.yml"]).config.endpoint, endpoint, name);
            }
        });
        it("the agent ships logs to Loki's gateway and traces to Tempo, with the tenant only when Loki has tenants", () => {
            const content: string = release(split, "alloy").inputs.values.alloy.configMap.content;
            assert.ok(content.includes('url = "http://loki-gateway.logs.svc.cluster.local:80/loki/api/v1/push"'), content);
            assert.ok(content.includes('endpoint = "tempo.traces.svc.cluster.local:4317"'), content);
            assert.ok(!content.includes("tenant_id"));
        });
        it("the endpoint moves when the object storage namespace moves", async () => {
            const moved = await evaluatePlatform({ namespaces: JSON.stringify({ objectStorage: "elsewhere" }) });
            assert.equal(release(moved, "loki").inputs.values.loki.storage.s3.endpoint, "minio.elsewhere.svc.cluster.local:9000");
            assert.equal(await valueOf(moved.outputs.components.objectStorage.endpoint), "minio.elsewhere.svc.cluster.local:9000");
        });
        it("each consumer uses the bucket the store created for it", async () => {
            const buckets = (release(split, "minio").inputs.values.buckets as any[]).map((b) => b.name);
            const used = [
                ...Object.values(release(split, "loki").inputs.values.loki.storage.bucketNames),
                release(split, "tempo").inputs.values.tempo.storage.trace.s3.bucket,
                parse(secret(split, "thanos-objstore").inputs.stringData["objstore.yml"]).config.bucket,
            ];
            assert.deepEqual([...used].sort(), [...buckets].sort());
        });
        it("Thanos queries the sidecar discovery Service and alerts to Alertmanager from the metrics release", async () => {
            const m = split.outputs.components.metrics;
            const values = release(split, "thanos").inputs.values;
            assert.deepEqual(values.additionalEndpoints, [await valueOf(m.sidecarDiscoveryEndpoint)]);
            assert.equal(values.additionalEndpoints[0], "dnssrv+_grpc._tcp.kps-thanos-discovery.metrics.svc.cluster.local");
            assert.deepEqual(parse(values.rule.alertmanagersConfig.value).alertmanagers[0].static_configs, ["kps-alertmanager.metrics.svc.cluster.local:9093"]);
            assert.equal(await valueOf(m.alertmanagerUrl), "http://kps-alertmanager.metrics.svc.cluster.local:9093");
        });
        it("Tempo and the agent remote-write to Prometheus' remote-write receiver", async () => {
            const receiver = await valueOf(split.outputs.components.metrics.remoteWriteUrl);
            assert.equal(receiver, "http://kps-prometheus.metrics.svc.cluster.local:9090/api/v1/write");
            assert.equal(release(split, "tempo").inputs.values.tempo.metricsGenerator.remoteWriteUrl, receiver);
            assert.ok(release(split, "alloy").inputs.values.alloy.configMap.content.includes(`url = "${receiver}"`));
        });
        it("Grafana's datasources are exactly the components' outputs", async () => {
            const c = split.outputs.components;
            const ds = release(split, "grafana").inputs.values.datasources["datasources.yaml"].datasources;
            const urls = Object.fromEntries(ds.map((d: any) => [d.uid, d.url]));
            assert.deepEqual(urls, {
                "lgtm-metrics": await valueOf(c.thanos.queryFrontendUrl),
                "lgtm-logs": await valueOf(c.logs.queryUrl),
                "lgtm-traces": await valueOf(c.traces.queryUrl),
                "lgtm-alertmanager": await valueOf(c.metrics.alertmanagerUrl),
            });
            assert.equal(urls["lgtm-metrics"], "http://thanos-query-frontend.thanos.svc.cluster.local:10902");
            assert.equal(urls["lgtm-logs"], "http://loki-gateway.logs.svc.cluster.local:80");
            assert.equal(urls["lgtm-traces"], "http://tempo.traces.svc.cluster.local:3200");
        });
        it("Grafana picks up dashboards from the metrics namespace and its own", () => {
            assert.deepEqual(release(split, "grafana").inputs.values.sidecar.dashboards.searchNamespace, ["metrics", "ui"]);
        });
        it("stack outputs name the endpoints applications use", async () => {
            assert.equal(await valueOf(split.outputs.otlpGrpcEndpoint), "alloy.agents.svc.cluster.local:4317");
            assert.equal(await valueOf(split.outputs.otlpHttpEndpoint), "http://alloy.agents.svc.cluster.local:4318");
            // Pushes go through the agent's receivers, never to Loki's gateway or Prometheus (docs/security.md).
            assert.equal(await valueOf(split.outputs.lokiPushUrl), "http://alloy.agents.svc.cluster.local:3500/loki/api/v1/push");
            assert.equal(await valueOf(split.outputs.prometheusRemoteWriteUrl), "http://alloy.agents.svc.cluster.local:9009/api/v1/metrics/write");
            assert.equal(await valueOf(split.outputs.grafanaUrl), "http://grafana.ui.svc.cluster.local:80");
        });
        it("the Grafana Service output is the release's Service, in the namespace Grafana moved to", async () => {
            const grafana = release(split, "grafana");
            assert.deepEqual(await valueOf(split.outputs.grafanaService), { name: grafana.inputs.values.fullnameOverride, namespace: "ui", port: 80 });
            assert.deepEqual(await valueOf(dev.outputs.grafanaService), { name: "grafana", namespace: "monitoring", port: 80 });
        });
    });

    describe("secrecy", () => {
        it("credentials are generated, and every generated value stays out of release values", () => {
            assert.deepEqual(
                dev.resources
                    .filter((r) => r.type.startsWith("random:"))
                    .map((r) => r.name)
                    .sort(),
                ["grafana-admin-password", "object-storage-root-password", "object-storage-root-user"],
            );
            assert.equal(dev.generatedSecrets.length, 3);
            assert.equal(secret(dev, "grafana-admin").inputs.stringData["admin-password"], mockedCredential("grafana-admin-password"));
            for (const r of dev.resources.filter((x) => x.type === releaseType)) {
                const text = JSON.stringify(r.inputs.values);
                for (const s of dev.generatedSecrets) assert.ok(!text.includes(s), `${r.inputs.name} values contain a credential`);
            }
        });
        it("credentials reach the cluster only as Secrets, which hold them as secrets", () => {
            for (const name of ["minio-root-credentials", "grafana-admin", "loki-s3-credentials", "tempo-s3-credentials", "kps-thanos-objstore", "thanos-objstore"]) {
                const s = secret(dev, name);
                assert.ok(pulumi.runtime.isRpcSecret(s.rawInputs.stringData), `${name} stringData is secret`);
            }
            const loki = secret(dev, "loki-s3-credentials").inputs.stringData;
            assert.ok(dev.generatedSecrets.includes(loki.LOKI_S3_SECRET_ACCESS_KEY));
        });
        it("charts reference the Secrets by name", () => {
            assert.equal(release(dev, "minio").inputs.values.existingSecret, "minio-root-credentials");
            assert.equal(release(dev, "grafana").inputs.values.admin.existingSecret, "grafana-admin");
            assert.deepEqual(release(dev, "loki").inputs.values.defaults.extraEnvFrom, [{ secretRef: { name: "loki-s3-credentials" } }]);
        });
        it("the admin password and object store keys are secret outputs", async () => {
            assert.equal(await pulumi.isSecret(dev.outputs.grafanaAdminPassword), true);
            assert.equal(await pulumi.isSecret(dev.outputs.components.objectStorage.credentials.secretAccessKey), true);
            assert.equal(await pulumi.isSecret(dev.outputs.components.objectStorage.credentials.accessKeyId), true);
        });
        it("the kubeconfig reaches the provider as a secret, so state holds it encrypted", async () => {
            const kubeconfig = "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: sa-token-example\n";
            const withKubeconfig = await evaluatePlatform({ kubeconfig, kubeContext: "kind-lab" });
            const provider = withKubeconfig.resources.find((r) => r.type === "pulumi:providers:kubernetes");
            assert.ok(provider, "no kubernetes provider");
            assert.ok(pulumi.runtime.isRpcSecret(provider.rawInputs.kubeconfig), "kubeconfig input is secret");
            assert.equal(provider.inputs.kubeconfig, kubeconfig);
            assert.equal(provider.inputs.context, "kind-lab");
        });
    });

    describe("credentials the operator brings", () => {
        const brought = { objectStorageAccessKeyId: "minio-break-glass", objectStorageSecretAccessKey: "minio-root-password-from-vault", grafanaAdminPassword: "grafana-admin-password-from-vault" };
        let byo: Evaluation;
        before(async () => {
            byo = await evaluatePlatform(brought);
        });
        it("registers no random resource at all", () => {
            assert.deepEqual(
                byo.resources.filter((r) => r.type.startsWith("random:")).map((r) => r.name),
                [],
            );
            assert.deepEqual(byo.generatedSecrets, []);
        });
        it("MinIO's root Secret and Grafana's admin Secret carry them, as secrets", () => {
            const root = secret(byo, "minio-root-credentials");
            assert.ok(pulumi.runtime.isRpcSecret(root.rawInputs.stringData));
            assert.deepEqual(root.inputs.stringData, { rootUser: brought.objectStorageAccessKeyId, rootPassword: brought.objectStorageSecretAccessKey });
            const admin = secret(byo, "grafana-admin");
            assert.ok(pulumi.runtime.isRpcSecret(admin.rawInputs.stringData));
            assert.deepEqual(admin.inputs.stringData, { "admin-user": "admin", "admin-password": brought.grafanaAdminPassword });
        });
        it("consumers sign with MinIO's root credentials, and no release value holds any of them", () => {
            assert.deepEqual(secret(byo, "loki-s3-credentials").inputs.stringData, {
                LOKI_S3_ACCESS_KEY_ID: brought.objectStorageAccessKeyId,
                LOKI_S3_SECRET_ACCESS_KEY: brought.objectStorageSecretAccessKey,
            });
            for (const r of byo.resources.filter((x) => x.type === releaseType)) {
                const text = JSON.stringify(r.inputs.values);
                for (const value of Object.values(brought)) assert.ok(!text.includes(value), `${r.inputs.name} values contain a credential`);
            }
            // What npm run verify masks and looks for in plain text.
            assert.deepEqual([...byo.configSecrets].sort(), Object.values(brought).sort());
        });
        it("the admin password and object store keys are still secret outputs", async () => {
            assert.equal(await valueOf(byo.outputs.grafanaAdminPassword), brought.grafanaAdminPassword);
            assert.equal(await pulumi.isSecret(byo.outputs.grafanaAdminPassword), true);
            const { credentials } = byo.outputs.components.objectStorage;
            assert.deepEqual([await valueOf(credentials.accessKeyId), await valueOf(credentials.secretAccessKey)], [brought.objectStorageAccessKeyId, brought.objectStorageSecretAccessKey]);
            assert.equal(await pulumi.isSecret(credentials.accessKeyId), true);
            assert.equal(await pulumi.isSecret(credentials.secretAccessKey), true);
        });
        it("one brought, the other generated: Grafana's password alone leaves MinIO's credentials generated", async () => {
            const grafanaOnly = await evaluatePlatform({ grafanaAdminPassword: brought.grafanaAdminPassword });
            assert.deepEqual(
                grafanaOnly.resources
                    .filter((r) => r.type.startsWith("random:"))
                    .map((r) => r.name)
                    .sort(),
                ["object-storage-root-password", "object-storage-root-user"],
            );
            assert.equal(secret(grafanaOnly, "grafana-admin").inputs.stringData["admin-password"], brought.grafanaAdminPassword);
            assert.equal(secret(grafanaOnly, "minio-root-credentials").inputs.stringData.rootPassword, mockedCredential("object-storage-root-password"));
        });
        it("a half pair is rejected, naming both keys and showing no value", async () => {
            await assert.rejects(
                evaluatePlatform({ objectStorageSecretAccessKey: brought.objectStorageSecretAccessKey }),
                (err: Error) =>
                    err.message.includes("lgtm:objectStorageSecretAccessKey = (secret, not shown): expected together with objectStorageAccessKeyId") && !err.message.includes(brought.objectStorageSecretAccessKey),
            );
        });
    });

    describe("external object storage", () => {
        let ext: Evaluation;
        before(async () => {
            ext = await evaluatePlatform({ profile: "prod", grafana: prodGrafana, objectStorage: s3Storage, ...s3Credentials }, "prod");
        });
        it("deploys no MinIO, and no namespace for it", () => {
            assert.equal(ext.resources.filter((r) => r.type === releaseType && r.inputs.name === "minio").length, 0);
            assert.deepEqual(
                ext.resources
                    .filter((r) => r.type === "kubernetes:core/v1:Namespace")
                    .map((r) => r.inputs.metadata.name)
                    .sort(),
                ["monitoring", "monitoring-agents"],
            );
            assert.equal(ext.resources.filter((r) => r.type === "lgtm:storage:ExternalObjectStore").length, 1);
        });
        it("every consumer reaches the S3 endpoint over TLS with its own bucket, through the same consumer code", () => {
            const loki = release(ext, "loki").inputs.values.loki.storage;
            assert.deepEqual([loki.s3.endpoint, loki.s3.region, loki.s3.insecure, loki.s3.s3ForcePathStyle], ["s3.eu-west-1.amazonaws.com", "eu-west-1", false, false]);
            assert.deepEqual(loki.bucketNames, { chunks: "acme-loki-chunks", ruler: "acme-loki-ruler" });
            const tempo = release(ext, "tempo").inputs.values.storage.trace.s3;
            assert.deepEqual([tempo.endpoint, tempo.region, tempo.insecure, tempo.forcepathstyle, tempo.bucket], ["s3.eu-west-1.amazonaws.com", "eu-west-1", false, false, "acme-tempo-traces"]);
            for (const name of ["kps-thanos-objstore", "thanos-objstore"]) {
                const { config } = parse(secret(ext, name).inputs.stringData["objstore.yml"]);
                assert.deepEqual([config.endpoint, config.region, config.insecure, config.bucket_lookup_type, config.bucket], ["s3.eu-west-1.amazonaws.com", "eu-west-1", false, "auto", "acme-thanos-metrics"], name);
            }
        });
        it("the credentials from secret config reach consumers only in their Secrets, as secrets", () => {
            assert.deepEqual(ext.configSecrets.sort(), Object.values(s3Credentials).sort());
            const loki = secret(ext, "loki-s3-credentials");
            assert.ok(pulumi.runtime.isRpcSecret(loki.rawInputs.stringData));
            assert.deepEqual(loki.inputs.stringData, { LOKI_S3_ACCESS_KEY_ID: s3Credentials.objectStorageAccessKeyId, LOKI_S3_SECRET_ACCESS_KEY: s3Credentials.objectStorageSecretAccessKey });
            assert.equal(secret(ext, "tempo-s3-credentials").inputs.stringData.TEMPO_S3_SECRET_ACCESS_KEY, s3Credentials.objectStorageSecretAccessKey);
            assert.equal(parse(secret(ext, "thanos-objstore").inputs.stringData["objstore.yml"]).config.secret_key, s3Credentials.objectStorageSecretAccessKey);
            for (const r of ext.resources.filter((x) => x.type === releaseType)) {
                const text = JSON.stringify(r.inputs.values);
                for (const value of Object.values(s3Credentials)) assert.ok(!text.includes(value), `${r.inputs.name} values contain a credential`);
            }
        });
        it("the stack output names the store and the buckets that must exist", async () => {
            assert.deepEqual(await valueOf(ext.outputs.objectStorage), {
                type: "external",
                endpoint: "s3.eu-west-1.amazonaws.com",
                region: "eu-west-1",
                tls: true,
                forcePathStyle: false,
                buckets: s3Buckets,
            });
            assert.equal(await pulumi.isSecret(ext.outputs.components.objectStorage.credentials.accessKeyId), true);
        });
    });

    describe("Grafana on an external database", () => {
        const password = "s3cr3t-Grafana-DB-pw";
        let ha: Evaluation;
        before(async () => {
            ha = await evaluatePlatform(
                {
                    profile: "prod",
                    grafana: JSON.stringify({
                        ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" },
                        replicas: 2,
                        database: { type: "postgres", host: "grafana-db.example.com:5432", name: "grafana", user: "grafana" },
                    }),
                    namespaces: JSON.stringify({ grafana: "ui" }),
                    objectStorage: s3Storage,
                    ...s3Credentials,
                    grafanaDatabasePassword: password,
                },
                "prod",
            );
        });
        it("the password reaches Grafana only in a Secret of its namespace, as a Pulumi secret, which the release depends on", () => {
            const db = secret(ha, "grafana-database");
            assert.equal(db.inputs.metadata.namespace, "ui");
            assert.ok(pulumi.runtime.isRpcSecret(db.rawInputs.stringData), "stringData is secret");
            assert.deepEqual(db.inputs.stringData, { password });
            assert.equal(db.protect, true, "prod protects it with its component");
            const grafana = release(ha, "grafana");
            assert.ok(
                grafana.dependsOn.some((d) => d.endsWith(":Secret::grafana-database")),
                grafana.dependsOn.join(", "),
            );
            assert.deepEqual(grafana.inputs.values.envValueFrom, { GF_DATABASE_PASSWORD: { secretKeyRef: { name: "grafana-database", key: "password" } } });
            const elsewhere = JSON.stringify(ha.resources.filter((r) => r !== db).map((r) => r.inputs));
            assert.ok(!elsewhere.includes(password), "the password leaked outside its Secret");
            assert.ok(ha.configSecrets.includes(password));
        });
        it("runs the replicas on the database, without a volume, spread, budgeted and gossiping for alerting", () => {
            const values = release(ha, "grafana").inputs.values;
            assert.equal(values.replicas, 2);
            assert.deepEqual(values["grafana.ini"].database, { type: "postgres", host: "grafana-db.example.com:5432", name: "grafana", user: "grafana", ssl_mode: "require" });
            assert.equal(values.persistence.enabled, false);
            assert.equal(values.deploymentStrategy.type, "RollingUpdate", "no shared volume: replaced one at a time");
            assert.deepEqual(values.podDisruptionBudget, { maxUnavailable: 1 });
            assert.ok(values.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, "one per node");
            assert.equal(values["grafana.ini"].unified_alerting.ha_peers, "grafana-headless.ui.svc.cluster.local:9094");
        });
        it("without a database: one Grafana on SQLite, and no database Secret", () => {
            const values = release(dev, "grafana").inputs.values;
            assert.deepEqual([values.replicas, values["grafana.ini"].database, values.envValueFrom], [1, undefined, undefined]);
            assert.equal(ha.resources.filter((r) => r.inputs.metadata?.name === "grafana-database").length, 1);
            assert.equal(dev.resources.filter((r) => r.inputs.metadata?.name === "grafana-database").length, 0);
        });
    });

    describe("profiles", () => {
        let prod: Evaluation;
        let prodMinio: Evaluation;
        before(async () => {
            prod = await evaluatePlatform({ profile: "prod", grafana: prodGrafana, storageClass: "fast-ssd", objectStorage: s3Storage, ...s3Credentials }, "prod");
            prodMinio = await evaluatePlatform({ profile: "prod", grafana: prodGrafana, storageClass: "fast-ssd", objectStorage: JSON.stringify({ type: "minio" }) }, "prod");
        });
        it("dev: one of each, standalone MinIO, Monolithic Loki, state on emptyDir", () => {
            const kps = release(dev, "kps").inputs.values;
            assert.equal(kps.prometheus.prometheusSpec.replicas, 1);
            assert.equal(kps.prometheus.prometheusSpec.storageSpec, undefined);
            assert.equal(release(dev, "minio").inputs.values.mode, "standalone");
            assert.equal(release(dev, "loki").inputs.values.deploymentMode, "Monolithic");
        });
        it("prod: HA replicas deduplicated by Thanos", () => {
            const kps = release(prod, "kps").inputs.values;
            assert.equal(kps.prometheus.prometheusSpec.replicas, 2);
            assert.equal(kps.alertmanager.alertmanagerSpec.replicas, 3);
            const thanos = release(prod, "thanos").inputs.values;
            assert.equal(thanos.query.replicas, 2);
            assert.equal(thanos.storeGateway.replicas, 2);
            assert.deepEqual(thanos.additionalReplicaLabels, ["prometheus_replica"]);
        });
        it("dev: monolithic Tempo; prod: tempo-distributed with replication factor 3", () => {
            assert.equal(release(dev, "tempo").inputs.chart, charts.tempo.name);
            const tempo = release(prod, "tempo");
            assert.equal(tempo.inputs.chart, charts.tempoDistributed.name);
            assert.equal(tempo.inputs.version, charts.tempoDistributed.version);
            assert.equal(tempo.inputs.repositoryOpts.repo, charts.tempoDistributed.repository);
            assert.equal(tempo.inputs.values.fullnameOverride, "tempo");
            assert.equal(tempo.inputs.values.ingester.config.replication_factor, 3);
            assert.equal(tempo.inputs.values.ingester.replicas, 3);
            assert.equal(tempo.inputs.values.metaMonitoring.serviceMonitor.enabled, true);
        });
        it("prod: Grafana, Alloy and the outputs point at the distributed Services, in Tempo's namespace", async () => {
            const moved = await evaluatePlatform(
                { profile: "prod", grafana: prodGrafana, objectStorage: JSON.stringify({ type: "minio" }), namespaces: JSON.stringify({ traces: "traces", objectStorage: "storage" }) },
                "prod",
            );
            const traces = moved.outputs.components.traces;
            assert.equal(await valueOf(traces.queryUrl), "http://tempo-query-frontend.traces.svc.cluster.local:3200");
            assert.equal(await valueOf(traces.otlpGrpcEndpoint), "tempo-distributor.traces.svc.cluster.local:4317");
            assert.equal(await valueOf(traces.otlpHttpEndpoint), "http://tempo-distributor.traces.svc.cluster.local:4318");
            const ds = release(moved, "grafana").inputs.values.datasources["datasources.yaml"].datasources;
            assert.equal(ds.find((d: any) => d.uid === "lgtm-traces").url, await valueOf(traces.queryUrl));
            const content: string = release(moved, "alloy").inputs.values.alloy.configMap.content;
            assert.ok(content.includes(`endpoint = "${await valueOf(traces.otlpGrpcEndpoint)}"`), content);
            const values = release(moved, "tempo").inputs.values;
            assert.equal(values.storage.trace.s3.endpoint, "minio.storage.svc.cluster.local:9000");
            assert.equal(values.metricsGenerator.config.storage.remote_write[0].url, await valueOf(moved.outputs.components.metrics.remoteWriteUrl));
            assert.deepEqual(values.defaults.extraEnvFrom, [{ secretRef: { name: "tempo-s3-credentials" } }]);
            assert.equal(secret(moved, "tempo-s3-credentials").inputs.metadata.namespace, "traces");
            assert.ok(release(moved, "tempo").dependsOn.includes(`${releaseType}::prometheus-crds`));
        });
        it("dev with tempo.mode distributed: the same wiring, replication factor 3 by default", async () => {
            const distributed = await evaluatePlatform({ tempo: JSON.stringify({ mode: "distributed" }) });
            const tempo = release(distributed, "tempo");
            assert.equal(tempo.inputs.chart, charts.tempoDistributed.name);
            assert.equal(tempo.inputs.values.ingester.config.replication_factor, 3);
            assert.equal(tempo.inputs.values.ingester.persistence.enabled, false);
            assert.equal(await valueOf(distributed.outputs.components.traces.queryUrl), "http://tempo-query-frontend.monitoring.svc.cluster.local:3200");
        });
        it("prod: the agent pushes logs as the Loki tenant", () => {
            assert.ok(String(release(prod, "alloy").inputs.values.alloy.configMap.content).includes('tenant_id = "platform"'));
        });
        it("prod: declaring more logs and spans runs more of Loki's and Tempo's parts, with limits for the same rates", async () => {
            const busy = await evaluatePlatform(
                { profile: "prod", grafana: prodGrafana, objectStorage: s3Storage, ...s3Credentials, loki: JSON.stringify({ expectedIngestMBps: 50 }), tempo: JSON.stringify({ expectedIngestMBps: 25 }) },
                "prod",
            );
            const [loki, busyLoki] = [release(prod, "loki").inputs.values, release(busy, "loki").inputs.values];
            for (const part of ["ingester", "distributor", "querier", "indexGateway", "queryFrontend"]) {
                assert.ok(busyLoki[part].replicas > loki[part].replicas, `Loki ${part}: ${busyLoki[part].replicas} at 50 MB/s, ${loki[part].replicas} at 10`);
            }
            assert.deepEqual([loki.ingester.replicas, busyLoki.ingester.replicas], [3, 12]);
            assert.deepEqual([loki.distributor.replicas, busyLoki.distributor.replicas], [2, 6]);
            assert.deepEqual([busyLoki.compactor.replicas, busyLoki.loki.limits_config.ingestion_rate_mb], [1, 100]);
            const [tempo, busyTempo] = [release(prod, "tempo").inputs.values, release(busy, "tempo").inputs.values];
            for (const part of ["ingester", "distributor", "querier", "compactor"]) {
                assert.ok(busyTempo[part].replicas > tempo[part].replicas, `Tempo ${part}: ${busyTempo[part].replicas} at 25 MB/s, ${tempo[part].replicas} at 5`);
            }
            assert.deepEqual([tempo.ingester.replicas, busyTempo.ingester.replicas], [3, 9]);
            assert.equal(busyTempo.overrides.defaults.ingestion.rate_limit_bytes, 50 * 2 ** 20);
        });
        it("prod: Loki Distributed with replication and tenants", () => {
            const loki = release(prod, "loki").inputs.values;
            assert.equal(loki.deploymentMode, "Distributed");
            assert.equal(loki.loki.commonConfig.replication_factor, 3);
            assert.equal(loki.loki.auth_enabled, true);
        });
        it("prod: ingesters spread over nodes without zones; with three zones, zone-aware and pinned to them", async () => {
            assert.deepEqual(release(prod, "loki").inputs.values.ingester.zoneAwareReplication, { enabled: false });
            const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
            const zoned = await evaluatePlatform({ profile: "prod", grafana: prodGrafana, objectStorage: s3Storage, ...s3Credentials, zones: JSON.stringify(zones) }, "prod");
            const loki = release(zoned, "loki").inputs.values;
            const zoneAware = loki.ingester.zoneAwareReplication;
            assert.equal(zoneAware.enabled, true);
            assert.deepEqual(
                [zoneAware.zoneA, zoneAware.zoneB, zoneAware.zoneC].map((z) => z.nodeSelector["topology.kubernetes.io/zone"]),
                zones,
            );
            assert.equal(loki.loki.commonConfig.replication_factor, 3);
            assert.equal(loki.rollout_operator.enabled, true);
        });
        it("prod: external S3 by default; MinIO when kept is distributed over 4 pods with a PVC each and versioned buckets", () => {
            assert.equal(prod.outputs.components.objectStorage.constructor.name, "ExternalObjectStore");
            const minio = release(prodMinio, "minio").inputs.values;
            assert.deepEqual([minio.mode, minio.replicas, minio.pools, minio.drivesPerNode], ["distributed", 4, 1, 1]);
            assert.deepEqual(minio.persistence, { enabled: true, size: "100Gi", storageClass: "fast-ssd" });
            assert.deepEqual(new Set((minio.buckets as any[]).map((b) => b.versioning)), new Set([true]));
            assert.equal(minio.podDisruptionBudget.maxUnavailable, 1);
        });
        it("alert rules follow what each stack deploys: MinIO's only with MinIO, each topology's only with it", () => {
            assert.deepEqual(platformRuleFiles(dev), ["alloy", "grafana", "loki", "loki-monolithic", "metrics", "minio", "tempo", "tempo-monolithic", "thanos"]);
            assert.deepEqual(platformRuleFiles(prod), ["alloy", "grafana", "loki", "loki-distributed", "metrics", "tempo", "tempo-distributed", "thanos"]);
            assert.deepEqual(platformRuleFiles(prodMinio), ["alloy", "grafana", "loki", "loki-distributed", "metrics", "minio", "tempo", "tempo-distributed", "thanos"]);
        });
        it("prod on external S3 has no rule on MinIO, which would fire for ever; dev has them", () => {
            const minioRules = (e: Evaluation) => platformAlertRules(e).filter((r) => r.alert.startsWith("Minio") || r.expr.includes('job="minio"'));
            assert.deepEqual(minioRules(prod), []);
            assert.ok(
                minioRules(dev).some((r) => r.alert === "MinioDown"),
                "dev alerts on MinIO down",
            );
        });
        it("every rule file of the repository is deployed by dev or prod, or with the parts only config asks for", async () => {
            // A fleet's central platform adds Thanos Receive, and with it its rules.
            const central = await evaluatePlatform({
                loki: JSON.stringify({ multiTenancy: true }),
                fleet: JSON.stringify({ edges: [{ name: "edge-a" }], ingress: { host: "ingest.example.com" } }),
            });
            assert.deepEqual(platformRuleFiles(central), ["alloy", "grafana", "loki", "loki-monolithic", "metrics", "minio", "tempo", "tempo-monolithic", "thanos", "thanos-receive"]);
            const deployed = new Set([...platformRuleFiles(dev), ...platformRuleFiles(prod), ...platformRuleFiles(await evaluatePlatform(collectingEverything)), ...platformRuleFiles(central)]);
            assert.deepEqual(
                loadRuleFiles(defaultRulesDir())
                    .map((f) => f.stem)
                    .filter((stem) => !deployed.has(stem)),
                [],
            );
        });
        it("prod: persistence on with the configured storage class, longer retention", () => {
            const spec = release(prod, "kps").inputs.values.prometheus.prometheusSpec;
            assert.equal(get(spec, ["storageSpec", "volumeClaimTemplate", "spec", "storageClassName"]), "fast-ssd");
            assert.equal(release(prod, "tempo").inputs.values.ingester.persistence.storageClass, "fast-ssd");
            assert.equal(release(prod, "tempo").inputs.values.metricsGenerator.persistence.storageClass, "fast-ssd");
            const grafana = release(prod, "grafana").inputs.values;
            const keep = { "helm.sh/resource-policy": "keep" };
            assert.deepEqual(grafana.persistence, { enabled: true, size: "10Gi", storageClassName: "fast-ssd", annotations: keep }, "Grafana on SQLite keeps it on a volume, kept when the release stops rendering it");
            assert.deepEqual(grafana.deploymentStrategy, { type: "Recreate" }, "one Grafana on a ReadWriteOnce volume is replaced, never two at once");
            assert.equal(release(prod, "loki").inputs.values.ingester.persistence.enabled, true);
            assert.equal(release(prod, "loki").inputs.values.ingester.persistence.claims[0].storageClass, "fast-ssd");
            assert.deepEqual(release(prod, "loki").inputs.values.compactor.persistence, { enabled: true, size: "20Gi", storageClass: "fast-ssd" });
            assert.equal(spec.retention, "48h");
            assert.equal(release(prod, "loki").inputs.values.loki.limits_config.retention_period, "744h");
        });
        it("prod: Grafana sends the Loki tenant and is reached through its ingress", async () => {
            const logs = release(prod, "grafana").inputs.values.datasources["datasources.yaml"].datasources[1];
            assert.equal(logs.jsonData.httpHeaderName1, "X-Scope-OrgID");
            assert.equal(await valueOf(prod.outputs.grafanaUrl), "https://grafana.example.com");
        });
        it("prod: a cert-manager issuer in config annotates Grafana's ingress, which serves the Secret cert-manager writes, over HTTPS", async () => {
            const issued = await evaluatePlatform(
                {
                    profile: "prod",
                    grafana: JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com", className: "nginx", issuer: { kind: "ClusterIssuer", name: "letsencrypt-prod" } } }),
                    objectStorage: s3Storage,
                    ...s3Credentials,
                },
                "prod",
            );
            const values = release(issued, "grafana").inputs.values;
            assert.deepEqual(values.ingress.annotations, { "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
            assert.deepEqual(values.ingress.tls, [{ secretName: `${values.fullnameOverride}-tls`, hosts: ["grafana.example.com"] }]);
            assert.equal(values["grafana.ini"].security.cookie_secure, true);
            assert.equal(await valueOf(issued.outputs.grafanaUrl), "https://grafana.example.com");
            const existing = release(prod, "grafana").inputs.values.ingress;
            assert.deepEqual([existing.annotations, existing.tls], [undefined, [{ secretName: "grafana-tls", hosts: ["grafana.example.com"] }]]);
        });
        it("unless lgtm:protectData is false, every release holding data, its Secrets, the Namespaces and the CRDs are protected, in dev too", async () => {
            const stateful = ["prometheus-crds", "kps", "thanos", "loki", "tempo", "grafana"];
            for (const e of [prod, dev]) {
                for (const name of stateful) assert.equal(release(e, name).protect, true, `${e.config.profile} ${name}`);
                assert.equal(release(e, "alloy").protect, false, "the agent holds no data");
                for (const ns of e.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace")) assert.equal(ns.protect, true, ns.inputs.metadata.name);
                assert.equal(secret(e, "grafana-admin").protect, true, "a child inherits its component's protection");
            }
            const teardown = await evaluatePlatform({ protectData: "false" });
            assert.deepEqual(
                teardown.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.name),
                [],
            );
        });
        it("the Namespaces holding volumes stay in the cluster when the stack deletes them; the agents' Namespace goes", async () => {
            const spread = await evaluatePlatform(
                { profile: "prod", grafana: prodGrafana, objectStorage: JSON.stringify({ type: "minio" }), namespaces: JSON.stringify({ objectStorage: "lgtm-storage", logs: "lgtm-logs" }) },
                "prod",
            );
            const namespaces = spread.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
            const names = (retained: boolean) =>
                namespaces
                    .filter((r) => r.retainOnDelete === retained)
                    .map((r) => r.inputs.metadata.name)
                    .sort();
            assert.deepEqual([names(true), names(false)], [["lgtm-logs", "lgtm-storage", "monitoring"], ["monitoring-agents"]]);
        });
        it("prod protects MinIO when it keeps MinIO", async () => {
            const withMinio = await evaluatePlatform({ profile: "prod", grafana: prodGrafana, objectStorage: JSON.stringify({ type: "minio" }) }, "prod");
            assert.equal(release(withMinio, "minio").protect, true);
            assert.equal(secret(withMinio, "minio-root-credentials").protect, true);
            // Distributed, its claims come from a StatefulSet's templates, which cannot take new annotations once created.
            assert.equal(release(withMinio, "minio").inputs.values.persistence.annotations, undefined);
            assert.deepEqual(release(dev, "minio").inputs.values.persistence.annotations, { "helm.sh/resource-policy": "keep" }, "standalone: the chart's own claim, kept");
        });
        it("every container of every profile has requests and limits", () => {
            for (const e of [dev, prod]) {
                const walk = (node: any, path: string): void => {
                    if (node && typeof node === "object") {
                        if (("requests" in node || "limits" in node) && !node.requests?.storage) {
                            assert.ok(node.requests?.cpu && node.requests?.memory && node.limits?.cpu && node.limits?.memory, path);
                        }
                        for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`);
                    }
                };
                for (const r of e.resources.filter((x) => x.type === releaseType)) walk(r.inputs.values, r.inputs.name);
            }
        });
    });

    describe("platform health: scraped, alerted, notified", () => {
        const crdsRelease = `${releaseType}::prometheus-crds`;
        const scraped: [string, string[]][] = [
            ["minio", ["metrics", "serviceMonitor", "enabled"]],
            ["kps", ["prometheus", "thanosServiceMonitor", "enabled"]],
            ["thanos", ["serviceMonitor", "enabled"]],
            ["loki", ["monitoring", "serviceMonitor", "enabled"]],
            ["tempo", ["serviceMonitor", "enabled"]],
            ["grafana", ["serviceMonitor", "enabled"]],
            ["alloy", ["serviceMonitor", "enabled"]],
        ];
        for (const [releaseName, path] of scraped) {
            it(`${releaseName} ships its scrape config (${path.join(".")}) and is installed after the CRDs`, () => {
                const r = release(dev, releaseName);
                assert.equal(get(r.inputs.values, path), true);
                assert.ok(r.dependsOn.includes(crdsRelease), `${releaseName} depends on ${r.dependsOn.join(", ")}`);
            });
        }
        it("the platform's alert rules are PrometheusRules in the metrics namespace, after the CRDs", () => {
            const rules = split.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.inputs.metadata.name.startsWith("lgtm-"));
            assert.ok(rules.length >= 6, `${rules.length} rule objects`);
            for (const r of rules) {
                assert.equal(r.inputs.metadata.namespace, "metrics");
                assert.ok(r.dependsOn.includes(crdsRelease), r.inputs.metadata.name);
            }
        });
        it("without notification URLs, every alert goes to the null receiver and no Secret is mounted", () => {
            const am = release(dev, "kps").inputs.values.alertmanager;
            assert.deepEqual(
                am.config.receivers.map((r: any) => r.name),
                ["null"],
            );
            assert.equal(am.alertmanagerSpec.secrets, undefined);
            assert.equal(
                dev.resources.find((r) => r.inputs.metadata?.name === "alertmanager-notification-urls"),
                undefined,
            );
        });
        it("notification URLs reach Alertmanager only through a Secret it mounts", async () => {
            const slack = "https://hooks.slack.example/services/T0/B0/XYZ";
            const hook = "https://receiver.example/alerts";
            const notified = await evaluatePlatform(
                { slackWebhookUrl: slack, alertWebhookUrl: hook, alerting: JSON.stringify({ slackChannel: "#platform-alerts" }), namespaces: JSON.stringify({ metrics: "metrics" }) },
                "dev",
            );
            const urls = secret(notified, "alertmanager-notification-urls");
            assert.equal(urls.inputs.metadata.namespace, "metrics");
            assert.equal(urls.hasSecretInputs, true);
            assert.deepEqual(Object.values(urls.inputs.stringData).sort(), [hook, slack].sort());
            const kps = release(notified, "kps");
            assert.deepEqual(kps.inputs.values.alertmanager.alertmanagerSpec.secrets, ["alertmanager-notification-urls"]);
            const receiver = kps.inputs.values.alertmanager.config.receivers.find((r: any) => r.name === "platform");
            assert.equal(receiver.slack_configs[0].channel, "#platform-alerts");
            assert.match(receiver.slack_configs[0].api_url_file, /^\/etc\/alertmanager\/secrets\/alertmanager-notification-urls\//);
            assert.ok(
                kps.dependsOn.some((d) => d.endsWith(":Secret::alertmanager-notifications")),
                kps.dependsOn.join(", "),
            );
            const everything = JSON.stringify(notified.resources.filter((r) => r !== urls).map((r) => r.inputs));
            assert.ok(!everything.includes(slack) && !everything.includes(hook), "a URL leaked outside its Secret");
        });
    });
});
