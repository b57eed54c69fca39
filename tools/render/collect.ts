import type { RawConfig } from "../../stacks/config";
import { evaluatePlatform, Evaluation, RegisteredResource, valueOf } from "./evaluate";
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

/** Evaluates a stack of the project in `projectDir` offline and collects what `pulumi up` would apply. */
export async function collectStack(projectDir: string, stack: string): Promise<StackModel> {
    const { raw } = readStackConfig(projectDir, stack);
    return (await collectConfig(raw, stack)).model;
}

/** Like `collectStack`, for raw config given directly; also returns the evaluation (the program's outputs). */
export async function collectConfig(raw: RawConfig, stack: string): Promise<{ model: StackModel; evaluation: Evaluation }> {
    const evaluation = await evaluatePlatform(raw, stack);
    const releases: CollectedRelease[] = evaluation.resources
        .filter((r) => r.type === releaseType)
        .map((r) => ({ resourceName: r.name, chart: chartRefOf(r.inputs), releaseName: r.inputs.name, namespace: r.inputs.namespace, values: r.inputs.values ?? {} }));
    const objects = evaluation.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== releaseType && !r.type.startsWith("kubernetes:helm")).map(objectOf);
    // The buckets MinIO's release creates (its post-install hook), as opposed to those consumers expect.
    const storeRelease = await valueOf(evaluation.outputs.components.objectStorage.release.name);
    const bucketValues = (releases.find((r) => r.releaseName === storeRelease)?.values.buckets ?? []) as { name: string }[];
    const model: StackModel = {
        stack,
        profile: raw.profile ?? "dev",
        releases,
        objects,
        buckets: bucketValues.map((b) => b.name),
        addresses: [],
        secretValues: evaluation.generatedSecrets,
    };
    return { model, evaluation };
}
