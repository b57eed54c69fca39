/**
 * Pulls the pinned charts (components/charts.ts, the one list of pins) from their repositories into
 * a charts directory as `<dir>/<chart>/<version>/`, the layout render and verify read. CI runs it
 * before `npm run verify`; an air-gapped install runs it on a connected machine and copies the
 * directory over.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { chartIdentity } from "./chartValues";
import { chartSourceArgs, findLocalChart } from "./helm";
import { ChartRef } from "./types";

/** One chart of the plan: already in the directory, or to be pulled with `args`. */
export interface FetchStep {
    readonly ref: ChartRef;
    /** `<dir>/<chart>/<version>`. */
    readonly destination: string;
    /** Where `helm pull --untar` unpacks the chart before it is moved to `destination`. */
    readonly untarDir: string;
    /** The chart directory or archive already there, when there is one. */
    readonly present?: string;
    /** `helm` arguments that pull the chart. */
    readonly args: string[];
}

/** Scratch space inside the charts directory, so the final move never crosses file systems. */
const scratch = ".pull";

/** `helm pull … --untar` arguments for a pinned chart. */
export function pullUntarArgs(ref: ChartRef, untarDir: string): string[] {
    return ["pull", ...chartSourceArgs(ref), "--version", ref.version, "--untar", "--untardir", untarDir];
}

/**
 * What to pull: every pinned chart that `chartsDir` does not hold yet (as `<chart>/<version>/` or
 * `<chart>-<version>.tgz`). A chart filed under the wrong name or version throws, as in render.
 */
export function planFetch(refs: readonly ChartRef[], chartsDir: string): FetchStep[] {
    return refs.map((ref) => {
        const untarDir = path.join(chartsDir, scratch, `${ref.name}-${ref.version}`);
        return {
            ref,
            destination: path.join(chartsDir, ref.name, ref.version),
            untarDir,
            present: findLocalChart(ref, [chartsDir]),
            args: pullUntarArgs(ref, untarDir),
        };
    });
}

/**
 * Runs one step: `helm pull --untar` into the scratch directory, then moves the chart to its
 * destination after checking that Chart.yaml names the pinned chart and version.
 */
export async function runFetchStep(helmBin: string, step: FetchStep): Promise<void> {
    fs.rmSync(step.untarDir, { recursive: true, force: true });
    fs.mkdirSync(step.untarDir, { recursive: true });
    try {
        const status = await new Promise<number | null>((resolve, reject) => {
            const child = spawn(helmBin, step.args, { stdio: ["ignore", "inherit", "inherit"] });
            child.on("error", (error) => reject(new Error(`cannot run ${helmBin}: ${error.message}`)));
            child.on("close", resolve);
        });
        if (status !== 0) throw new Error(`helm pull of ${step.ref.name} ${step.ref.version} from ${step.ref.repository} failed (exit ${status})`);
        const unpacked = path.join(step.untarDir, step.ref.name);
        if (!fs.existsSync(path.join(unpacked, "Chart.yaml"))) throw new Error(`helm pull of ${step.ref.name} ${step.ref.version} left no ${path.join(unpacked, "Chart.yaml")}`);
        const found = chartIdentity(unpacked);
        if (found.name !== step.ref.name || found.version !== step.ref.version) {
            throw new Error(`helm pull of ${step.ref.name} ${step.ref.version} produced chart ${found.name} ${found.version}`);
        }
        fs.mkdirSync(path.dirname(step.destination), { recursive: true });
        fs.rmSync(step.destination, { recursive: true, force: true });
        fs.renameSync(unpacked, step.destination);
    } finally {
        fs.rmSync(step.untarDir, { recursive: true, force: true });
        const scratchDir = path.dirname(step.untarDir);
        if (fs.existsSync(scratchDir) && fs.readdirSync(scratchDir).length === 0) fs.rmdirSync(scratchDir);
    }
}
