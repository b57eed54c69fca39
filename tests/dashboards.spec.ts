import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { charts } from "../components/charts";
import { buildDashboardConfigMaps, DashboardFile, dashboardFolders, dashboardPanels, kubernetesDashboardsFolder, maxDashboardBytes, projectDashboardsDirectory, readDashboardFiles } from "../components/dashboards";
import { buildDatasources, buildGrafanaValues, dashboardFolderAnnotation, dashboardLabel, datasourceUids } from "../components/grafana";
import { buildMetricsValues } from "../components/metrics";
import { profileSizing } from "../stacks/profiles";
import { Evaluation, evaluatePlatform, RegisteredResource } from "../tools/render/evaluate";
import { findHelm, findLocalChart, helmTemplate } from "../tools/render/helm";
import { CollectedRelease, K8sObject } from "../tools/render/types";
import { dashboardQueries, promqlRuleFile, variablePromql, withVariablesSubstituted } from "../tools/dashboards/write-promql-rules";

const files = readDashboardFiles(projectDashboardsDirectory);
const dashboards = files.map((f) => ({ where: `${f.area}/${f.fileName}`, area: f.area, json: JSON.parse(f.text) }));

/** Every `datasource` value anywhere in a dashboard (panels, targets, variables, annotations). */
function datasourceRefs(node: unknown, out: unknown[] = []): unknown[] {
    if (Array.isArray(node)) node.forEach((n) => datasourceRefs(n, out));
    else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
            if (k === "datasource") out.push(v);
            else datasourceRefs(v, out);
        }
    }
    return out;
}

describe("project dashboards", () => {
    it("there is at least one dashboard in every area, and every area has a folder", () => {
        assert.deepEqual([...new Set(files.map((f) => f.area))].sort(), Object.keys(dashboardFolders).sort());
        assert.ok(!Object.values(dashboardFolders).includes(kubernetesDashboardsFolder), "our folders stay apart from kube-prometheus-stack's");
    });
    it("build into one ConfigMap each, with DNS-label names, under the ConfigMap size limit", () => {
        const specs = buildDashboardConfigMaps(files);
        assert.equal(specs.length, files.length);
        specs.forEach((spec, i) => {
            assert.match(spec.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
            assert.ok(spec.name.length <= 63, spec.name);
            assert.ok(Buffer.byteLength(spec.json) + spec.name.length + spec.folder.length < 1024 * 1024, `${spec.name} too large`);
            assert.equal(spec.folder, dashboardFolders[files[i].area]);
        });
        assert.equal(new Set(specs.map((s) => s.uid)).size, specs.length, "unique uids");
        assert.equal(new Set(specs.map((s) => s.title)).size, specs.length, "unique titles");
    });
    for (const { where, json } of dashboards) {
        describe(where, () => {
            const panels = dashboardPanels(json).filter((p) => p.type !== "row");
            it("is a current, small dashboard: schemaVersion 39 or later, 5 to 10 panels, unique panel ids, inside the 24-column grid", () => {
                assert.ok(json.schemaVersion >= 39, `schemaVersion ${json.schemaVersion}`);
                assert.ok(panels.length >= 5 && panels.length <= 10, `${panels.length} panels`);
                assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
                for (const p of panels) assert.ok((p.gridPos as any).x + (p.gridPos as any).w <= 24, `panel "${p.title}" overflows`);
            });
            it("every datasource reference is a provisioned datasource, by UID and of its type", () => {
                const provisioned = buildDatasources({ metricsUrl: "http://m", logsUrl: "http://l", tracesUrl: "http://t", alertmanagerUrl: "http://a", scrapeInterval: "30s" }).datasources as {
                    uid: string;
                    type: string;
                }[];
                const typeOf = new Map(provisioned.map((d) => [d.uid, d.type]));
                const refs = datasourceRefs(json);
                assert.ok(refs.length >= panels.length * 2, "every panel and query names its datasource");
                for (const ref of refs) {
                    const { uid, type } = ref as { uid: string; type: string };
                    assert.ok(typeOf.has(uid), `unknown datasource ${JSON.stringify(ref)}`);
                    assert.equal(type, typeOf.get(uid), `datasource ${uid} is a ${typeOf.get(uid)}`);
                }
                assert.ok(
                    refs.every((r) => (r as { uid: string }).uid === datasourceUids.metrics),
                    "these dashboards read metrics only",
                );
            });
            it("every panel has a PromQL query, and every variable a query uses is defined", () => {
                const queries = dashboardQueries(json);
                for (const p of panels)
                    assert.ok(
                        queries.some((q) => q.where === `panel "${p.title}"`),
                        `panel "${p.title}" has no query`,
                    );
                const defined = new Set<string>((json.templating?.list ?? []).map((v: { name: string }) => v.name));
                assert.ok(defined.has("cluster"), "a cluster variable");
                for (const { where: at, expr } of queries) {
                    for (const [, name] of expr.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
                        if (!name.startsWith("__")) assert.ok(defined.has(name), `${at} uses $${name}, which is not a variable of the dashboard`);
                    }
                    if (at.startsWith("panel")) assert.ok(expr.includes('cluster=~"$cluster"'), `${at} does not filter on the cluster: ${expr}`);
                }
            });
        });
    }
});

describe("dashboard ConfigMaps: what the builder rejects", () => {
    const ds = { type: "prometheus", uid: datasourceUids.metrics };
    const dashboard = (over: Record<string, unknown> = {}) => ({
        uid: "d1",
        title: "One",
        schemaVersion: 41,
        panels: [{ id: 1, type: "timeseries", title: "p", datasource: ds, targets: [{ refId: "A", datasource: ds, expr: "up" }] }],
        ...over,
    });
    const file = (over: Partial<DashboardFile> & { json?: unknown } = {}): DashboardFile => ({
        area: over.area ?? "logs",
        fileName: over.fileName ?? "one.json",
        text: over.text ?? JSON.stringify(over.json ?? dashboard()),
    });
    const rejects = (input: DashboardFile[], pattern: RegExp) => assert.throws(() => buildDashboardConfigMaps(input), pattern);

    it("accepts a well-formed dashboard: name, folder, key, compact JSON", () => {
        const [spec] = buildDashboardConfigMaps([file()]);
        assert.deepEqual({ name: spec.name, folder: spec.folder, key: spec.key, uid: spec.uid, title: spec.title }, { name: "dashboard-logs-one", folder: "Logs", key: "one.json", uid: "d1", title: "One" });
        assert.equal(spec.json, JSON.stringify(dashboard()));
    });
    it("an area without a folder", () => rejects([file({ area: "misc" })], /dashboards\/misc\/one\.json: no Grafana folder for area "misc"; areas are logs, traces/));
    it("invalid JSON", () => rejects([file({ text: "{ nope" })], /dashboards\/logs\/one\.json: not valid JSON/));
    it("a missing or malformed uid", () => {
        rejects([file({ json: dashboard({ uid: undefined }) })], /uid undefined must be 1-40 letters/);
        rejects([file({ json: dashboard({ uid: "x".repeat(41) }) })], /must be 1-40 letters/);
    });
    it("a uid or a title used twice", () => {
        rejects([file(), file({ fileName: "two.json", json: dashboard({ title: "Two" }) })], /dashboards\/logs\/two\.json: uid "d1" is also used by dashboards\/logs\/one\.json/);
        rejects([file(), file({ area: "traces", json: dashboard({ uid: "d2" }) })], /title "One" is also used by dashboards\/logs\/one\.json/);
    });
    it("an exported numeric id", () => rejects([file({ json: dashboard({ id: 12 }) })], /has "id": 12; remove it/));
    it("a datasource Grafana does not have, an import placeholder, or none", () => {
        const panel = (datasource: unknown, targetDatasource: unknown = ds) => [{ id: 1, type: "stat", title: "p", datasource, targets: [{ refId: "A", datasource: targetDatasource, expr: "up" }] }];
        rejects([file({ json: dashboard({ panels: panel({ type: "prometheus", uid: "prometheus" }) }) })], /panel "p" uses datasource "prometheus"; provisioned UIDs are lgtm-metrics, lgtm-logs/);
        rejects([file({ json: dashboard({ panels: panel({ type: "prometheus", uid: "${DS_PROMETHEUS}" }) }) })], /contains the import placeholder \$\{DS_PROMETHEUS\}/);
        rejects([file({ json: dashboard({ panels: panel(ds, null) }) })], /panel "p" query 1 has no datasource/);
        rejects([file({ json: dashboard({ panels: panel(undefined) }) })], /panel "p" has no datasource/);
        rejects([file({ json: dashboard({ templating: { list: [{ name: "v", type: "query", datasource: { uid: "other" }, query: "label_values(up, job)" }] } }) })], /variable "v" uses datasource "other"/);
    });
    it("a panel without queries, also inside a row", () => {
        rejects([file({ json: dashboard({ panels: [{ type: "row", title: "r", panels: [{ id: 2, type: "timeseries", title: "inner", datasource: ds, targets: [] }] }] }) })], /panel "inner" has no queries/);
    });
    it("a file name that makes no DNS label", () => rejects([file({ fileName: "Loki Overview.json" })], /ConfigMap name "dashboard-logs-Loki Overview" is not a DNS label/));
    it("a dashboard too large for a ConfigMap", () => {
        rejects([file({ json: dashboard({ description: "x".repeat(maxDashboardBytes) }) })], /bytes of JSON exceed the \d+ bytes a ConfigMap can hold/);
    });
    it("reports every problem at once", () => {
        assert.throws(
            () => buildDashboardConfigMaps([file({ area: "misc" }), file({ fileName: "b.json", text: "[" })]),
            (e: Error) => e.message.split("\n  - ").length === 3,
        );
    });
    it("reading: only area directories of .json files", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-dashboards-"));
        try {
            fs.mkdirSync(path.join(dir, "logs"));
            fs.writeFileSync(path.join(dir, "logs", "b.json"), "{}");
            fs.writeFileSync(path.join(dir, "logs", "a.json"), "{}");
            assert.deepEqual(
                readDashboardFiles(dir).map((f) => `${f.area}/${f.fileName}`),
                ["logs/a.json", "logs/b.json"],
            );
            fs.writeFileSync(path.join(dir, "logs", "notes.md"), "");
            assert.throws(() => readDashboardFiles(dir), /notes\.md: expected only \.json dashboard files/);
            fs.rmSync(path.join(dir, "logs", "notes.md"));
            fs.writeFileSync(path.join(dir, "README.md"), "");
            assert.throws(() => readDashboardFiles(dir), /README\.md: expected only area directories/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("dashboard PromQL for promtool", () => {
    it("takes the selector of label_values and the expression of query_result; other variable queries hold no PromQL", () => {
        assert.equal(variablePromql('label_values(kube_pod_info{pod=~"loki-.*"}, namespace)'), 'kube_pod_info{pod=~"loki-.*"}');
        assert.equal(variablePromql("query_result(topk(5, up))"), "topk(5, up)");
        assert.equal(variablePromql("label_values(cluster)"), undefined);
    });
    it("replaces interval variables with a duration and the others with a match-all regex", () => {
        assert.equal(withVariablesSubstituted('sum(rate(x{cluster=~"$cluster", namespace="${namespace}"}[$__rate_interval])) + rate(y[${__interval}])'), 'sum(rate(x{cluster=~".*", namespace=".*"}[5m])) + rate(y[5m])');
    });
    it("groups the queries by panel, with record names unique in the file", () => {
        const file = promqlRuleFile("D", [
            { where: 'panel "a"', expr: "up" },
            { where: 'panel "a"', expr: "up" },
            { where: 'panel "b"', expr: "up" },
        ]);
        assert.deepEqual(
            file.groups.map((g) => g.name),
            ['D: panel "a"', 'D: panel "b"'],
        );
        assert.deepEqual(
            file.groups.flatMap((g) => g.rules.map((r) => r.record)),
            ["dashboard_query_1", "dashboard_query_2", "dashboard_query_3"],
        );
    });
});

describe("dashboard folders in Grafana's values", () => {
    it("Grafana's sidecar files dashboards into the folder their annotation names", () => {
        const dev = profileSizing("dev");
        const v = buildGrafanaValues({
            releaseName: "grafana",
            namespace: "g",
            subPath: "",
            replicas: 1,
            zones: [],
            nodeSpread: "required" as const,
            persistence: { enabled: false, size: "1Gi" },
            resources: dev.grafana.server,
            sidecarResources: dev.grafana.sidecar,
            datasources: { metricsUrl: "http://m", logsUrl: "http://l", tracesUrl: "http://t", alertmanagerUrl: "http://a", scrapeInterval: "30s" },
            dashboardNamespaces: ["m", "g"],
            adminSecretName: "grafana-admin",
        }) as any;
        assert.equal(v.sidecar.dashboards.label, dashboardLabel);
        assert.equal(v.sidecar.dashboards.folderAnnotation, dashboardFolderAnnotation);
        assert.equal(v.sidecar.dashboards.provider.foldersFromFilesStructure, true);
        assert.deepEqual(v.sidecar.dashboards.searchNamespace, ["m", "g"]);
    });
    it("kube-prometheus-stack labels its dashboards for that sidecar and annotates them into the Kubernetes folder", () => {
        const v = buildMetricsValues({
            releaseName: "kps",
            clusterName: "c",
            retention: "1d",
            retentionSize: "1GB",
            scrapeInterval: "30s",
            prometheusReplicas: 1,
            alertmanagerReplicas: 1,
            prometheusStorage: { enabled: false, size: "1Gi" },
            alertmanagerStorage: { enabled: false, size: "1Gi" },
            sizing: profileSizing("dev").metrics,
            objstoreSecretName: "o",
            agentsNamespace: "a",
            zones: [],
            nodeSpread: "required" as const,
        }) as any;
        assert.equal(v.grafana.forceDeployDashboards, true);
        assert.equal(v.grafana.sidecar.dashboards.label, dashboardLabel);
        assert.deepEqual(v.grafana.sidecar.dashboards.annotations, { [dashboardFolderAnnotation]: kubernetesDashboardsFolder });
    });
});

describe("dashboards in the platform", function () {
    let split: Evaluation;
    const configMaps = () => split.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.metadata?.labels?.[dashboardLabel]);
    const releaseOf = (name: string): RegisteredResource => split.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === name)!;
    before(async () => {
        split = await evaluatePlatform({ namespaces: JSON.stringify({ metrics: "metrics", grafana: "ui" }) });
    });

    it("one ConfigMap per dashboard file, in Grafana's namespace, labelled and annotated with its folder", () => {
        const cms = configMaps();
        assert.equal(cms.length, files.length);
        for (const cm of cms) {
            assert.equal(cm.inputs.metadata.namespace, "ui");
            assert.equal(cm.inputs.metadata.labels[dashboardLabel], "1");
            assert.ok(Object.values(dashboardFolders).includes(cm.inputs.metadata.annotations[dashboardFolderAnnotation]), cm.inputs.metadata.name);
        }
    });
    it("Grafana's sidecar searches the metrics namespace and its own", () => {
        assert.deepEqual(releaseOf("grafana").inputs.values.sidecar.dashboards.searchNamespace, ["metrics", "ui"]);
    });

    describe("rendered with the pinned charts", function () {
        this.timeout(120_000);
        const chartsDir = process.env.LGTM_CHARTS_DIR ?? path.join(__dirname, "..", ".cache", "charts");
        const rendered: K8sObject[] = [];
        before(async function () {
            let helm: string;
            try {
                helm = findHelm();
            } catch {
                console.log("      skipped rendered dashboard checks: no helm (set HELM_BIN or put helm on PATH)");
                return this.skip();
            }
            const wanted = [charts.kubePrometheusStack, charts.grafana];
            const chartPaths = wanted.map((ref) => (fs.existsSync(chartsDir) ? findLocalChart(ref, [chartsDir]) : undefined));
            if (chartPaths.some((p) => !p)) {
                console.log(`      skipped rendered dashboard checks: kube-prometheus-stack and grafana are not in ${chartsDir} (set LGTM_CHARTS_DIR)`);
                return this.skip();
            }
            for (const [i, name] of ["kps", "grafana"].entries()) {
                const r = releaseOf(name);
                const release: CollectedRelease = {
                    resourceName: r.name,
                    releaseName: name,
                    namespace: r.inputs.namespace,
                    values: r.inputs.values,
                    chart: { name: wanted[i].name, version: wanted[i].version, repository: wanted[i].repository },
                };
                rendered.push(...(await helmTemplate(helm, release, chartPaths[i]!)).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? release.namespace } })));
            }
        });
        const grafanaSidecarEnv = () => {
            const deployment = rendered.find((o) => o.kind === "Deployment" && o.metadata.name === "grafana") as any;
            assert.ok(deployment, "Grafana Deployment rendered");
            const sidecar = deployment.spec.template.spec.containers.find((c: any) => c.env?.some((e: any) => e.name === "LABEL" && e.value === dashboardLabel));
            assert.ok(sidecar, "dashboard sidecar container");
            return Object.fromEntries(sidecar.env.filter((e: any) => "value" in e).map((e: any) => [e.name, e.value]));
        };
        it("the sidecar files dashboards by the folder annotation, and Grafana makes folders of the files' directories", () => {
            const env = grafanaSidecarEnv();
            assert.equal(env.FOLDER_ANNOTATION, dashboardFolderAnnotation);
            const provider = rendered.find((o) => o.kind === "ConfigMap" && Object.keys((o as any).data ?? {}).includes("provider.yaml")) as any;
            assert.ok(provider, "dashboard provider ConfigMap");
            const providers = parse(provider.data["provider.yaml"]).providers;
            assert.equal(providers[0].options.foldersFromFilesStructure, true);
            assert.equal(providers[0].options.path, env.FOLDER);
        });
        it("every dashboard ConfigMap (kube-prometheus-stack's and ours) is in a searched namespace and names its folder", () => {
            const searched = String(grafanaSidecarEnv().NAMESPACE).split(",");
            const ours = configMaps().map((r) => ({ kind: "ConfigMap", ...r.inputs }) as K8sObject);
            const theirs = rendered.filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.[dashboardLabel] !== undefined);
            assert.ok(theirs.length >= 20, `kube-prometheus-stack renders ${theirs.length} dashboard ConfigMaps`);
            for (const cm of [...theirs, ...ours]) {
                const where = `ConfigMap ${cm.metadata.namespace}/${cm.metadata.name}`;
                assert.ok(searched.includes(cm.metadata.namespace!), `${where} is not in a namespace the sidecar searches (${searched.join(", ")})`);
                assert.ok(cm.metadata.annotations?.[dashboardFolderAnnotation], `${where} has no ${dashboardFolderAnnotation} annotation: it would land in General`);
            }
            assert.deepEqual([...new Set(theirs.map((cm) => cm.metadata.annotations![dashboardFolderAnnotation]))], [kubernetesDashboardsFolder]);
        });
    });
});
