/**
 * What the commands that talk to a deployed stack share: its outputs, read through the stack
 * wrapper, and the `kubectl port-forward` to Grafana with the stack's kube context and kubeconfig.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackConfig } from "../render/stackConfig";
import { shellLine } from "../cli";
import { GrafanaAccess, kubeTarget, portForwardArgs } from "./grafana";

/** `pulumi stack output --json --show-secrets` of `stack`, through scripts/stack.sh (your backend, or the local one). */
export function readStackOutputs(projectDir: string, stack: string): Record<string, unknown> {
    const outputsCommand = ["scripts/stack.sh", "outputs", stack, "--json", "--show-secrets"];
    console.error(`+ ${shellLine("bash", outputsCommand)}`);
    const result = spawnSync("bash", outputsCommand, { cwd: projectDir, stdio: ["inherit", "pipe", "inherit"], encoding: "utf8" });
    if (result.status !== 0) throw new Error(`reading the outputs of stack ${stack} failed (exit ${result.status})`);
    try {
        return JSON.parse(result.stdout || "{}");
    } catch {
        // Not echoed: the output holds the stack's secrets in clear (--show-secrets).
        throw new Error(`pulumi stack output --json printed something other than JSON (${result.stdout.length} characters, not shown: they may hold the stack's secrets)`);
    }
}

/** The kubectl arguments of a port-forward, and what to remove once it has ended. */
export interface PortForwardCommand {
    readonly args: string[];
    /** The same command without the stack's kube target, for users to run themselves when ours cannot. */
    readonly fallback: string;
    /** Removes the scratch kubeconfig written for a `lgtm:kubeconfig` given as contents. */
    readonly cleanup: () => void;
}

/**
 * `kubectl port-forward` to Grafana's Service with the stack's `lgtm:kubeContext` and
 * `lgtm:kubeconfig` (contents go to a scratch file readable by the user only).
 */
export function grafanaPortForward(projectDir: string, stack: string, access: Required<Pick<GrafanaAccess, "portForward">>): PortForwardCommand {
    const { raw } = readStackConfig(projectDir, stack);
    const fallback = shellLine("kubectl", portForwardArgs(access, {}));
    let target;
    try {
        target = kubeTarget(stack, raw, (p) => fs.existsSync(path.resolve(projectDir, p)));
    } catch (err) {
        throw new Error(`${(err as Error).message}\n  ${fallback}`, { cause: err });
    }
    let kubeconfigPath = target.kubeconfigPath && path.resolve(projectDir, target.kubeconfigPath);
    let scratch: string | undefined;
    if (target.kubeconfigContents) {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-grafana-"));
        kubeconfigPath = path.join(scratch, "kubeconfig");
        fs.writeFileSync(kubeconfigPath, target.kubeconfigContents, { mode: 0o600 });
    }
    return {
        args: portForwardArgs(access, { context: target.context, kubeconfigPath }),
        fallback,
        cleanup: () => scratch && fs.rmSync(scratch, { recursive: true, force: true }),
    };
}
