/** Helpers to read Kubernetes objects the way the checks need them. */
import { K8sObject, RenderedRelease, StackModel } from "./types";
import { isPlainObject, PathSegment } from "./paths";

/** Custom resources of the Prometheus Operator that become pods (the operator builds a StatefulSet from them). */
export const operatorPodKinds = new Set(["Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent"]);

/** An object together with where it came from, so findings can name it. */
export interface SourcedObject {
    object: K8sObject;
    namespace: string;
    /** `release loki` or `program`. */
    origin: string;
}

/** Namespace of a namespaced object: its own, else the release's (Helm installs it there). */
export function namespaceOf(object: K8sObject, fallback: string): string {
    return object.metadata?.namespace ?? fallback;
}

/** `Deployment monitoring/loki-gateway` */
export function describeObject(object: K8sObject, namespace: string): string {
    return `${object.kind} ${namespace}/${object.metadata?.name}`;
}

/** Helm hooks (and test pods) run to completion around install; they are not part of the steady state. */
export function isHook(object: K8sObject): boolean {
    return Boolean(object.metadata?.annotations?.["helm.sh/hook"]);
}

/** Every rendered object plus the program's own objects, each with its effective namespace. */
export function allObjects(model: StackModel, rendered: readonly RenderedRelease[]): SourcedObject[] {
    const out: SourcedObject[] = [];
    for (const { release, objects } of rendered) {
        for (const object of objects) out.push({ object, namespace: namespaceOf(object, release.namespace), origin: `release ${release.releaseName}` });
    }
    for (const object of model.objects) out.push({ object, namespace: namespaceOf(object, "default"), origin: "program" });
    return out;
}

/** A note for "does not exist" findings when some release failed to render (its objects are then missing too). */
export function renderFailureNote(rendered: readonly RenderedRelease[]): string {
    const failed = rendered.filter((r) => r.error).map((r) => r.release.releaseName);
    return failed.length ? ` (note: release ${failed.join(", ")} did not render, so its objects are missing)` : "";
}

/** Where the pod spec of a workload lives, how many pods it runs, and whether they run to completion. */
export interface PodTemplate {
    spec: Record<string, unknown>;
    /** Path of `spec` inside the object, for messages. */
    path: PathSegment[];
    replicas: number;
    runsToCompletion: boolean;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
    return isPlainObject(value) ? value : undefined;
}

function replicasOf(spec: Record<string, unknown> | undefined): number {
    const replicas = spec?.replicas;
    return typeof replicas === "number" ? replicas : 1;
}

/** The pod template of a workload, or undefined for objects that run no pods. Operator CRs carry pod fields in `spec`. */
export function podTemplateOf(object: K8sObject): PodTemplate | undefined {
    const spec = asRecord(object.spec);
    if (!spec) return undefined;
    const templateSpec = (template: unknown) => asRecord(asRecord(template)?.spec);
    switch (object.kind) {
        case "Pod":
            return { spec, path: ["spec"], replicas: 1, runsToCompletion: false };
        case "Deployment":
        case "StatefulSet":
        case "ReplicaSet": {
            const pod = templateSpec(spec.template);
            return pod && { spec: pod, path: ["spec", "template", "spec"], replicas: replicasOf(spec), runsToCompletion: false };
        }
        case "DaemonSet": {
            // Counted as one node's worth: the footprint is per node for DaemonSets.
            const pod = templateSpec(spec.template);
            return pod && { spec: pod, path: ["spec", "template", "spec"], replicas: 1, runsToCompletion: false };
        }
        case "Job": {
            const pod = templateSpec(spec.template);
            return pod && { spec: pod, path: ["spec", "template", "spec"], replicas: 1, runsToCompletion: true };
        }
        case "CronJob": {
            const pod = templateSpec(asRecord(asRecord(spec.jobTemplate)?.spec)?.template);
            return pod && { spec: pod, path: ["spec", "jobTemplate", "spec", "template", "spec"], replicas: 1, runsToCompletion: true };
        }
        default:
            if (operatorPodKinds.has(object.kind) && object.apiVersion.startsWith("monitoring.coreos.com/")) {
                return { spec, path: ["spec"], replicas: replicasOf(spec) * (typeof spec.shards === "number" ? spec.shards : 1), runsToCompletion: false };
            }
            return undefined;
    }
}

export interface ContainerEntry {
    container: Record<string, unknown>;
    /** `initContainers` run before the pod starts (unless they are restartable sidecars). */
    field: "containers" | "initContainers" | "ephemeralContainers";
    index: number;
}

export function containersOf(podSpec: Record<string, unknown>): ContainerEntry[] {
    const out: ContainerEntry[] = [];
    for (const field of ["initContainers", "containers", "ephemeralContainers"] as const) {
        const list = podSpec[field];
        if (!Array.isArray(list)) continue;
        list.forEach((container, index) => {
            if (isPlainObject(container)) out.push({ container, field, index });
        });
    }
    return out;
}

function decodeBase64(value: unknown): string {
    return typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : "";
}

/** Key → plain text of a Secret (`data` decoded, `stringData` as is) or ConfigMap (`data`). */
export function dataEntries(object: K8sObject): Record<string, string> {
    const out: Record<string, string> = {};
    if (object.kind === "Secret") {
        for (const [key, value] of Object.entries(asRecord(object.data) ?? {})) out[key] = decodeBase64(value);
        for (const [key, value] of Object.entries(asRecord(object.stringData) ?? {})) out[key] = String(value ?? "");
    } else if (object.kind === "ConfigMap") {
        for (const [key, value] of Object.entries(asRecord(object.data) ?? {})) out[key] = String(value ?? "");
    }
    return out;
}

/** Keys a Secret or ConfigMap provides (binaryData included). */
export function dataKeys(object: K8sObject): Set<string> {
    const keys = new Set(Object.keys(dataEntries(object)));
    for (const key of Object.keys(asRecord(object.binaryData) ?? {})) keys.add(key);
    return keys;
}
