import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackConfig } from "../render/stackConfig";
import { shellLine } from "../shell";
import { describeAccess, kubeTarget, planGrafanaAccess, PortForwardMode, portForwardArgs } from "./grafana";

const usage = `usage: npm run grafana -- <stack> [--local-port N] [--port-forward | --no-port-forward]
  Prints Grafana's URL and admin login from the stack outputs. Without an ingress it then runs
  kubectl port-forward to Grafana's Service (localhost:3000 unless --local-port); Ctrl-C stops it.`;

function parseArgs(argv: string[]): { stack: string; mode: PortForwardMode; localPort: number } {
    const [stack, ...rest] = argv;
    if (!stack || stack.startsWith("-")) throw new Error(usage);
    let mode: PortForwardMode = "auto";
    let localPort = 3000;
    for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--port-forward") mode = "always";
        else if (rest[i] === "--no-port-forward") mode = "never";
        else if (rest[i] === "--local-port" && /^\d+$/.test(rest[i + 1] ?? "") && Number(rest[i + 1]) > 0 && Number(rest[i + 1]) < 65536) localPort = Number(rest[++i]);
        else throw new Error(`unexpected argument ${JSON.stringify(rest[i])}\n${usage}`);
    }
    return { stack, mode, localPort };
}

function run(): Promise<number> | number {
    const { stack, mode, localPort } = parseArgs(process.argv.slice(2));
    const projectDir = path.resolve(__dirname, "..", "..");

    // The stack wrapper picks the backend (yours, or the local one under .pulumi-state/) and prints the pulumi command.
    const outputsCommand = ["scripts/stack.sh", "outputs", stack, "--json", "--show-secrets"];
    console.error(`+ ${shellLine("bash", outputsCommand)}`);
    const result = spawnSync("bash", outputsCommand, { cwd: projectDir, stdio: ["inherit", "pipe", "inherit"], encoding: "utf8" });
    if (result.status !== 0) throw new Error(`reading the outputs of stack ${stack} failed (exit ${result.status})`);
    let outputs: Record<string, unknown>;
    try {
        outputs = JSON.parse(result.stdout || "{}");
    } catch {
        throw new Error(`pulumi stack output --json printed something other than JSON:\n${result.stdout}`);
    }

    const access = planGrafanaAccess(stack, outputs, mode, localPort);
    for (const line of describeAccess(stack, access)) console.log(line);
    if (!access.portForward) return 0;

    const { raw } = readStackConfig(projectDir, stack);
    const fallback = shellLine("kubectl", portForwardArgs({ portForward: access.portForward }, {}));
    let target;
    try {
        target = kubeTarget(stack, raw, (p) => fs.existsSync(path.resolve(projectDir, p)));
    } catch (err) {
        throw new Error(`${(err as Error).message}\n  ${fallback}`);
    }
    let kubeconfigPath = target.kubeconfigPath && path.resolve(projectDir, target.kubeconfigPath);
    let scratch: string | undefined;
    if (target.kubeconfigContents) {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-grafana-"));
        kubeconfigPath = path.join(scratch, "kubeconfig");
        fs.writeFileSync(kubeconfigPath, target.kubeconfigContents, { mode: 0o600 });
    }
    const args = portForwardArgs({ portForward: access.portForward }, { context: target.context, kubeconfigPath });
    console.error(`+ ${shellLine("kubectl", args)}`);
    return new Promise<number>((resolve) => {
        const child = spawn("kubectl", args, { stdio: "inherit" });
        const cleanup = () => scratch && fs.rmSync(scratch, { recursive: true, force: true });
        // Ctrl-C reaches kubectl through the terminal; wait for it to exit so the scratch kubeconfig goes too.
        process.on("SIGINT", () => undefined);
        child.on("error", (error) => {
            cleanup();
            console.error(`grafana: cannot run kubectl (${error.message}); install it or run:\n  ${fallback}`);
            resolve(1);
        });
        child.on("close", (code, signal) => {
            cleanup();
            resolve(code ?? (signal === "SIGINT" ? 0 : 1));
        });
    });
}

Promise.resolve()
    .then(run)
    .then(
        (code) => process.exit(code),
        (err: Error) => {
            console.error(`grafana: ${err.message}`);
            process.exit(1);
        },
    );
