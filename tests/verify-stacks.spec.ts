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
