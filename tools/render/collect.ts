import { parsePlatformConfig, RawConfig, requiredSecretKeys } from "../../stacks/config";
import { charts } from "../../components/charts";
import type { FleetAccess } from "../../components/fleetAccess";
import { edgeEntry } from "../../components/fleetAccess";
import type { PlatformConfig } from "../../stacks/schema";
import { centralOutputsCommand } from "../ops/agentConfig";
import { evaluateEdge, evaluatePlatform, Evaluation, RegisteredResource, valueOf } from "./evaluate";
import { readStackConfig } from "./stackConfig";
import { ChartRef, CollectedRelease, K8sObject, StackModel } from "./types";

const releaseType = "kubernetes:helm.sh/v3:Release";

function chartRefOf(inputs: Record<string, any>): ChartRef {
    const chart: string = inputs.chart;
    if (chart.startsWith("oci://")) {
        const cut = chart.lastIndexOf("/");
        return { name: chart.slice(cut + 1), version: inputs.version, repository: chart.slice(0, cut) };
    }
    return { name: chart, version: inputs.version, repository: inputs.repositoryOpts?.repo ?? "" };
}

/** `kubernetes:core/v1:Secret` → apiVersion `v1`, kind `Secret` (`apps/v1` for non-core groups). */
function objectOf(r: RegisteredResource): K8sObject {
    const [, groupVersion, kind] = r.type.split(":");
    const [group, version] = groupVersion.split("/");
    return { apiVersion: group === "core" ? version : `${group}/${version}`, kind, ...r.inputs } as K8sObject;
}

/** A stack's config as offline evaluation takes it, and the secret keys that got stand-ins. */
export interface OfflineStackConfig {
    readonly raw: RawConfig;
    readonly prefix: string;
    readonly unsetSecretKeys: readonly string[];
    readonly role: PlatformConfig["role"];
}

/**
 * The config of a stack of the project in `projectDir`, with `overrides` replacing whole keys (as
 * `pulumi config set` would). Secret keys the stack needs but its file does not set yet (a fresh
 * prod stack) get stand-ins, so a stack file can be checked before its secrets are set. The chart
 * source (`charts`) is validated, then left out: the render finds each pinned chart itself (`--charts`,
 * the cache, upstream), while a mirror or directory is where the cluster's installs fetch them, which
 * this machine may not reach or hold.
 */
export function offlineStackConfig(projectDir: string, stack: string, overrides: RawConfig = {}): OfflineStackConfig {
    const { project, raw: stackRaw } = readStackConfig(projectDir, stack);
    const prefix = `${project}:`;
    const stated: RawConfig = { ...stackRaw, ...overrides };
    const config = parsePlatformConfig(stated, prefix, { allowUnsetSecrets: true });
    const unsetSecretKeys = requiredSecretKeys(config).filter((key) => !stated[key]);
    const raw = Object.fromEntries(Object.entries(stated).filter(([key]) => key !== "charts"));
    // Like undecryptedSecret's, these pass the form rules of every credential key.
    const standIns = Object.fromEntries(unsetSecretKeys.map((key) => [key, `<secret:${prefix}${key}:not-set-yet>`]));
    return { raw: { ...raw, ...standIns }, prefix, unsetSecretKeys, role: config.role };
}

/**
 * Evaluates a stack of the project in `projectDir` offline (see `offlineStackConfig`) and collects
 * what `pulumi up` would apply; the model says which secret keys got stand-ins. An edge stack
 * (role edge) reads its central stack's `fleet` output from `centralFleet` (verify's
 * `--central-outputs FILE`), as its StackReference would.
 */
export async function collectStack(projectDir: string, stack: string, overrides: RawConfig = {}, central?: FleetAccess | (() => FleetAccess)): Promise<StackModel> {
    const offline = offlineStackConfig(projectDir, stack, overrides);
    if (offline.role !== "edge") {
        // Refused before a central stack's outputs are read: they hold every member's password.
        if (central !== undefined) throw new Error(`stack ${stack} is no edge (lgtm:role is ${offline.role}): it reads no central stack's outputs; leave out --central-stack and --central-outputs`);
        return (await collectPlatform(stack, offline)).model;
    }
    const centralFleet = typeof central === "function" ? central() : central;
    if (centralFleet === undefined) {
        throw new Error(`stack ${stack} is an edge (lgtm:role edge): its central stack's outputs are needed (--central-stack STACK, or --central-outputs FILE written by ${centralOutputsCommand})`);
    }
    const evaluation = await evaluateEdge(offline.raw, stack, centralFleet);
    const { lokiPushUrl, remoteWriteUrl, otlpHttpEndpoint } = edgeEntry(centralFleet, evaluation.config.clusterName, evaluation.config.central);
    // An edge stores nothing (no object store, no bucket); it sends to its entry's endpoints only.
    return { ...modelOf(stack, offline.raw, evaluation, { buckets: [] }), central: { lokiPushUrl, remoteWriteUrl, otlpHttpEndpoint } };
}

/** Like `collectStack` for a platform stack; also returns the evaluation (the program's outputs and components). */
export async function collectStackEvaluation(projectDir: string, stack: string, overrides: RawConfig = {}): Promise<{ model: StackModel; evaluation: Evaluation }> {
    return collectPlatform(stack, offlineStackConfig(projectDir, stack, overrides));
}

async function collectPlatform(stack: string, { raw, prefix, unsetSecretKeys }: OfflineStackConfig): Promise<{ model: StackModel; evaluation: Evaluation }> {
    const evaluation = await evaluatePlatform(raw, stack);
    const described = await valueOf(evaluation.outputs.objectStorage);
    // With MinIO, the buckets its release creates (its post-install hook), as opposed to those consumers expect.
    const buckets =
        described.type === "minio" ? ((releasesOf(evaluation).find((r) => r.chart.name === charts.minio.name)?.values.buckets ?? []) as { name: string }[]).map((b) => b.name) : Object.values(described.buckets);
    const objectStore = {
        type: described.type,
        endpoint: described.endpoint,
        tls: described.tls,
        forcePathStyle: described.forcePathStyle,
        unsetSecretKeys: unsetSecretKeys.map((key) => `${prefix}${key}`),
    };
    return { model: modelOf(stack, raw, evaluation, { buckets, objectStore }), evaluation };
}

function releasesOf(evaluation: Evaluation<unknown>): CollectedRelease[] {
    return evaluation.resources
        .filter((r) => r.type === releaseType)
        .map((r) => ({ resourceName: r.name, chart: chartRefOf(r.inputs), releaseName: r.inputs.name, namespace: r.inputs.namespace, values: r.inputs.values ?? {} }));
}

/** The model of an evaluated stack: its releases, the objects the program creates, its namespaces and every secret value it handles. */
function modelOf(stack: string, raw: RawConfig, evaluation: Evaluation<unknown>, store: Pick<StackModel, "buckets" | "objectStore">): StackModel {
    return {
        stack,
        profile: raw.profile ?? "dev",
        releases: releasesOf(evaluation),
        objects: evaluation.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== releaseType && !r.type.startsWith("kubernetes:helm")).map(objectOf),
        ...store,
        namespaces: { ...evaluation.config.namespaces },
        addresses: [],
        secretValues: [...evaluation.generatedSecrets, ...evaluation.configSecrets],
    };
}
