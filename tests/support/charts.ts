import * as fs from "fs";
import * as path from "path";
import { findHelm } from "../../tools/render/helm";

export const projectDir = path.resolve(__dirname, "..", "..");
/** Charts: LGTM_CHARTS_DIR, or the conventional .cache/charts (see docs/render-and-verify.md). */
export const chartsDir = process.env.LGTM_CHARTS_DIR ?? path.join(projectDir, ".cache", "charts");

/** Why the real charts cannot be rendered here, or undefined when they can. */
export function chartsUnavailable(): string | undefined {
    try {
        findHelm();
    } catch {
        return "no helm (set HELM_BIN or put helm on PATH)";
    }
    if (!fs.existsSync(chartsDir) || fs.readdirSync(chartsDir).length === 0) return `no charts in ${chartsDir} (set LGTM_CHARTS_DIR)`;
    return undefined;
}
