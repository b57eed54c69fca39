/**
 * Runs one Pulumi operation on one stack of a project copy, through the real CLI and engine, and
 * writes what it saw to a JSON file. One process per operation, so every run evaluates the program
 * afresh, as `pulumi up` does.
 *
 * The program is evaluated by @pulumi/pulumi's own language runtime, served in this process through
 * the Automation API (the CLI connects to it with `--client`): the Node.js language host binary,
 * pulumi-language-nodejs, is not published as a Go module (docs/e2e.md says what that changes).
 *
 * usage: host.ts REQUEST.json RESULT.json
 */
import * as fs from "fs";
import * as path from "path";
import { EngineEvent, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";

export type Operation = "preview" | "up" | "refresh" | "destroy" | "outputs";

export interface HostRequest {
    readonly operation: Operation;
    readonly stack: string;
    /** The project copy: Pulumi.yaml, the stack files and the program. */
    readonly projectDir: string;
    /** The directory holding bin/pulumi. */
    readonly pulumiRoot: string;
    readonly policyPacks?: readonly string[];
    readonly expectNoChanges?: boolean;
}

export interface HostResult {
    readonly ok: boolean;
    readonly error?: string;
    /** Everything the CLI printed. */
    readonly output: string;
    /** Operation counts by kind (create, update, replace, delete, same, ...). */
    readonly changes?: Record<string, number>;
    /** What an update did to each resource it did not leave alone: `<op> <type> <name>`. */
    readonly changed?: string[];
    /** Stack outputs, secrets unwrapped, for "outputs". */
    readonly outputs?: Record<string, { value: unknown; secret: boolean }>;
}

async function run(request: HostRequest): Promise<HostResult> {
    const program = async () => {
        // The project's own entry point; its exports are the stack outputs, as under `pulumi up`.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return { ...require(path.join(request.projectDir, "index.ts")) };
    };
    const pulumiCommand = await PulumiCommand.get({ root: request.pulumiRoot });
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: request.stack, projectName: "lgtm", program }, { workDir: request.projectDir, pulumiCommand });
    let output = "";
    const onOutput = (text: string) => {
        output += text;
        process.stdout.write(text);
    };
    const policyPacks = request.policyPacks ? [...request.policyPacks] : undefined;
    switch (request.operation) {
        case "preview": {
            const result = await stack.preview({ onOutput, policyPacks, expectNoChanges: request.expectNoChanges, diff: request.expectNoChanges });
            return { ok: true, output, changes: result.changeSummary };
        }
        case "up": {
            const changed: string[] = [];
            const onEvent = (event: EngineEvent) => {
                const step = event.resOutputsEvent?.metadata;
                if (step && step.op !== "same") changed.push(`${step.op} ${step.type} ${step.urn.split("::").pop()}`);
            };
            const result = await stack.up({ onOutput, onEvent, policyPacks });
            return { ok: true, output, changes: result.summary.resourceChanges, changed };
        }
        case "refresh": {
            const result = await stack.refresh({ onOutput, expectNoChanges: request.expectNoChanges });
            return { ok: true, output, changes: result.summary.resourceChanges };
        }
        case "destroy": {
            const result = await stack.destroy({ onOutput });
            return { ok: true, output, changes: result.summary.resourceChanges };
        }
        case "outputs":
            return { ok: true, output, outputs: await stack.outputs() };
    }
}

async function main(): Promise<void> {
    const [requestFile, resultFile] = process.argv.slice(2);
    if (!requestFile || !resultFile) {
        process.stderr.write("usage: host.ts REQUEST.json RESULT.json\n");
        process.exit(2);
    }
    const request = JSON.parse(fs.readFileSync(requestFile, "utf8")) as HostRequest;
    let result: HostResult;
    try {
        result = await run(request);
    } catch (error) {
        result = { ok: false, output: "", error: (error as Error).message };
    }
    fs.writeFileSync(resultFile, JSON.stringify(result));
    process.exit(0);
}

if (require.main === module) {
    void main();
}
