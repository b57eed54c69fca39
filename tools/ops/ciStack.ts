import { parse } from "yaml";

/**
 * What a workflow job needs before it runs Pulumi on a stack, decided from the repository secrets
 * it was given (docs/ci-cd.md): a backend (Pulumi Cloud token, or a bucket URL plus the passphrase
 * of the stack's secrets) and a cluster (a kubeconfig secret, unless the stack config names one).
 */

/** The job's environment, as the workflows pass the secrets in. */
export interface CiEnv {
    readonly PULUMI_ACCESS_TOKEN?: string;
    readonly PULUMI_BACKEND_URL?: string;
    readonly PULUMI_CONFIG_PASSPHRASE?: string;
    readonly PULUMI_CONFIG_PASSPHRASE_FILE?: string;
    /** The stack's kubeconfig secret (`KUBECONFIG_DEV`/`KUBECONFIG_PROD`): the file, or base64 of it. */
    readonly KUBECONFIG_DATA?: string;
}

/** What the committed `Pulumi.<stack>.yaml` says about secrets and the cluster. */
export interface StackFileFacts {
    /** `secretsprovider:` (absent for the passphrase provider and for Pulumi Cloud's own). */
    readonly secretsProvider?: string;
    /** Whether `encryptionsalt:` is committed (the passphrase provider's salt). */
    readonly hasEncryptionSalt: boolean;
    /** Whether `lgtm:kubeconfig` is set in the stack config (then no kubeconfig secret is needed). */
    readonly kubeconfigInConfig: boolean;
    /** `lgtm:kubeContext`, the context the stack deploys to (unset: the kubeconfig's current one). */
    readonly kubeContext?: string;
}

export type CiPlan =
    | { readonly status: "ready"; readonly backend: string; readonly kubeconfig?: string; readonly warnings: string[] }
    | { readonly status: "skip"; readonly reason: string }
    | { readonly status: "error"; readonly problems: string[] };

const secretsHelp = "see docs/ci-cd.md";

/** The kubeconfig text from a secret holding the file or base64 of it; undefined when it is neither. */
export function kubeconfigText(data: string): string | undefined {
    const looksLikeKubeconfig = (text: string) => /^\s*(\{|apiVersion:|kind:|clusters:)/m.test(text);
    if (looksLikeKubeconfig(data)) return data;
    const compact = data.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
    const decoded = Buffer.from(compact, "base64").toString("utf8");
    return looksLikeKubeconfig(decoded) ? decoded : undefined;
}

/**
 * Decides whether the job can run Pulumi on `stack`. `required` (deploy, drift) turns a repository
 * with no backend at all into an error; otherwise (pull-request previews) the job is skipped with a
 * warning. A half-configured repository is always an error.
 */
export function planCiStack(stack: string, env: CiEnv, facts: StackFileFacts, required: boolean): CiPlan {
    const url = env.PULUMI_BACKEND_URL?.trim() ?? "";
    const token = env.PULUMI_ACCESS_TOKEN?.trim() ?? "";
    const kubeSecret = `KUBECONFIG_${stack.toUpperCase()}`;
    if (!url && !token) {
        const reason = `no Pulumi backend configured: add the repository secret PULUMI_ACCESS_TOKEN (Pulumi Cloud), or PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE (self-managed; ${secretsHelp})`;
        return required ? { status: "error", problems: [reason] } : { status: "skip", reason };
    }
    const problems: string[] = [];
    const warnings: string[] = [];
    let backend: string;
    if (!url) {
        backend = "Pulumi Cloud";
    } else if (/^file:/.test(url)) {
        backend = "local files";
        problems.push(`PULUMI_BACKEND_URL is a file:// backend: it lives on the runner and is gone when the job ends; use a bucket (s3://, gs://, azblob://) or Pulumi Cloud`);
    } else if (/^https?:\/\//.test(url)) {
        backend = "a Pulumi Cloud service";
        if (!token) problems.push(`PULUMI_BACKEND_URL points at a Pulumi Cloud service (${url.split("/")[2]}), which needs the repository secret PULUMI_ACCESS_TOKEN`);
    } else {
        backend = `self-managed (${url.split(":")[0]}://…)`;
    }
    // Passphrase secrets: what a self-managed backend uses unless the stack names a KMS, and what any
    // stack whose file carries an encryptionsalt uses, Pulumi Cloud included.
    const selfManaged = !!url && !/^https?:\/\//.test(url);
    const passphraseProvider = !facts.secretsProvider || facts.secretsProvider === "passphrase" || facts.secretsProvider === "default";
    if (passphraseProvider && (selfManaged || facts.hasEncryptionSalt)) {
        if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
            const why = selfManaged ? "a self-managed backend" : `Pulumi.${stack}.yaml has an encryptionsalt`;
            problems.push(`stack ${stack} keeps its secrets with a passphrase (${why}): add the repository secret PULUMI_CONFIG_PASSPHRASE (${secretsHelp})`);
        }
        if (!facts.hasEncryptionSalt) {
            warnings.push(`Pulumi.${stack}.yaml has no encryptionsalt: commit the line Pulumi wrote when the stack was created on this backend, so every run derives the same key from the passphrase`);
        }
    }
    let kubeconfig: string | undefined;
    if (env.KUBECONFIG_DATA) {
        kubeconfig = kubeconfigText(env.KUBECONFIG_DATA);
        if (kubeconfig === undefined) problems.push(`the repository secret ${kubeSecret} is neither a kubeconfig nor base64 of one`);
        else contextProblems(stack, kubeSecret, kubeconfig, facts, problems, warnings);
    } else if (!facts.kubeconfigInConfig) {
        problems.push(`no cluster for stack ${stack}: add the repository secret ${kubeSecret} (the kubeconfig file, or base64 of it), or set lgtm:kubeconfig in Pulumi.${stack}.yaml`);
    }
    if (problems.length) return { status: "error", problems };
    return { status: "ready", backend, kubeconfig, warnings };
}

/**
 * The kubeconfig of a job must be the stack's cluster: its current context (what Pulumi, kubectl and
 * Helm use unless told otherwise) is the stack's `lgtm:kubeContext`. A secret holding another
 * stack's kubeconfig would otherwise deploy, preview or check drift against the wrong cluster.
 */
function contextProblems(stack: string, kubeSecret: string, kubeconfig: string, facts: StackFileFacts, problems: string[], warnings: string[]): void {
    let current: unknown;
    try {
        current = (parse(kubeconfig) as Record<string, unknown> | null)?.["current-context"];
    } catch {
        problems.push(`the repository secret ${kubeSecret} does not parse as a kubeconfig (YAML or JSON)`);
        return;
    }
    const currentName = typeof current === "string" && current !== "" ? current : undefined;
    if (facts.kubeContext === undefined) {
        warnings.push(
            `Pulumi.${stack}.yaml sets no lgtm:kubeContext, so nothing ties ${kubeSecret} to this stack's cluster: set it to the context name` + (currentName ? ` (the secret's current context is "${currentName}")` : ""),
        );
    } else if (currentName !== facts.kubeContext) {
        problems.push(
            `the repository secret ${kubeSecret} has current context ${currentName ? `"${currentName}"` : "(none)"}, but Pulumi.${stack}.yaml deploys to lgtm:kubeContext "${facts.kubeContext}": ` +
                `set ${kubeSecret} to the kubeconfig of that cluster, with current-context: ${facts.kubeContext}`,
        );
    }
}
