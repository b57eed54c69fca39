import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { collectStack } from "../tools/render/collect";
import { findHelm } from "../tools/render/helm";
import { selectorMatches, workloadsOf } from "../tools/render/objects";
import { renderAndVerify, VerifyOutcome } from "../tools/render/render";

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
    it("prod with three zones: zone-aware ingesters pinned to them, and no check fails that passes without zones", async function () {
        const reason = unavailable();
        if (reason) {
            console.log(`      skipped render + verify of prod with zones: ${reason}`);
            this.skip();
        }
        const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
        const zoned = await renderAndVerify(await collectStack(projectDir, "prod", { zones: JSON.stringify(zones) }), { chartsDir });
        const plain = await renderAndVerify(await collectStack(projectDir, "prod"), { chartsDir });
        // Compared with prod without zones, so that a check failing for both (judged by the test above) does not hide one zones break.
        const failing = (o: VerifyOutcome) => o.results.filter((r) => r.findings.some((f) => f.severity === "error")).map((r) => r.name);
        assert.deepEqual(failing(zoned), failing(plain), zoned.report);

        const objects = zoned.rendered.find((r) => r.release.releaseName === "loki")!.objects;
        const ingesters = objects.filter((o) => o.kind === "StatefulSet" && o.metadata.name.startsWith("loki-ingester"));
        assert.deepEqual(ingesters.map((o) => o.metadata.name), ["loki-ingester-zone-a", "loki-ingester-zone-b", "loki-ingester-zone-c"]);
        assert.deepEqual(ingesters.map((o: any) => o.spec.template.spec.nodeSelector), zones.map((zone) => ({ "topology.kubernetes.io/zone": zone })));
        assert.deepEqual(ingesters.map((o: any) => [o.spec.replicas, o.spec.updateStrategy.type]), [[1, "OnDelete"], [1, "OnDelete"], [1, "OnDelete"]]);
        assert.ok(objects.some((o) => o.kind === "Deployment" && o.metadata.name === "loki-rollout-operator"), "the rollout-operator restarts the zones");
        const budgets = objects.filter((o: any) => o.kind === "PodDisruptionBudget" && o.spec.selector.matchLabels["app.kubernetes.io/component"] === "ingester");
        assert.deepEqual(budgets.map((o: any) => [o.metadata.name, o.spec.maxUnavailable]), [["loki-ingester-rollout", 1]]);

        // Every other workload of several pods spreads over the zones, selecting its own pods.
        const replicated = workloadsOf(zoned.rendered).filter((w) => !w.runsToCompletion && w.template.replicas > 1);
        assert.ok(replicated.length >= 13, `${replicated.length} replicated workloads: Prometheus, Alertmanager, 4 of Thanos, 7 of Loki`);
        for (const w of replicated) {
            const constraints: any[] = (w.template.spec as any).topologySpreadConstraints ?? [];
            assert.ok(
                constraints.some((c) => c.topologyKey === "topology.kubernetes.io/zone" && selectorMatches(c.labelSelector, w.labels)),
                `${w.name}: no topology spread over zones selecting its pods (${JSON.stringify(constraints)})`,
            );
        }

        const unzoned = plain.rendered.find((r) => r.release.releaseName === "loki")!.objects;
        assert.deepEqual(unzoned.filter((o) => o.kind === "StatefulSet" && o.metadata.name.startsWith("loki-ingester")).map((o: any) => [o.metadata.name, o.spec.replicas]), [["loki-ingester", 3]]);
        assert.ok(!unzoned.some((o) => o.metadata.name === "loki-rollout-operator"));
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
