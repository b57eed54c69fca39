import { spawn } from "child_process";
import * as path from "path";
import { shellLine } from "../shell";
import { describeAccess, planGrafanaAccess, PortForwardMode } from "./grafana";
import { grafanaPortForward, readStackOutputs } from "./stackAccess";

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

    const access = planGrafanaAccess(stack, readStackOutputs(projectDir, stack), mode, localPort);
    for (const line of describeAccess(stack, access)) console.log(line);
    if (!access.portForward) return 0;

    const { args, fallback, cleanup } = grafanaPortForward(projectDir, stack, { portForward: access.portForward });
    console.error(`+ ${shellLine("kubectl", args)}`);
    return new Promise<number>((resolve) => {
        const child = spawn("kubectl", args, { stdio: "inherit" });
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
