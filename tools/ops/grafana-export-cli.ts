import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { projectDashboardsDirectory, readDashboardFiles } from "../../components/dashboards";
import { exitCodes, parseCommandLine, portArgument, runCommand, shellLine, UsageError } from "../cli";
import { planGrafanaAccess, PortForwardMode } from "./grafana";
import { basicAuthGet, DashboardNotExported, ExportedDashboard, fetchDashboard, listDashboards, planDashboardExport } from "./grafanaExport";
import { grafanaPortForward, readStackOutputs } from "./stackAccess";

const usage = `usage: npm run grafana-export -- <stack> --area <area> (<uid>... | --all) [--dir DIR]
                                  [--local-port N] [--port-forward | --no-port-forward]
  Writes dashboards made in Grafana's UI into DIR/<area>/<title>.json (DIR: the repository's
  dashboards/), without "id", keeping "uid"; a dashboard whose uid is already a file there replaces
  that file. --all takes every dashboard not provisioned from files. Finds Grafana as
  npm run grafana does (port-forwarding when the stack has no ingress).
  Exit: 0 every dashboard written, 1 one skipped or needing a fix by hand, 2 usage error or Grafana
  could not be reached, 130 or 143 stopped by Ctrl-C or SIGTERM.`;

interface Args {
    readonly stack: string;
    readonly area: string;
    readonly uids: string[];
    readonly all: boolean;
    readonly dir: string;
    readonly mode: PortForwardMode;
    readonly localPort: number;
}

function parseCommand(argv: string[]): Args {
    const { values, positionals } = parseCommandLine(
        argv,
        {
            area: { type: "string" },
            dir: { type: "string" },
            all: { type: "boolean", default: false },
            "local-port": { type: "string" },
            "port-forward": { type: "boolean" },
            "no-port-forward": { type: "boolean" },
        },
        usage,
    );
    const [stack, ...uids] = positionals;
    if (!stack) throw new UsageError(`which stack?\n${usage}`);
    if (!values.area) throw new UsageError(`--area is required\n${usage}`);
    if (values.all === uids.length > 0) throw new UsageError(`name the dashboards' uids or give --all (not both)\n${usage}`);
    if (values["port-forward"] && values["no-port-forward"]) throw new UsageError(`--port-forward or --no-port-forward, not both\n${usage}`);
    return {
        stack,
        area: values.area,
        uids,
        all: values.all,
        dir: values.dir === undefined ? projectDashboardsDirectory : path.resolve(values.dir),
        mode: values["port-forward"] ? "always" : values["no-port-forward"] ? "never" : "auto",
        localPort: portArgument(values["local-port"], 3000, usage),
    };
}

/** Starts kubectl port-forward; `forwarding` resolves once it forwards (kubectl prints "Forwarding from …"). */
function startPortForward(args: string[], fallback: string): { child: ChildProcess; forwarding: Promise<void> } {
    console.error(`+ ${shellLine("kubectl", args)}`);
    const child = spawn("kubectl", args, { stdio: ["ignore", "pipe", "inherit"] });
    const forwarding = new Promise<void>((resolve, reject) => {
        let output = "";
        const timer = setTimeout(() => {
            child.kill();
            reject(new Error(`kubectl port-forward did not start forwarding within 30 s; try:\n  ${fallback}`));
        }, 30_000);
        child.stdout!.on("data", (chunk: Buffer) => {
            output += chunk.toString();
            if (/Forwarding from/.test(output)) {
                clearTimeout(timer);
                resolve();
            }
        });
        child.on("error", (error) => {
            clearTimeout(timer);
            reject(new Error(`cannot run kubectl (${error.message}); install it, or port-forward yourself and use --no-port-forward:\n  ${fallback}`));
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`kubectl port-forward exited (${code}) before forwarding:\n  ${fallback}`));
        });
    });
    return { child, forwarding };
}

/** Stops kubectl and waits until it has exited, so that no port-forward outlives the command. */
function stopPortForward(child: ChildProcess): Promise<void> {
    // No pid: kubectl could not be started, and will never report an exit.
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
        child.kill();
    });
}

async function main(): Promise<number> {
    const args = parseCommand(process.argv.slice(2));
    const projectDir = path.resolve(__dirname, "..", "..");
    const access = planGrafanaAccess(args.stack, readStackOutputs(projectDir, args.stack), args.mode, args.localPort);
    // Fail on a bad area or directory before talking to any cluster.
    const existing = readDashboardFiles(args.dir);
    planDashboardExport(existing, args.area, []);

    let forward: { child: ChildProcess; cleanup: () => void } | undefined;
    const endPortForward = async () => {
        const ending = forward;
        forward = undefined;
        if (ending) {
            await stopPortForward(ending.child);
            ending.cleanup();
        }
    };
    // A signal would end this process at once and leave kubectl and the scratch kubeconfig (with its
    // token) behind; end them first. Each dashboard file is written whole, so none is left half done.
    const exitCodeOf: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
    const interrupted = (signal: NodeJS.Signals) => void endPortForward().then(() => process.exit(exitCodeOf[signal]));
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);
    try {
        if (access.portForward) {
            const { args: kubectlArgs, fallback, cleanup } = grafanaPortForward(projectDir, args.stack, { portForward: access.portForward });
            const { child, forwarding } = startPortForward(kubectlArgs, fallback);
            forward = { child, cleanup };
            await forwarding;
        }
        console.error(`grafana-export: reading dashboards from ${access.url}`);
        const get = basicAuthGet(access.url, access.user, access.password);
        let uids = args.uids;
        if (args.all) {
            const listed = await listDashboards(get);
            uids = listed.filter((d) => d.managedBy === undefined).map((d) => d.uid);
            console.error(`grafana-export: ${listed.length} dashboards, ${listed.length - uids.length} provisioned (left out), ${uids.length} made in the UI`);
        }
        const dashboards: ExportedDashboard[] = [];
        const notExported: string[] = [];
        for (const uid of uids) {
            try {
                dashboards.push(await fetchDashboard(get, uid));
            } catch (error) {
                if (!(error instanceof DashboardNotExported)) throw error;
                notExported.push(error.message);
            }
        }
        const plan = planDashboardExport(existing, args.area, dashboards);
        for (const write of plan.writes) {
            const file = path.join(args.dir, write.file);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, write.text);
            console.log(`${write.replaces ? "updated" : "wrote  "} ${path.relative(process.cwd(), file)}  (uid ${write.uid})`);
        }
        for (const line of [...notExported, ...plan.skipped]) console.error(`grafana-export: skipped ${line}`);
        if (plan.problems.length) {
            console.error(`grafana-export: npm test will reject these until they are fixed by hand:\n  - ${plan.problems.join("\n  - ")}`);
        }
        return notExported.length || plan.skipped.length || plan.problems.length ? exitCodes.checkFailed : exitCodes.passed;
    } finally {
        await endPortForward();
    }
}

runCommand("grafana-export", main);
