import { spawn } from "child_process";
import * as path from "path";
import { exitCodes, parseCommandLine, portArgument, runCommand, shellLine, stackArgument, UsageError } from "../cli";
import { describeAccess, planGrafanaAccess, PortForwardMode } from "./grafana";
import { grafanaPortForward, readStackOutputs } from "./stackAccess";

const usage = `usage: npm run grafana -- <stack> [--local-port N] [--port-forward | --no-port-forward]
  Prints Grafana's URL and admin login from the stack outputs. Without an ingress it then runs
  kubectl port-forward to Grafana's Service (localhost:3000 unless --local-port); Ctrl-C stops it.
  Exit: 0 done (Ctrl-C or SIGTERM included), 2 usage error, or the outputs or kubectl could not be read or run.`;

function parseCommand(argv: string[]): { stack: string; mode: PortForwardMode; localPort: number } {
    const { values, positionals } = parseCommandLine(argv, { "local-port": { type: "string" }, "port-forward": { type: "boolean" }, "no-port-forward": { type: "boolean" } }, usage);
    if (values["port-forward"] && values["no-port-forward"]) throw new UsageError(`--port-forward or --no-port-forward, not both\n${usage}`);
    const mode: PortForwardMode = values["port-forward"] ? "always" : values["no-port-forward"] ? "never" : "auto";
    return { stack: stackArgument(positionals, usage), mode, localPort: portArgument(values["local-port"], 3000, usage) };
}

function main(): Promise<number> | number {
    const { stack, mode, localPort } = parseCommand(process.argv.slice(2));
    const projectDir = path.resolve(__dirname, "..", "..");

    const access = planGrafanaAccess(stack, readStackOutputs(projectDir, stack), mode, localPort);
    for (const line of describeAccess(stack, access)) console.log(line);
    if (!access.portForward) return exitCodes.passed;

    const { args, fallback, cleanup } = grafanaPortForward(projectDir, stack, { portForward: access.portForward });
    console.error(`+ ${shellLine("kubectl", args)}`);
    return new Promise<number>((resolve) => {
        const child = spawn("kubectl", args, { stdio: "inherit" });
        // Ctrl-C reaches kubectl through the terminal, a SIGTERM only this process: pass either on and
        // wait for kubectl to exit, so that neither it nor the scratch kubeconfig (with its token) stays behind.
        let stopped = false;
        const stop = (signal: NodeJS.Signals) => {
            stopped = true;
            child.kill(signal);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        child.on("error", (error) => {
            cleanup();
            console.error(`grafana: cannot run kubectl (${error.message}); install it or run:\n  ${fallback}`);
            resolve(exitCodes.usageOrConfig);
        });
        child.on("close", (code, signal) => {
            cleanup();
            // Being stopped is how a port-forward ends; anything else means it could not run.
            resolve(code === 0 || signal === "SIGINT" || stopped ? exitCodes.passed : exitCodes.usageOrConfig);
        });
    });
}

runCommand("grafana", main);
