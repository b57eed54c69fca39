/**
 * `npm run e2e`: the real-engine suite (suite.ts). scripts/e2e.sh builds the toolchain and starts
 * this inside a network namespace of its own; run directly, it refuses to start outside one.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exitCodes, parseCommandLine, runCommand, UsageError } from "../cli";
import { Suite } from "./suite";

/**
 * The commit of main the upgrade step deploys first. The oldest one the suite can deploy: earlier
 * commits have no chart mirror (lgtm:charts) to install from offline, nor a way to be given the
 * credentials they generate with the random provider, which cannot be built here.
 */
export const defaultUpgradeFrom = "f6d23d749be6758911aeb4fac862d73c20b6f5d2";

const usage = `usage: npm run e2e -- [dev|prod]... [--charts DIR] [--work DIR] [--upgrade-from COMMIT]
  Runs the stacks as shipped through the real Pulumi CLI, the kubernetes provider and a local
  kube-apiserver with kwok nodes, inside a network namespace of its own (needs root and iproute2).
  dev|prod               the stacks to run (default: both); --stack NAME says the same
  --charts DIR           pinned charts as <DIR>/<chart>/<version>/ (default: $LGTM_CHARTS_DIR, then .cache/charts)
  --work DIR             scratch directory, kept for its logs (default: a new one under the system temp dir)
  --upgrade-from COMMIT  earlier commit of main for the upgrade step (default: ${defaultUpgradeFrom.slice(0, 12)}); "none" skips it
exit codes: 0 every step passed, 1 a step failed, 2 usage or setup error`;

async function main(): Promise<number> {
    const { values, positionals } = parseCommandLine(
        process.argv.slice(2),
        {
            stack: { type: "string", multiple: true },
            charts: { type: "string" },
            work: { type: "string" },
            "upgrade-from": { type: "string" },
            toolchain: { type: "string" },
        },
        usage,
    );
    const stacks = [...positionals, ...(values.stack ?? [])];
    const unknown = stacks.filter((s) => s !== "dev" && s !== "prod");
    if (unknown.length > 0) throw new UsageError(`${unknown.join(", ")}: expected dev or prod\n${usage}`);
    if (!values.toolchain || !fs.existsSync(path.join(values.toolchain, "bin", "pulumi"))) {
        throw new Error("no toolchain (run through npm run e2e, which builds it with toolchain/build.sh)");
    }
    // The fake cluster's addresses are not this machine's: never run where they could be dialled.
    const interfaces = Object.keys(os.networkInterfaces()).filter((name) => name !== "lo");
    if (interfaces.length > 0) {
        throw new Error(`refusing to run with network interfaces other than loopback (${interfaces.join(", ")}): run through npm run e2e, which makes a network namespace`);
    }
    const upgradeFrom = values["upgrade-from"] ?? defaultUpgradeFrom;
    const suite = new Suite({
        projectDir: path.resolve(__dirname, "..", ".."),
        toolchainRoot: values.toolchain,
        kwokStages: path.join(values.toolchain, "kwok-stages", "stages.yaml"),
        workDir: values.work ?? fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-e2e-")),
        chartsDir: values.charts ?? process.env.LGTM_CHARTS_DIR,
        upgradeFrom: upgradeFrom === "none" ? undefined : upgradeFrom,
        stacks: stacks.length > 0 ? (stacks as ("dev" | "prod")[]) : ["dev", "prod"],
    });
    return (await suite.run()) === 0 ? exitCodes.passed : exitCodes.checkFailed;
}

if (require.main === module) runCommand("e2e", main);
