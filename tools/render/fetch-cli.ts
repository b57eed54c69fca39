import * as path from "path";
import { charts } from "../../components/charts";
import { shellLine } from "../shell";
import { planFetch, runFetchStep } from "./fetch";
import { assertHelmVersion, defaultCacheDir, findHelm } from "./helm";

const usage = `usage: npm run fetch-charts -- [--charts DIR] [--dry-run]
  Pulls every chart pinned in components/charts.ts into DIR/<chart>/<version>/ (default: .cache/charts),
  skipping those already there. --dry-run prints the helm commands without running them.
  helm: $HELM_BIN or helm on PATH (v3.8+ or v4, for OCI charts)`;

function parseArgs(argv: string[]): { chartsDir: string; dryRun: boolean } {
    let chartsDir = defaultCacheDir;
    let dryRun = false;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--dry-run") dryRun = true;
        else if (argv[i] === "--charts" && argv[i + 1] !== undefined) chartsDir = path.resolve(argv[++i]);
        else throw new Error(`unexpected argument ${JSON.stringify(argv[i])}\n${usage}`);
    }
    return { chartsDir, dryRun };
}

async function main(): Promise<number> {
    const { chartsDir, dryRun } = parseArgs(process.argv.slice(2));
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
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err: Error) => {
        console.error(`fetch-charts: ${err.message}`);
        process.exit(1);
    },
);
