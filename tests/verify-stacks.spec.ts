import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { collectStack } from "../tools/render/collect";
import { findHelm } from "../tools/render/helm";
import { renderAndVerify } from "../tools/render/render";

const projectDir = path.resolve(__dirname, "..");
/** Charts: LGTM_CHARTS_DIR, or the conventional .cache/charts (see README "Render and verify"). */
const chartsDir = process.env.LGTM_CHARTS_DIR ?? path.join(projectDir, ".cache", "charts");

function unavailable(): string | undefined {
    try {
        findHelm();
    } catch {
        return "no helm (set HELM_BIN or put helm on PATH)";
    }
    if (!fs.existsSync(chartsDir) || fs.readdirSync(chartsDir).length === 0) return `no charts in ${chartsDir} (set LGTM_CHARTS_DIR)`;
    return undefined;
}

describe("render + verify against the pinned charts", function () {
    this.timeout(120_000);
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every check passes`, async function () {
            const reason = unavailable();
            if (reason) {
                console.log(`      skipped render + verify of ${stack}: ${reason}`);
                this.skip();
            }
            const { ok, report } = await renderAndVerify(await collectStack(projectDir, stack), { chartsDir });
            assert.ok(ok, report);
        });
    }
    it("prod with two Grafanas on an external database and a cert-manager issuer: the checks it touches pass", async function () {
        const reason = unavailable();
        if (reason) {
            console.log(`      skipped render + verify of prod with Grafana HA: ${reason}`);
            this.skip();
        }
        const grafana = {
            ingress: { enabled: true, host: "grafana.example.com", className: "nginx", issuer: { kind: "ClusterIssuer", name: "letsencrypt-prod" } },
            replicas: 2,
            database: { type: "postgres", host: "grafana-db.example.com:5432", name: "grafana", user: "grafana" },
        };
        const model = await collectStack(projectDir, "prod", { grafana: JSON.stringify(grafana) });
        assert.ok(model.objectStore.unsetSecretKeys.includes("lgtm:grafanaDatabasePassword"), "the password got a stand-in");
        const { results, report, rendered } = await renderAndVerify(model, { chartsDir });
        const touched = ["render", "kubeSchema", "addresses", "references", "values", "singletons", "durableState", "disruption", "podSecurity", "plaintext"];
        for (const name of touched) {
            const result = results.find((r) => r.name === name);
            assert.ok(result, `no ${name} check in the report`);
            assert.deepEqual(result.findings.filter((f) => f.severity === "error"), [], `${name}:\n${report}`);
        }
        assert.match(report, /EXTERNAL Grafana database and plugins: release grafana keeps it in its postgres database/);
        const objects = rendered.find((r) => r.release.releaseName === "grafana")!.objects;
        const kinds = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.spec as any);
        assert.deepEqual(kinds("Deployment").map((d) => d.replicas), [2], "the disruption check judged two Grafanas");
        assert.deepEqual(kinds("PodDisruptionBudget").map((p) => p.maxUnavailable), [1]);
    });
    it("dev with the demo: every check passes, the demo's workloads inside the dev budget", async function () {
        const reason = unavailable();
        if (reason) {
            console.log(`      skipped render + verify of dev with the demo: ${reason}`);
            this.skip();
        }
        const model = await collectStack(projectDir, "dev", { demo: JSON.stringify({ enabled: true }) });
        assert.ok(model.objects.some((o) => o.kind === "Deployment" && o.metadata.name === "hotrod"), "the demo's objects are collected");
        const { ok, report } = await renderAndVerify(model, { chartsDir });
        assert.ok(ok, report);
        assert.match(report, /\(program\)\s+3\s/, "the demo's three pods are counted in the footprint");
    });
});
