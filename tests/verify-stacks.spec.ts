import { strict as assert } from "assert";
import { collectStack } from "../tools/render/collect";
import { renderAndVerify } from "../tools/render/render";
import { chartsDir, chartsUnavailable, projectDir } from "./support/charts";

describe("render + verify against the pinned charts", function () {
    this.timeout(120_000);
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every check passes`, async function () {
            const reason = chartsUnavailable();
            if (reason) {
                console.log(`      skipped render + verify of ${stack}: ${reason}`);
                this.skip();
            }
            const { ok, report } = await renderAndVerify(await collectStack(projectDir, stack), { chartsDir });
            assert.ok(ok, report);
        });
    }
});
