/**
 * `npm run fleet-scale`: how a central platform grows with its fleet. For each member count it
 * evaluates the central stack (a stack file of the project, with multi-tenant Loki and that many
 * edge members) offline, as verify does, times the evaluation and renders the releases with the
 * pinned charts to count the objects `pulumi up` would apply. docs/fleet.md quotes its table.
 */
import * as path from "path";
import { exitCodes, parseCommandLine, runCommand, stackArgument, UsageError } from "../cli";
import { collectStackEvaluation } from "../render/collect";
import { renderModel } from "../render/render";
import { fleetOverrides } from "./fleetScale";

const usage = `usage: npm run fleet-scale -- <central stack> [--members 1,10,100] [--charts DIR]
  <central stack>  a stack file of the project (dev, prod, …), evaluated with multi-tenant Loki
                 and N members edge-1 … edge-N on the ingest host ingest.example.com
  --members LIST   member counts, comma-separated (default: 1,10,100); each is timed after one
                 untimed evaluation that loads the program
  --charts DIR     local charts, as for npm run verify (default: $LGTM_CHARTS_DIR, then .cache/charts, then upstream)
  -h, --help       this text
  Exit: 0 measured, 2 usage or config error.`;

function memberCounts(list: string): number[] {
    const counts = list.split(",").map((item) => Number(item.trim()));
    if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 1000)) throw new UsageError(`--members ${JSON.stringify(list)}: expected counts from 1 to 1000, comma-separated\n${usage}`);
    return counts;
}

async function main(): Promise<number> {
    const { values, positionals } = parseCommandLine(process.argv.slice(2), { members: { type: "string", default: "1,10,100" }, charts: { type: "string" } }, usage);
    const stack = stackArgument(positionals, usage);
    const projectDir = path.resolve(__dirname, "..", "..");
    // One evaluation first, untimed: loading the program's modules would otherwise count against the first row.
    await collectStackEvaluation(projectDir, stack, fleetOverrides(1));
    const rows: string[] = ["| members | evaluation | Pulumi resources | Kubernetes objects (rendered and the program's own) |", "|---|---|---|---|"];
    for (const members of memberCounts(values.members)) {
        const started = process.hrtime.bigint();
        const { model, evaluation } = await collectStackEvaluation(projectDir, stack, fleetOverrides(members));
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const rendered = await renderModel(model, { chartsDir: values.charts });
        const failed = rendered.filter((r) => r.error);
        if (failed.length > 0) throw new Error(`${failed.map((r) => `${r.release.releaseName}: ${r.error}`).join("\n")}`);
        const renderedObjects = rendered.reduce((sum, r) => sum + r.objects.length, 0);
        rows.push(`| ${members} | ${seconds.toFixed(1)} s | ${evaluation.resources.length} | ${renderedObjects + model.objects.length} |`);
        console.error(`fleet-scale ${stack}: ${members} member(s) measured`);
    }
    console.log(rows.join("\n"));
    return exitCodes.passed;
}

runCommand("fleet-scale", main);
