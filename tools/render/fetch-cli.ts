import * as path from "path";
import { charts } from "../../components/charts";
import { exitCodes, parseCommandLine, runCommand, shellLine, UsageError } from "../cli";
import { planFetch, runFetchStep } from "./fetch";
import { assertHelmVersion, defaultCacheDir, findHelm } from "./helm";

const usage = `usage: npm run fetch-charts -- [--charts DIR] [--dry-run] [-h|--help]
  Pulls every chart pinned in components/charts.ts into DIR/<chart>/<version>/ (default: .cache/charts),
  skipping those already there. --dry-run prints the helm commands without running them.
  helm: $HELM_BIN or helm on PATH (v3.8+ or v4, for OCI charts)
  Exit: 0 every chart present or pulled, 2 usage error or a pull failed.`;

async function main(): Promise<number> {
    const { values, positionals } = parseCommandLine(process.argv.slice(2), { charts: { type: "string" }, "dry-run": { type: "boolean", default: false } }, usage);
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${usage}`);
    const chartsDir = values.charts === undefined ? defaultCacheDir : path.resolve(values.charts);
    const dryRun = values["dry-run"];
    const steps = planFetch(Object.values(charts), chartsDir);
    const helmBin = dryRun ? "helm" : findHelm();
    if (!dryRun) console.log(`fetch-charts: ${helmBin} ${assertHelmVersion(helmBin)}`);
    let pulled = 0;
    for (const step of steps) {
        if (step.present) {
            console.log(`have ${step.ref.name} ${step.ref.version} (${step.present})`);
            continue;
        }
        console.log(`+ ${shellLine(dryRun ? "helm" : helmBin, step.args)}`);
        if (dryRun) continue;
        await runFetchStep(helmBin, step);
        console.log(`  → ${step.destination}`);
        pulled++;
    }
    const present = steps.filter((s) => s.present).length;
    console.log(`fetch-charts: ${steps.length} pinned charts, ${present} present, ${dryRun ? `${steps.length - present} to pull (dry run)` : `${pulled} pulled`} → ${chartsDir}`);
    return exitCodes.passed;
}

runCommand("fetch-charts", main);
