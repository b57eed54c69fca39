/**
 * `npm run e2e`: the real-engine suite (suite.ts). scripts/e2e.sh builds the toolchain and starts
 * this inside a network namespace of its own; run directly, it refuses to start outside one.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { Suite } from "./suite";

/** The commit of main the upgrade step deploys first: the last one before the suite existed. */
export const defaultUpgradeFrom = "34ccceeaca7a107d4e69bca13d827d58c19178f7";

const usage = `usage: npm run e2e -- [--stack dev|prod]... [--charts DIR] [--work DIR] [--upgrade-from COMMIT]
  Runs the stacks as shipped through the real Pulumi CLI, the kubernetes provider and a local
  kube-apiserver with kwok nodes, inside a network namespace of its own (needs root and iproute2).
  --stack DIR            dev, prod (default: both)
  --charts DIR           pinned charts as <DIR>/<chart>/<version>/ (default: $LGTM_CHARTS_DIR, then .cache/charts)
  --work DIR             scratch directory, kept for its logs (default: a new one under the system temp dir)
  --upgrade-from COMMIT  earlier commit of main for the upgrade step (default: ${defaultUpgradeFrom.slice(0, 12)}); "none" skips it
exit codes: 0 every step passed, 1 a step failed, 2 usage or setup error`;

function options() {
    const { values } = parseArgs({
        options: {
            stack: { type: "string", multiple: true },
            charts: { type: "string" },
            work: { type: "string" },
            "upgrade-from": { type: "string" },
            toolchain: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
        strict: true,
    });
    return values;
}

async function main(): Promise<number> {
    let values: ReturnType<typeof options>;
    try {
        values = options();
    } catch (error) {
        console.error(`${(error as Error).message}\n${usage}`);
        return 2;
    }
    if (values.help) {
        console.log(usage);
        return 0;
    }
    const stacks = values.stack ?? ["dev", "prod"];
    const unknown = stacks.filter((s) => s !== "dev" && s !== "prod");
    if (unknown.length > 0) {
        console.error(`--stack ${unknown.join(", ")}: expected dev or prod\n${usage}`);
        return 2;
    }
    if (!values.toolchain || !fs.existsSync(path.join(values.toolchain, "bin", "pulumi"))) {
        console.error("e2e: no toolchain (run through npm run e2e, which builds it with toolchain/build.sh)");
        return 2;
    }
    // The fake cluster's addresses are not this machine's: never run where they could be dialled.
    const interfaces = Object.keys(os.networkInterfaces()).filter((name) => name !== "lo");
    if (interfaces.length > 0) {
        console.error(`e2e: refusing to run with network interfaces other than loopback (${interfaces.join(", ")}): run through npm run e2e, which makes a network namespace`);
        return 2;
    }
    const projectDir = path.resolve(__dirname, "..", "..");
    const upgradeFrom = values["upgrade-from"] ?? defaultUpgradeFrom;
    const suite = new Suite({
        projectDir,
        toolchainRoot: values.toolchain,
        kwokStages: path.join(values.toolchain, "kwok-stages", "stages.yaml"),
        workDir: values.work ?? fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-e2e-")),
        chartsDir: values.charts ?? process.env.LGTM_CHARTS_DIR,
        upgradeFrom: upgradeFrom === "none" ? undefined : upgradeFrom,
        stacks: stacks as ("dev" | "prod")[],
    });
    return (await suite.run()) === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (error: Error) => {
            console.error(`e2e: ${error.stack ?? error.message}`);
            process.exit(2);
        },
    );
}
