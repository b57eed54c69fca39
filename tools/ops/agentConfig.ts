/**
 * What `npm run agent-config` does besides generating the config (components/serverAgent.ts): read
 * the central stack's `fleet` output from a file or from the stack, and decide where the config,
 * which holds a password, may go.
 */
import * as fs from "fs";
import { z } from "zod";
import type { FleetAccess } from "../../components/fleetAccess";
import { readStackOutputs } from "./stackAccess";

// Checks the JSON against the FleetAccess contract; `satisfies` keeps the two in step.
const edgeAccessSchema = z.object({
    name: z.string(),
    kind: z.enum(["cluster", "server"]),
    username: z.string(),
    password: z.string(),
    remoteWriteUrl: z.string(),
    lokiPushUrl: z.string(),
    otlpHttpEndpoint: z.string(),
});
const fleetAccessSchema = z.object({ ingestHost: z.string(), edges: z.record(z.string(), edgeAccessSchema) }) satisfies z.ZodType<FleetAccess>;

/** How the central outputs are written for this command (the message of every input error ends with it). */
export const centralOutputsCommand = "npm run --silent outputs -- <central stack> --json --show-secrets > FILE";

/**
 * The fleet in a central stack's outputs: all of them (`{…, "fleet": {…}}`), or the `fleet` output
 * alone (`npm run outputs -- <stack> --json --show-secrets fleet`). `source` names them in messages.
 */
export function fleetFromOutputs(outputs: unknown, source: string): FleetAccess {
    const record = typeof outputs === "object" && outputs !== null && !Array.isArray(outputs) ? (outputs as Record<string, unknown>) : undefined;
    const fleet = record && ("fleet" in record ? record.fleet : "edges" in record ? record : undefined);
    if (fleet === undefined) throw new Error(`${source} has no fleet output: the outputs of a central stack that accepts edges are needed, as ${centralOutputsCommand} writes them`);
    if (fleet === "[secret]") throw new Error(`the fleet output in ${source} is masked ([secret]): it is a secret, shown only with --show-secrets: ${centralOutputsCommand}`);
    const parsed = fleetAccessSchema.safeParse(fleet);
    // Zod's messages name the path and the expected type, never the value (which may be a password).
    if (!parsed.success) throw new Error(`the fleet output in ${source} is not what a central stack exports:\n${parsed.error.issues.map((i) => `  fleet.${i.path.join(".")}: ${i.message}`).join("\n")}`);
    return parsed.data;
}

/** The fleet from a file of central outputs. */
export function readFleetFile(file: string): FleetAccess {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new Error(`cannot read the central outputs ${file}: ${(error as Error).message}`, { cause: error });
    }
    let outputs: unknown;
    try {
        outputs = JSON.parse(text);
    } catch {
        // Without --silent, npm prints "> lgtm-stack@… outputs" into the file before the JSON.
        throw new Error(`${file} is not JSON; write it with ${centralOutputsCommand} (without --silent, npm adds its own lines)`);
    }
    return fleetFromOutputs(outputs, file);
}

/** Where a command takes a central stack's outputs from: a file they were written to, or the stack itself. */
export type CentralOutputs = { readonly file: string } | { readonly stack: string };

/** The fleet of a central stack, from a file of its outputs or read from the stack (`npm run outputs`); `source` names it in messages. */
export function readCentralFleet(projectDir: string, from: CentralOutputs): { readonly fleet: FleetAccess; readonly source: string } {
    if ("file" in from) return { fleet: readFleetFile(from.file), source: from.file };
    const source = `stack ${from.stack}`;
    return { fleet: fleetFromOutputs(readStackOutputs(projectDir, from.stack), `the outputs of ${source}`), source };
}

/** Where the config goes: a file, stdout, or nowhere (why not, to tell the user). */
export type ConfigDestination = { readonly file: string } | { readonly stdout: true } | { readonly refused: string };

/**
 * The config holds a password: it goes to `out` (written with mode 0600), or to stdout when that is
 * a pipe or a file, or to a terminal only when `--stdout` asks for it.
 */
export function configDestination(member: string, options: { out?: string; stdout?: boolean }, stdoutIsTerminal: boolean): ConfigDestination {
    if (options.out !== undefined) return { file: options.out };
    if (options.stdout || !stdoutIsTerminal) return { stdout: true };
    return { refused: `the configuration holds the password of fleet member ${member}: write it with --out FILE or redirect stdout (> config.alloy), or pass --stdout to print it on this terminal` };
}

/**
 * Writes `text` to `file`, readable by its owner only: the mode is set before anything is written,
 * also when the file was already there with a wider one.
 */
export function writePrivateFile(file: string, text: string): void {
    const fd = fs.openSync(file, "w", 0o600);
    try {
        fs.fchmodSync(fd, 0o600);
        fs.writeSync(fd, text);
    } finally {
        fs.closeSync(fd);
    }
}
