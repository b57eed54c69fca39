import * as path from "path";
import { collectStack } from "./collect";
import { renderAndVerify, renderModel, writeRenderOutput } from "./render";
import { configAssignments, readStackConfig } from "./stackConfig";

const usage = `usage: npm run render -- --stack <dev|prod> [--set KEY=VALUE]... [--out DIR] [--charts DIR]
       npm run verify -- --stack <dev|prod> [--set KEY=VALUE]... [--out DIR] [--charts DIR] [--schemas DIR]
  --set KEY=VALUE  config as if set on the stack, without editing its file: a key (profile=prod),
                 or one field of a structured key (loki.expectedIngestMBps=40); repeatable
  --charts DIR   local charts as <DIR>/<chart>/<version>/ or <DIR>/<chart>-<version>.tgz
                 (default: $LGTM_CHARTS_DIR, then .cache/charts, then the pinned repositories, online)
  --schemas DIR  Kubernetes API schemas as <DIR>/v1.<minor>[.<patch>]/swagger.json or _definitions.json
                 (default: $LGTM_KUBE_SCHEMAS_DIR, then .cache/kube-schemas)
  --out DIR      where manifests and the report are written (default: render-out)
  helm: $HELM_BIN or helm on PATH`;

function parseArgs(argv: string[]): { command: string; stack: string; out: string; charts?: string; schemas?: string; sets: string[] } {
    const [command, ...rest] = argv;
    const flags: Record<string, string> = {};
    const sets: string[] = [];
    for (let i = 0; i < rest.length; i += 2) {
        const flag = rest[i];
        const value = rest[i + 1];
        if (!["--stack", "--out", "--charts", "--schemas", "--set"].includes(flag) || value === undefined) throw new Error(`unexpected argument ${JSON.stringify(flag)}\n${usage}`);
        if (flag === "--set") sets.push(value);
        else flags[flag.slice(2)] = value;
    }
    if (command !== "render" && command !== "verify") throw new Error(usage);
    if (!flags.stack) throw new Error(`--stack is required\n${usage}`);
    return { command, stack: flags.stack, out: flags.out ?? "render-out", charts: flags.charts, schemas: flags.schemas, sets };
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const projectDir = path.resolve(__dirname, "..", "..");
    const overrides = configAssignments(readStackConfig(projectDir, args.stack).raw, args.sets);
    const model = await collectStack(projectDir, args.stack, overrides);
    const options = { chartsDir: args.charts, outDir: args.out, kubeSchemasDir: args.schemas };
    if (args.command === "render") {
        const rendered = await renderModel(model, options);
        const dir = writeRenderOutput(model, rendered, args.out);
        const failed = rendered.filter((r) => r.error);
        for (const r of failed) console.error(`render ${args.stack}: ${r.release.releaseName}: ${r.error}`);
        console.log(`render ${args.stack}: ${rendered.length} releases, ${model.objects.length} program objects → ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        return failed.length === 0 ? 0 : 1;
    }
    const { report, ok } = await renderAndVerify(model, options);
    console.log(report);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return ok ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: Error) => {
        console.error(err.message);
        process.exit(2);
    },
);
