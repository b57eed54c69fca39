import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { exitCodes, parseCommandLine, runCommand, stackArgument, UsageError } from "../cli";
import { planCiStack, StackFileFacts } from "./ciStack";

const usage = `usage: npm run ci:stack -- <stack> [--optional]
  In a workflow job, before Pulumi runs on <stack>: checks the backend and cluster secrets the job
  was given (PULUMI_ACCESS_TOKEN, PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, KUBECONFIG_DATA),
  writes the kubeconfig to $RUNNER_TEMP and exports KUBECONFIG through $GITHUB_ENV, and sets the
  step output ready=true|false. --optional: with no backend at all, skip (ready=false) instead of failing.
  Exit: 0 ready or skipped, 1 the job lacks a secret it needs, 2 usage error or no Pulumi.<stack>.yaml.`;

/** What Pulumi.<stack>.yaml commits about secrets and the cluster. */
function stackFileFacts(projectDir: string, stack: string): StackFileFacts {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new UsageError(`no ${path.basename(file)}; stacks are declared by their stack file`);
    const doc = parse(fs.readFileSync(file, "utf8")) ?? {};
    return {
        secretsProvider: typeof doc.secretsprovider === "string" ? doc.secretsprovider.split(":")[0] : undefined,
        hasEncryptionSalt: typeof doc.encryptionsalt === "string" && doc.encryptionsalt !== "",
        kubeconfigInConfig: !!doc.config?.["lgtm:kubeconfig"],
        kubeContext: typeof doc.config?.["lgtm:kubeContext"] === "string" && doc.config["lgtm:kubeContext"] !== "" ? doc.config["lgtm:kubeContext"] : undefined,
    };
}

function append(file: string | undefined, line: string): void {
    if (file) fs.appendFileSync(file, `${line}\n`);
}

function main(): number {
    const { values, positionals } = parseCommandLine(process.argv.slice(2), { optional: { type: "boolean", default: false } }, usage);
    const stack = stackArgument(positionals, usage);
    const optional = values.optional;
    const projectDir = path.resolve(__dirname, "..", "..");
    const plan = planCiStack(stack, process.env, stackFileFacts(projectDir, stack), !optional);

    if (plan.status === "error") {
        for (const problem of plan.problems) console.log(`::error title=stack ${stack}::${problem}`);
        append(process.env.GITHUB_OUTPUT, "ready=false");
        return exitCodes.checkFailed;
    }
    if (plan.status === "skip") {
        console.log(`::warning title=stack ${stack} skipped::${plan.reason}`);
        append(process.env.GITHUB_STEP_SUMMARY, `**${stack}**: skipped, ${plan.reason}.`);
        append(process.env.GITHUB_OUTPUT, "ready=false");
        return exitCodes.passed;
    }
    for (const warning of plan.warnings) console.log(`::warning title=stack ${stack}::${warning}`);
    if (plan.kubeconfig !== undefined) {
        const file = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `kubeconfig-${stack}`);
        fs.writeFileSync(file, plan.kubeconfig, { mode: 0o600 });
        append(process.env.GITHUB_ENV, `KUBECONFIG=${file}`);
        console.log(`stack ${stack}: kubeconfig from the repository secret written to ${file} (KUBECONFIG)`);
    }
    console.log(`stack ${stack}: backend ${plan.backend}`);
    append(process.env.GITHUB_OUTPUT, "ready=true");
    return exitCodes.passed;
}

// In a workflow log, an annotation is what people see.
runCommand("ci:stack", main, (message) => console.log(`::error::${message}`));
