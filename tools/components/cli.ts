/**
 * `npm run verify-components`: the real Thanos reads what the stacks render for it
 * (run.ts). scripts/verify-components.sh builds them and starts this inside a network namespace of
 * its own; run directly, it refuses to start outside one.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exitCodes, parseCommandLine, runCommand, UsageError } from "../cli";
import { collectStack } from "../render/collect";
import { renderModel } from "../render/render";
import { configAssignments, readStackConfig } from "../render/stackConfig";
import { parse, stringify } from "yaml";
import { ContainerRun, extractComponents, ObjstoreDocument } from "./extract";
import { CheckOutcome, checkComponents } from "./run";

const usage = `usage: npm run verify-components -- [dev|prod|all]... [--set KEY=VALUE]... [--charts DIR] [--work DIR] [--canary]
  Renders each stack (as npm run verify does) and runs the real Thanos, built at the pinned chart's
  appVersion, on what it renders for it, inside a network namespace of its own (needs root, iproute2
  and util-linux). Loki, Tempo and Alloy cannot be built here (docs/render-and-verify.md).
  dev|prod|all     the stacks to check (default: all, that is dev and prod)
  --set KEY=VALUE  config as if set on the stack(s), as npm run verify takes it; repeatable
  --charts DIR     pinned charts (default: $LGTM_CHARTS_DIR, then .cache/charts)
  --work DIR       scratch directory, kept for the programs' logs (default: a new one under the system temp dir)
  --canary         check the check: add an unknown flag to every Thanos component and an unknown
                   key to each sidecar's objstore document; every check must then fail
exit codes: 0 every Thanos component accepted its configuration, 1 one did not, 2 usage or setup error`;

/** What --canary breaks in a sidecar's objstore document: a key Thanos' S3 client does not have. */
export function breakObjstoreForCanary(document: ObjstoreDocument): ObjstoreDocument {
    const parsed = parse(document.content) as { config: Record<string, unknown> };
    return { ...document, content: stringify({ ...parsed, config: { ...parsed.config, lgtm_canary_no_such_key: true } }) };
}

/** What --canary breaks in a container: a flag no Thanos command has. */
export function breakForCanary(container: ContainerRun): ContainerRun {
    return { ...container, args: [...container.args, "--lgtm-canary.no-such-flag"] };
}

async function main(): Promise<number> {
    const { values, positionals } = parseCommandLine(
        process.argv.slice(2),
        {
            stack: { type: "string", multiple: true },
            set: { type: "string", multiple: true },
            charts: { type: "string" },
            work: { type: "string" },
            toolchain: { type: "string" },
            canary: { type: "boolean", default: false },
        },
        usage,
    );
    const named = [...positionals, ...(values.stack ?? [])];
    const unknown = named.filter((s) => !["dev", "prod", "all"].includes(s));
    if (unknown.length > 0) throw new UsageError(`${unknown.join(", ")}: expected dev, prod or all\n${usage}`);
    const stacks = named.length === 0 || named.includes("all") ? ["dev", "prod"] : [...new Set(named)];
    const bin = values.toolchain;
    if (!bin || !["thanos", "gofakes3"].every((program) => fs.existsSync(path.join(bin, program)))) {
        throw new Error("no thanos and gofakes3 (run through npm run verify-components, which builds them with toolchain/build.sh)");
    }
    // The stacks' in-cluster addresses are not this machine's: never run where they could be dialled.
    const interfaces = Object.keys(os.networkInterfaces()).filter((name) => name !== "lo");
    if (interfaces.length > 0) {
        throw new Error(`refusing to run with network interfaces other than loopback (${interfaces.join(", ")}): run through npm run verify-components, which makes a network namespace`);
    }
    const projectDir = path.resolve(__dirname, "..", "..");
    const workDir = values.work ?? fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-components-"));
    const started = Date.now();
    const outcomes: CheckOutcome[] = [];
    for (const stack of stacks) {
        const progress = (message: string) => console.error(`verify-components ${stack}: ${message}`);
        const overrides = configAssignments(readStackConfig(projectDir, stack).raw, values.set ?? []);
        progress("evaluating the program");
        const model = await collectStack(projectDir, stack, overrides);
        const rendered = await renderModel(model, { chartsDir: values.charts ?? process.env.LGTM_CHARTS_DIR, progress });
        const failed = rendered.filter((r) => r.error);
        if (failed.length > 0) {
            for (const r of failed) console.error(`verify-components ${stack}: ${r.release.releaseName} did not render: ${r.error}`);
            return exitCodes.checkFailed;
        }
        const extracted = extractComponents(model, rendered);
        const containers = values.canary ? extracted.containers.map(breakForCanary) : extracted.containers;
        const sidecarObjstores = values.canary ? extracted.sidecarObjstores.map(breakObjstoreForCanary) : extracted.sidecarObjstores;
        for (const [why, workloads] of extracted.notRun) progress(`not run (${why}): ${workloads.join(", ")}`);
        progress(`running ${containers.length} Thanos containers and ${sidecarObjstores.length} sidecar objstore document(s) (logs in ${path.join(workDir, stack)})`);
        outcomes.push(
            ...(await checkComponents(containers, sidecarObjstores, { bin, workDir: path.join(workDir, stack) }, (o) =>
                console.log(`components: ${o.ok ? "PASS" : "FAIL"} ${o.stack} ${o.name} (${o.seconds.toFixed(1)} s): ${o.detail}`),
            )),
        );
    }
    const passed = outcomes.filter((o) => o.ok).length;
    console.error(`verify-components: ${((Date.now() - started) / 1000).toFixed(1)} s; logs in ${workDir}`);
    console.log(`${passed} passed, ${outcomes.length - passed} failed`);
    return passed === outcomes.length && outcomes.length > 0 ? exitCodes.passed : exitCodes.checkFailed;
}

if (require.main === module) runCommand("verify-components", main);
