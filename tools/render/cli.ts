import * as path from "path";
import { exitCodes, parseCommandLine, runCommand, UsageError } from "../cli";
import { CentralOutputs, readCentralFleet } from "../ops/agentConfig";
import { collectStack } from "./collect";
import { renderAndVerify, renderModel, writeRenderOutput } from "./render";
import { countFindings } from "./report";
import { configAssignments, readStackConfig } from "./stackConfig";

const usage = `usage: npm run render -- <stack> [--set KEY=VALUE]... [--central-outputs FILE | --central-stack STACK] [--out DIR] [--charts DIR]
       npm run verify -- <stack> [--json] [--set KEY=VALUE]... [--central-outputs FILE | --central-stack STACK] [--out DIR] [--charts DIR] [--schemas DIR]
  <stack>        dev, prod, edge, … (a Pulumi.<stack>.yaml); --stack <stack> is the same
  --central-outputs FILE  an edge stack (lgtm:role edge): its central stack's outputs, which its
                 StackReference reads (npm run --silent outputs -- <central> --json --show-secrets > FILE)
  --central-stack STACK   the same, read from the central stack itself (your backend, as npm run outputs),
                 so no file holds the members' passwords
  --set KEY=VALUE  config as if set on the stack, without editing its file: a key (profile=prod),
                 or one field of a structured key (loki.expectedIngestMBps=40); repeatable
  --charts DIR   local charts as <DIR>/<chart>/<version>/ or <DIR>/<chart>-<version>.tgz
                 (default: $LGTM_CHARTS_DIR, then .cache/charts, then the pinned repositories, online)
  --schemas DIR  Kubernetes API schemas as <DIR>/v1.<minor>[.<patch>]/swagger.json or _definitions.json
                 (default: $LGTM_KUBE_SCHEMAS_DIR, then .cache/kube-schemas)
  --out DIR      where manifests and the report are written (default: render-out)
  --json         verify: print the report as JSON ({ stack, ok, errors, warnings, checks }) instead of text
  -h, --help     this text
  Progress goes to stderr. Exit: 0 passed, 1 a check failed (or a release did not render), 2 usage or config error.
  helm: $HELM_BIN or helm on PATH`;

function parseCommand(argv: string[]) {
    const { values, positionals } = parseCommandLine(
        argv,
        {
            stack: { type: "string" },
            set: { type: "string", multiple: true },
            out: { type: "string", default: "render-out" },
            charts: { type: "string" },
            schemas: { type: "string" },
            json: { type: "boolean", default: false },
            "central-outputs": { type: "string" },
            "central-stack": { type: "string" },
        },
        usage,
    );
    // The npm scripts put the command first: `render` or `verify`.
    const [command, ...stacks] = positionals;
    if (command !== "render" && command !== "verify") throw new UsageError(usage);
    if (values.stack !== undefined) stacks.push(values.stack);
    if (stacks.length !== 1) throw new UsageError(`${stacks.length ? `one stack, not ${stacks.join(" and ")}` : "which stack?"}\n${usage}`);
    if (values.json && command !== "verify") throw new UsageError(`--json is for verify\n${usage}`);
    if (values["central-outputs"] !== undefined && values["central-stack"] !== undefined) throw new UsageError(`--central-outputs FILE or --central-stack STACK, not both\n${usage}`);
    const central: CentralOutputs | undefined = values["central-stack"] !== undefined ? { stack: values["central-stack"] } : values["central-outputs"] !== undefined ? { file: values["central-outputs"] } : undefined;
    return { command, stack: stacks[0], ...values, central, sets: values.set ?? [] };
}

async function main(): Promise<number> {
    const args = parseCommand(process.argv.slice(2));
    const started = Date.now();
    const progress = (message: string) => console.error(`${args.command} ${args.stack}: ${message}`);
    const projectDir = path.resolve(__dirname, "..", "..");
    const overrides = configAssignments(readStackConfig(projectDir, args.stack).raw, args.sets);
    progress("evaluating the program");
    const { central } = args;
    const model = await collectStack(projectDir, args.stack, overrides, central && (() => readCentralFleet(projectDir, central).fleet));
    const options = { chartsDir: args.charts, outDir: args.out, kubeSchemasDir: args.schemas, progress };
    const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (args.command === "render") {
        const rendered = await renderModel(model, options);
        const dir = writeRenderOutput(model, rendered, args.out);
        const failed = rendered.filter((r) => r.error);
        for (const r of failed) console.error(`render ${args.stack}: ${r.release.releaseName}: ${r.error}`);
        console.log(`render ${args.stack}: ${rendered.length} releases, ${model.objects.length} program objects → ${dir} (${seconds()})`);
        return failed.length === 0 ? exitCodes.passed : exitCodes.checkFailed;
    }
    const { report, results, ok } = await renderAndVerify(model, options);
    if (args.json) {
        const counts = { errors: countFindings(results, "error"), warnings: countFindings(results, "warning") };
        console.log(JSON.stringify({ stack: args.stack, ok, ...counts, checks: results }, null, 2));
        progress(`done (${seconds()})`);
    } else {
        console.log(report);
        console.log(`(${seconds()})`);
    }
    return ok ? exitCodes.passed : exitCodes.checkFailed;
}

runCommand(process.argv[2] === "render" ? "render" : "verify", main);
