import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { projectDashboardsDirectory, readDashboardFiles } from "../../components/dashboards";
import { shellLine } from "../shell";
import { planGrafanaAccess, PortForwardMode } from "./grafana";
import { basicAuthGet, DashboardNotExported, ExportedDashboard, fetchDashboard, listDashboards, planDashboardExport } from "./grafanaExport";
import { grafanaPortForward, readStackOutputs } from "./stackAccess";

const usage = `usage: npm run grafana-export -- <stack> --area <area> (<uid>... | --all) [--dir DIR]
                                  [--local-port N] [--port-forward | --no-port-forward]
  Writes dashboards made in Grafana's UI into DIR/<area>/<title>.json (DIR: the repository's
  dashboards/), without "id", keeping "uid"; a dashboard whose uid is already a file there replaces
  that file. --all takes every dashboard not provisioned from files. Finds Grafana as
  npm run grafana does (port-forwarding when the stack has no ingress).`;

interface Args {
    readonly stack: string;
    readonly area: string;
    readonly uids: string[];
    readonly all: boolean;
    readonly dir: string;
    readonly mode: PortForwardMode;
    readonly localPort: number;
}

function parseArgs(argv: string[]): Args {
    const [stack, ...rest] = argv;
    if (!stack || stack.startsWith("-")) throw new Error(usage);
    let area: string | undefined;
    let dir = projectDashboardsDirectory;
    let mode: PortForwardMode = "auto";
    let localPort = 3000;
    let all = false;
    const uids: string[] = [];
    const value = (i: number) => {
        if (!rest[i + 1] || rest[i + 1].startsWith("-")) throw new Error(`${rest[i]} needs a value\n${usage}`);
        return rest[i + 1];
    };
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "--area") area = value(i++);
        else if (arg === "--dir") dir = path.resolve(value(i++));
        else if (arg === "--all") all = true;
        else if (arg === "--port-forward") mode = "always";
        else if (arg === "--no-port-forward") mode = "never";
        else if (arg === "--local-port" && /^\d+$/.test(rest[i + 1] ?? "") && Number(rest[i + 1]) > 0 && Number(rest[i + 1]) < 65536) localPort = Number(rest[++i]);
        else if (!arg.startsWith("-")) uids.push(arg);
        else throw new Error(`unexpected argument ${JSON.stringify(arg)}\n${usage}`);
    }
    if (!area) throw new Error(`--area is required\n${usage}`);
    if (all === (uids.length > 0)) throw new Error(`name the dashboards' uids or give --all (not both)\n${usage}`);
    return { stack, area, uids, all, dir, mode, localPort };
}

/** Starts kubectl port-forward and resolves once it forwards (kubectl prints "Forwarding from …"). */
function startPortForward(args: string[], fallback: string): Promise<ChildProcess> {
    console.error(`+ ${shellLine("kubectl", args)}`);
    return new Promise((resolve, reject) => {
        const child = spawn("kubectl", args, { stdio: ["ignore", "pipe", "inherit"] });
        let output = "";
        const timer = setTimeout(() => {
            child.kill();
            reject(new Error(`kubectl port-forward did not start forwarding within 30 s; try:\n  ${fallback}`));
        }, 30_000);
        child.stdout!.on("data", (chunk: Buffer) => {
            output += chunk.toString();
            if (/Forwarding from/.test(output)) {
                clearTimeout(timer);
                resolve(child);
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
}

/** Stops kubectl and waits until it has exited, so that no port-forward outlives the command. */
function stopPortForward(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
        child.kill();
    });
}

async function run(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const projectDir = path.resolve(__dirname, "..", "..");
    const access = planGrafanaAccess(args.stack, readStackOutputs(projectDir, args.stack), args.mode, args.localPort);
    // Fail on a bad area or directory before talking to any cluster.
    const existing = readDashboardFiles(args.dir);
    planDashboardExport(existing, args.area, []);

    let forward: { child: ChildProcess; cleanup: () => void } | undefined;
    try {
        if (access.portForward) {
            const { args: kubectlArgs, fallback, cleanup } = grafanaPortForward(projectDir, args.stack, { portForward: access.portForward });
            try {
                forward = { child: await startPortForward(kubectlArgs, fallback), cleanup };
            } catch (error) {
                cleanup();
                throw error;
            }
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
        return notExported.length || plan.skipped.length || plan.problems.length ? 1 : 0;
    } finally {
        if (forward) {
            await stopPortForward(forward.child);
            forward.cleanup();
        }
    }
}

run().then(
    (code) => process.exit(code),
    (err: Error) => {
        console.error(`grafana-export: ${err.message}`);
        process.exit(1);
    },
);
