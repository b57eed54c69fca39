/**
 * The real-engine suite: the project's stacks, as shipped, through the real Pulumi CLI and engine,
 * the real kubernetes provider and a real API server (cluster.ts). Each step prints one verdict line
 * with its time; the last line is `N passed, N failed`.
 */
import * as fs from "fs";
import * as path from "path";
import { collectStack } from "../render/collect";
import { findHelm } from "../render/helm";
import { renderModel } from "../render/render";
import { K8sObject } from "../render/types";
import { buildChartRepository, ChartRepository, serveChartRepository } from "./chartRepo";
import { Cluster, FakeNode, provisionClaims, startCluster } from "./cluster";
import { HostResult } from "./host";
import { copyProject, PulumiCli, requestedPlugins } from "./pulumi";

export interface SuiteOptions {
    readonly projectDir: string;
    readonly toolchainRoot: string;
    readonly kwokStages: string;
    readonly workDir: string;
    readonly chartsDir?: string;
    /** An earlier commit of main to upgrade from (step 5). */
    readonly upgradeFrom?: string;
    /** Stacks to run: dev, prod or both. */
    readonly stacks: readonly ("dev" | "prod")[];
}

/** A step's verdict. */
interface Verdict {
    readonly name: string;
    readonly passed: boolean;
    readonly seconds: number;
    readonly detail: string;
}

/** Thrown by a step for a failed expectation; its message is the verdict's detail. */
class StepFailure extends Error {}

function expect(condition: boolean, message: string): void {
    if (!condition) throw new StepFailure(message);
}

/** Operations that rebuild a resource: none may touch data on an ordinary update. */
const replacingOperations = ["replace", "create-replacement", "delete-replaced", "discard-replaced"];

function summary(changes: Record<string, number> | undefined): string {
    return Object.entries(changes ?? {})
        .filter(([, n]) => n > 0)
        .map(([op, n]) => `${op} ${n}`)
        .join(", ");
}

function succeeded(result: HostResult, what: string): HostResult {
    if (!result.ok) throw new StepFailure(`${what}: ${(result.error ?? "").split("\n").filter(Boolean).slice(-6).join(" | ")}`);
    return result;
}

/** A `pulumi config set` the suite makes: `path` sets one field of a structured key (`--path`). */
export interface StackSetting {
    readonly key: string;
    readonly value: string;
    readonly secret?: boolean;
    readonly path?: boolean;
}

/** Test values for the shipped prod file's REPLACE placeholders and its required secrets. */
export const prodTestConfig: readonly StackSetting[] = [
    { key: "lgtm:alerting.slackChannel", value: "#e2e-alerts", path: true },
    { key: "lgtm:objectStorageAccessKeyId", value: "E2EACCESSKEY0000", secret: true },
    { key: "lgtm:objectStorageSecretAccessKey", value: "e2e-secret-access-key-0123456789abcdef", secret: true },
    { key: "lgtm:slackWebhookUrl", value: "https://hooks.slack.com/services/T000/B000/e2esecretwebhook", secret: true },
];

/** Credentials for the stacks to use instead of generating them, when the random provider is not built. */
export function suppliedCredentials(stack: string): StackSetting[] {
    return [
        ...(stack === "dev"
            ? [
                  { key: "lgtm:objectStorageAccessKeyId", value: "e2eminioroot", secret: true },
                  { key: "lgtm:objectStorageSecretAccessKey", value: "e2e-minio-root-password-0123456789", secret: true },
              ]
            : []),
        { key: "lgtm:grafanaAdminPassword", value: "e2e-grafana-admin-password-0123", secret: true },
    ];
}

/** The paths (`a.b[0].c`) of the strings in `value` that contain `needle`. */
export function jsonPathsContaining(value: unknown, needle: string, at = "$"): string[] {
    if (typeof value === "string") return value.includes(needle) ? [at] : [];
    if (Array.isArray(value)) return value.flatMap((item, i) => jsonPathsContaining(item, needle, `${at}[${i}]`));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([key, item]) => jsonPathsContaining(item, needle, `${at}.${key}`));
    return [];
}

export class Suite {
    private readonly verdicts: Verdict[] = [];
    private cluster?: Cluster;
    private stopClaims?: () => Promise<void>;
    private repository?: ChartRepository;
    private pulumi?: PulumiCli;
    private readonly log: fs.WriteStream;
    /** Secret values the program handled, to look for in state, ConfigMaps and the CLI's output. */
    private readonly secrets = new Set<string>(prodTestConfig.filter((c) => c.secret).map((c) => c.value));
    private cliOutput = "";
    /**
     * The random provider's Go module is not served by the module proxy, so it cannot be built here;
     * the stacks then get every credential they would generate as secret config (docs/e2e.md).
     */
    private randomProviderMissing = false;

    constructor(private readonly options: SuiteOptions) {
        fs.mkdirSync(options.workDir, { recursive: true });
        this.log = fs.createWriteStream(path.join(options.workDir, "e2e.log"));
    }

    private async step(name: string, body: () => Promise<string>): Promise<boolean> {
        const started = Date.now();
        let verdict: Verdict;
        try {
            const detail = await body();
            verdict = { name, passed: true, seconds: (Date.now() - started) / 1000, detail };
        } catch (error) {
            const detail = error instanceof StepFailure ? error.message : `error: ${(error as Error).message}`;
            verdict = { name, passed: false, seconds: (Date.now() - started) / 1000, detail };
        }
        this.verdicts.push(verdict);
        const line = `e2e: ${verdict.passed ? "PASS" : "FAIL"} ${name} (${verdict.seconds.toFixed(1)} s)${verdict.detail ? `: ${verdict.detail}` : ""}`;
        console.log(line);
        this.log.write(`${line}\n`);
        return verdict.passed;
    }

    private get cli(): PulumiCli {
        if (!this.pulumi) throw new Error("the Pulumi CLI is not set up");
        return this.pulumi;
    }

    private async program(projectDir: string, stack: string, operation: Parameters<PulumiCli["run"]>[2], extra = {}): Promise<HostResult> {
        this.log.write(`\n### pulumi ${operation} ${stack} ${JSON.stringify(extra)}\n`);
        const result = await this.cli.run(projectDir, stack, operation, extra, this.log);
        this.cliOutput += result.output;
        return result;
    }

    private async startCluster(nodes: readonly FakeNode[], name: string): Promise<string> {
        await this.stopCluster();
        const workDir = path.join(this.options.workDir, name);
        fs.rmSync(workDir, { recursive: true, force: true });
        this.cluster = await startCluster({
            binDir: path.join(this.options.toolchainRoot, "bin"),
            workDir,
            nodes,
            storageClass: "standard",
            kwokStages: this.options.kwokStages,
        });
        this.stopClaims = provisionClaims(this.cluster, path.join(workDir, "volumes"));
        this.pulumi = new PulumiCli({ toolchainRoot: this.options.toolchainRoot, workDir: path.join(workDir, "pulumi") }, this.cluster.kubeconfig);
        const missing = await this.pulumi.installPlugins(requestedPlugins(path.join(this.options.projectDir, "node_modules")));
        const blocking = missing.filter((plugin) => plugin.name !== "random");
        expect(blocking.length === 0, `no built provider for ${blocking.map((p) => `${p.name} ${p.version} (built: ${p.built ?? "none"})`).join(", ")}: see toolchain/versions.env`);
        this.randomProviderMissing = missing.length > 0;
        const zones = [...new Set(nodes.flatMap((n) => (n.zone ? [n.zone] : [])))];
        const randomNote = this.randomProviderMissing ? "; random provider not built (its Go module is not served): credentials supplied as secret config" : "";
        return `${this.cluster.version}, ${nodes.length} node(s)${zones.length > 0 ? ` in zones ${zones.join(", ")}` : ""}${randomNote}`;
    }

    private async stopCluster(): Promise<void> {
        await this.stopClaims?.();
        await this.cluster?.stop();
        this.cluster = undefined;
        this.stopClaims = undefined;
    }

    /** A fresh copy of the project (at `commit`, or as checked out) with its stack initialised on the mirror. */
    private async project(stack: string, name: string, commit?: string): Promise<string> {
        const dir = path.join(this.options.workDir, "projects", name);
        await copyProject(this.options.projectDir, path.join(this.options.projectDir, "node_modules"), dir, commit);
        await this.cli.cli(dir, ["stack", "init", stack]);
        await this.cli.cli(dir, ["config", "set", "--path", "--stack", stack, "lgtm:charts.mirror", this.repository!.url]);
        const settings = [...(stack === "prod" ? prodTestConfig : []), ...(this.randomProviderMissing ? suppliedCredentials(stack) : [])];
        for (const { key, value, secret, path: field } of settings) {
            await this.cli.cli(dir, ["config", "set", "--stack", stack, ...(field ? ["--path"] : []), ...(secret ? ["--secret"] : ["--plaintext"]), key, value]);
            if (secret) this.secrets.add(value);
        }
        return dir;
    }

    /** What the render of `stack` predicts, Helm hooks left out (they are deleted once they succeed). */
    private async predictedObjects(projectDir: string, stack: string): Promise<K8sObject[]> {
        const model = await collectStack(projectDir, stack);
        const rendered = await renderModel(model, { chartsDir: this.options.chartsDir });
        const failed = rendered.filter((r) => r.error);
        expect(failed.length === 0, `render failed: ${failed.map((r) => `${r.release.releaseName}: ${r.error}`).join("; ")}`);
        const hook = (o: K8sObject) => o.metadata.annotations?.["helm.sh/hook"] !== undefined;
        return [...model.objects, ...rendered.flatMap((r) => r.objects.filter((o) => !hook(o)).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? r.release.namespace } })))];
    }

    /** Every object of `objects` that the API server does not have (kubectl ignores -n for cluster-scoped kinds). */
    private async missingObjects(objects: readonly K8sObject[]): Promise<string[]> {
        const missing: string[] = [];
        for (const object of objects) {
            const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
            const resource = `${object.kind.toLowerCase()}${group ? `.${group}` : ""}`;
            const namespace = object.metadata.namespace ? ["-n", object.metadata.namespace] : [];
            try {
                await this.cluster!.kubectl(["get", resource, object.metadata.name, "-o", "name", ...namespace]);
            } catch {
                missing.push(`${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`);
            }
        }
        return missing;
    }

    /** Every Service a stack output names (a `<service>.<namespace>.svc.cluster.local` host, or `grafanaService`) must exist. */
    private async outputServicesMissing(outputs: Record<string, { value: unknown }>): Promise<{ checked: number; missing: string[] }> {
        const services = new Set<string>();
        for (const [name, { value }] of Object.entries(outputs)) {
            const text = JSON.stringify(value);
            for (const match of text.matchAll(/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local/g)) services.add(`${match[2]}/${match[1]}`);
            if (name === "grafanaService") {
                const service = value as { name: string; namespace: string };
                services.add(`${service.namespace}/${service.name}`);
            }
        }
        const missing: string[] = [];
        for (const service of services) {
            const [namespace, name] = service.split("/");
            await this.cluster!.kubectl(["get", "service", name, "-n", namespace, "-o", "name"]).catch(() => missing.push(service));
        }
        return { checked: services.size, missing };
    }

    private async helmReleases(): Promise<{ name: string; namespace: string; status: string }[]> {
        const helm = findHelm();
        const { execFileSync } = await import("child_process");
        return JSON.parse(
            execFileSync(helm, ["list", "--all-namespaces", "--deployed", "--failed", "--pending", "--uninstalling", "--output", "json", "--kubeconfig", this.cluster!.kubeconfig], { encoding: "utf8" }),
        ) as { name: string; namespace: string; status: string }[];
    }

    /** Objects that hold data, by UID: a replacement shows as a new UID. */
    private async dataHolders(): Promise<Map<string, string>> {
        const text = await this.cluster!.kubectl(["get", "namespaces,secrets,statefulsets,persistentvolumeclaims", "-A", "-o", "json"]);
        const items = (JSON.parse(text) as { items: { kind: string; metadata: { name: string; namespace?: string; uid: string } }[] }).items;
        return new Map(items.filter((i) => !(i.kind === "Secret" && i.metadata.name.startsWith("sh.helm.release"))).map((i) => [`${i.kind} ${i.metadata.namespace ?? ""}/${i.metadata.name}`, i.metadata.uid]));
    }

    private replaced(before: Map<string, string>, after: Map<string, string>): string[] {
        return [...before].filter(([key, uid]) => after.has(key) && after.get(key) !== uid).map(([key]) => key);
    }

    private async ourLeftovers(): Promise<string[]> {
        const namespaces = (await this.cluster!.kubectl(["get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}"])).split(/\s+/).filter(Boolean);
        const system = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
        const left = namespaces.filter((n) => !system.has(n)).map((n) => `Namespace ${n}`);
        const releases = await this.helmReleases();
        left.push(...releases.map((r) => `release ${r.namespace}/${r.name}`));
        return left;
    }

    private async leakedSecrets(deployment: string): Promise<string[]> {
        const configMaps = await this.cluster!.kubectl(["get", "configmaps", "-A", "-o", "json"]);
        const leaks: string[] = [];
        for (const secret of this.secrets) {
            // Where, never what: the JSON paths of the values holding the secret.
            for (const [place, json] of [
                ["the exported state", deployment],
                ["a ConfigMap", configMaps],
            ] as const) {
                for (const at of jsonPathsContaining(JSON.parse(json), secret)) leaks.push(`${place} at ${at}`);
            }
            if (this.cliOutput.includes(secret)) leaks.push("the CLI's output");
        }
        return leaks;
    }

    private async collectGeneratedSecrets(projectDir: string, stack: string): Promise<number> {
        const result = succeeded(await this.program(projectDir, stack, "outputs"), "pulumi stack output");
        let found = 0;
        for (const output of Object.values(result.outputs ?? {})) {
            if (output.secret && typeof output.value === "string" && output.value.length >= 8) {
                this.secrets.add(output.value);
                found++;
            }
        }
        return found;
    }

    async runDev(): Promise<void> {
        const stack = "dev";
        if (!(await this.step("dev: cluster", () => this.startCluster([{ name: "kwok-node-0" }], "dev-cluster")))) return;
        let projectDir = "";
        if (!(await this.step("dev: project", async () => ((projectDir = await this.project(stack, "dev")), `charts from ${this.repository!.url}`)))) return;

        await this.step("dev 1: preview on the empty cluster", async () => {
            const plain = succeeded(await this.program(projectDir, stack, "preview"), "preview");
            const withPolicy = succeeded(await this.program(projectDir, stack, "preview", { policyPacks: [path.join(projectDir, "policy")] }), "preview --policy-pack policy");
            return `${summary(plain.changes)}; with the policy pack: ${summary(withPolicy.changes)}`;
        });
        const upOk = await this.step("dev 2: up, and the cluster holds what the render predicts", async () => {
            const up = succeeded(await this.program(projectDir, stack, "up"), "up");
            const releases = await this.helmReleases();
            const notDeployed = releases.filter((r) => r.status !== "deployed");
            expect(releases.length > 0 && notDeployed.length === 0, `releases not deployed: ${notDeployed.map((r) => `${r.name} ${r.status}`).join(", ") || "none found"}`);
            const predicted = (await this.predictedObjects(projectDir, stack)).filter((o) =>
                ["Service", "Secret", "ConfigMap", "NetworkPolicy", "ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "Prometheus", "Alertmanager", "Namespace"].includes(o.kind),
            );
            const missing = await this.missingObjects(predicted);
            expect(missing.length === 0, `${missing.length} of ${predicted.length} predicted objects missing: ${missing.slice(0, 8).join(", ")}`);
            const outputs = succeeded(await this.program(projectDir, stack, "outputs"), "outputs").outputs ?? {};
            const named = await this.outputServicesMissing(outputs);
            expect(named.missing.length === 0, `outputs name no Service: ${named.missing.join(", ")}`);
            await this.collectGeneratedSecrets(projectDir, stack);
            return `${summary(up.changes)}; ${releases.length} releases deployed; ${predicted.length} predicted objects present; ${named.checked} Services named by outputs exist`;
        });
        if (!upOk) return;
        await this.step("dev 3: second preview shows no changes, refresh finds no drift", async () => {
            const again = succeeded(await this.program(projectDir, stack, "preview", { expectNoChanges: true }), "preview --expect-no-changes");
            const refresh = succeeded(await this.program(projectDir, stack, "refresh", { expectNoChanges: true }), "refresh --expect-no-changes");
            return `preview: ${summary(again.changes)}; refresh: ${summary(refresh.changes)}`;
        });
        await this.step("dev 4: a config change updates without replacing", async () => {
            const before = await this.dataHolders();
            for (const [key, value] of [
                ["lgtm:metrics.retention", "3d"],
                ["lgtm:thanos.queryReplicas", "2"],
                ["lgtm:demo.enabled", "true"],
            ]) {
                await this.cli.cli(projectDir, ["config", "set", "--path", "--stack", stack, key, value]);
            }
            const up = succeeded(await this.program(projectDir, stack, "up"), "up");
            const replacements = replacingOperations.filter((op) => (up.changes?.[op] ?? 0) > 0);
            const replaced = this.replaced(before, await this.dataHolders());
            expect(replacements.length === 0 && replaced.length === 0, `replaced: ${[...replacements, ...replaced].join(", ")}`);
            return `retention 3d, 2 Thanos queriers, demo on: ${summary(up.changes)}`;
        });
        await this.step("dev 8: no secret in state, ConfigMaps or the CLI's output", async () => {
            // `pulumi stack export` as a user runs it (the Automation API's export shows the secrets).
            const leaks = await this.leakedSecrets(await this.cli.cli(projectDir, ["stack", "export", "--stack", stack]));
            expect(leaks.length === 0, leaks.join("; "));
            return `${this.secrets.size} secret values looked for`;
        });
        await this.step("dev 6: destroy leaves nothing of ours", async () => {
            const destroyed = succeeded(await this.program(projectDir, stack, "destroy"), "destroy");
            const left = await this.ourLeftovers();
            expect(left.length === 0, `left behind: ${left.join(", ")}`);
            return summary(destroyed.changes);
        });
        if (this.options.upgradeFrom) await this.upgrade(this.options.upgradeFrom);
    }

    private async upgrade(commit: string): Promise<void> {
        const stack = "dev";
        await this.step(`dev 5: upgrade from ${commit.slice(0, 12)} replaces nothing that holds data`, async () => {
            // The stack of the earlier steps is destroyed; its empty record would refuse `stack init`.
            await this.cli.cli(this.options.workDir, ["stack", "rm", "--yes", "--stack", `organization/lgtm/${stack}`]);
            const earlier = await this.project(stack, "dev-earlier", commit);
            succeeded(await this.program(earlier, stack, "up"), `up at ${commit}`);
            const before = await this.dataHolders();
            const current = path.join(this.options.workDir, "projects", "dev-current");
            await copyProject(this.options.projectDir, path.join(this.options.projectDir, "node_modules"), current);
            // The same stack (state and its config, secrets salt included) under the current program.
            fs.copyFileSync(path.join(earlier, "Pulumi.dev.yaml"), path.join(current, "Pulumi.dev.yaml"));
            const up = succeeded(await this.program(current, stack, "up"), "up at the current commit");
            const replaced = this.replaced(before, await this.dataHolders());
            const replacements = replacingOperations.filter((op) => (up.changes?.[op] ?? 0) > 0);
            expect(replaced.length === 0 && replacements.length === 0, `replaced: ${[...replacements, ...replaced].join(", ")}`);
            succeeded(await this.program(current, stack, "destroy"), "destroy");
            return `${summary(up.changes)}: ${(up.changed ?? []).join("; ")}`;
        });
    }

    async runProd(): Promise<void> {
        const stack = "prod";
        const zones = ["zone-a", "zone-b", "zone-c"];
        if (
            !(await this.step("prod: cluster", () =>
                this.startCluster(
                    zones.map((zone, i) => ({ name: `kwok-node-${i}`, zone })),
                    "prod-cluster",
                ),
            ))
        )
            return;
        let projectDir = "";
        if (!(await this.step("prod: project", async () => ((projectDir = await this.project(stack, "prod")), `charts from ${this.repository!.url}`)))) return;
        const upOk = await this.step("prod 7: up on three zoned nodes", async () => {
            succeeded(await this.program(projectDir, stack, "preview", { policyPacks: [path.join(projectDir, "policy")] }), "preview --policy-pack policy");
            const up = succeeded(await this.program(projectDir, stack, "up"), "up");
            const releases = await this.helmReleases();
            const notDeployed = releases.filter((r) => r.status !== "deployed");
            expect(notDeployed.length === 0, `releases not deployed: ${notDeployed.map((r) => `${r.name} ${r.status}`).join(", ")}`);
            await this.collectGeneratedSecrets(projectDir, stack);
            return `${summary(up.changes)}; ${releases.length} releases deployed`;
        });
        if (!upOk) return;
        await this.step("prod 8: no secret in state, ConfigMaps or the CLI's output", async () => {
            // `pulumi stack export` as a user runs it (the Automation API's export shows the secrets).
            const leaks = await this.leakedSecrets(await this.cli.cli(projectDir, ["stack", "export", "--stack", stack]));
            expect(leaks.length === 0, leaks.join("; "));
            return `${this.secrets.size} secret values looked for`;
        });
        await this.step("prod 7: destroy is refused by protect; the README's deliberate path works", async () => {
            const refused = await this.program(projectDir, stack, "destroy");
            expect(!refused.ok && /protect/i.test(refused.error ?? ""), `destroy was not refused by protect: ${refused.ok ? "it succeeded" : refused.error}`);
            await this.cli.cli(projectDir, ["state", "unprotect", "--all", "--yes", "--stack", stack]);
            succeeded(await this.program(projectDir, stack, "destroy"), "destroy after unprotect");
            const left = await this.ourLeftovers();
            return `refused while protected; after unprotect --all, left: ${left.length === 0 ? "nothing" : left.join(", ")}`;
        });
    }

    /** Runs the suite; returns the number of failed steps. */
    async run(): Promise<number> {
        try {
            const repoDir = path.join(this.options.workDir, "chart-repo");
            const ready = await this.step("chart mirror on loopback", async () => {
                await buildChartRepository(findHelm(), repoDir, this.options.chartsDir);
                this.repository = await serveChartRepository(repoDir);
                return `${fs.readdirSync(repoDir).filter((f) => f.endsWith(".tgz")).length} pinned charts at ${this.repository.url}`;
            });
            if (ready) {
                if (this.options.stacks.includes("dev")) await this.runDev();
                if (this.options.stacks.includes("prod")) await this.runProd();
            }
        } finally {
            await this.stopCluster();
            await this.repository?.close();
            this.log.end();
        }
        const passed = this.verdicts.filter((v) => v.passed).length;
        const failed = this.verdicts.length - passed;
        console.log(`e2e: log in ${path.join(this.options.workDir, "e2e.log")}`);
        console.log(`${passed} passed, ${failed} failed`);
        return failed;
    }
}
