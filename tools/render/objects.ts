/** Helpers to read Kubernetes objects the way the checks need them. */
import { CollectedRelease, K8sObject, RenderedRelease, StackModel } from "./types";
import { isPlainObject, PathSegment } from "./paths";

/** Custom resources of the Prometheus Operator that become pods (the operator builds a StatefulSet from them). */
export const operatorPodKinds = new Set(["Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent"]);

/** A Prometheus Operator resource whose pods the operator builds (no chart renders them). */
export function isOperatorPod(object: K8sObject): boolean {
    return operatorPodKinds.has(object.kind) && object.apiVersion.startsWith("monitoring.coreos.com/");
}

/** The main container the operator builds for each of those kinds. */
export const operatorMainContainer: Record<string, string> = { Prometheus: "prometheus", PrometheusAgent: "prometheus", Alertmanager: "alertmanager", ThanosRuler: "thanos-ruler" };

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

/**
 * The pod template of a workload, or undefined for objects that run no pods. Operator CRs carry pod
 * fields in `spec`. Its pods run to completion when it is a Job or CronJob, or a Helm hook of any kind.
 */
export function podTemplateOf(object: K8sObject): PodTemplate | undefined {
    const template = templateByKind(object);
    return template && (isHook(object) ? { ...template, runsToCompletion: true } : template);
}

function templateByKind(object: K8sObject): PodTemplate | undefined {
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
            if (isOperatorPod(object)) {
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

/**
 * Labels of the pods a workload runs. Operator CRs: `spec.podMetadata.labels` overlaid by the
 * selector labels the Prometheus Operator (v0.93, `makeSelectorLabels`) puts on every pod it builds.
 */
export function podLabelsOf(object: K8sObject): Record<string, string> {
    const spec = asRecord(object.spec) ?? {};
    if (isOperatorPod(object)) {
        const name = object.metadata.name;
        const own = stringMap(asRecord(spec.podMetadata)?.labels);
        const common = { "app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/instance": name };
        switch (object.kind) {
            case "Prometheus":
                // Shard 0; further shards differ only in this label.
                return { ...own, ...common, "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": name, "operator.prometheus.io/shard": "0", prometheus: name };
            case "PrometheusAgent":
                return { ...own, ...common, "app.kubernetes.io/name": "prometheus-agent", "operator.prometheus.io/name": name, "operator.prometheus.io/shard": "0" };
            case "Alertmanager":
                return { ...own, ...common, "app.kubernetes.io/name": "alertmanager", alertmanager: name };
            default:
                return { ...own, ...common, "app.kubernetes.io/name": "thanos-ruler", "thanos-ruler": name };
        }
    }
    if (object.kind === "Pod") return stringMap(object.metadata.labels);
    const template = object.kind === "CronJob" ? asRecord(asRecord(asRecord(spec.jobTemplate)?.spec)?.template) : asRecord(spec.template);
    return stringMap(asRecord(template?.metadata)?.labels);
}

function stringMap(value: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(asRecord(value) ?? {})) out[key] = String(item);
    return out;
}

/**
 * Whether a Kubernetes LabelSelector selects `labels`: `matchLabels` and `matchExpressions`
 * (In, NotIn, Exists, DoesNotExist) all hold. An empty selector selects everything; a missing one nothing.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    const s = asRecord(selector);
    if (!s) return false;
    for (const [key, value] of Object.entries(asRecord(s.matchLabels) ?? {})) if (labels[key] !== String(value)) return false;
    for (const expression of Array.isArray(s.matchExpressions) ? s.matchExpressions.filter(isPlainObject) : []) {
        const key = String(expression.key);
        const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
        const has = key in labels;
        switch (expression.operator) {
            case "In":
                if (!has || !values.includes(labels[key])) return false;
                break;
            case "NotIn":
                if (has && values.includes(labels[key])) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                return false; // An operator Kubernetes does not know selects nothing (the API server would reject it).
        }
    }
    return true;
}

/** `matchLabels`/`matchExpressions` of a selector, for messages. */
export function formatSelector(selector: unknown): string {
    const s = asRecord(selector);
    if (!s) return "(none)";
    const parts = Object.entries(asRecord(s.matchLabels) ?? {}).map(([k, v]) => `${k}=${v}`);
    for (const e of Array.isArray(s.matchExpressions) ? s.matchExpressions.filter(isPlainObject) : []) {
        parts.push(`${e.key} ${e.operator}${Array.isArray(e.values) ? ` (${e.values.join(", ")})` : ""}`);
    }
    return parts.length ? parts.join(", ") : "{} (everything)";
}

/** An object that runs pods, with what the checks ask of it. */
export interface Workload {
    object: K8sObject;
    release: CollectedRelease;
    namespace: string;
    template: PodTemplate;
    labels: Record<string, string>;
    /** Helm hooks and Jobs: they run to completion. */
    runsToCompletion: boolean;
    /** `release loki: StatefulSet monitoring/loki-compactor` */
    name: string;
}

/** Every object of the rendered releases that runs pods (operator CRs included), hooks included. */
export function workloadsOf(rendered: readonly RenderedRelease[]): Workload[] {
    const out: Workload[] = [];
    for (const { release, objects } of rendered) {
        for (const object of objects) {
            const template = podTemplateOf(object);
            if (!template) continue;
            const namespace = namespaceOf(object, release.namespace);
            out.push({
                object,
                release,
                namespace,
                template,
                labels: podLabelsOf(object),
                runsToCompletion: template.runsToCompletion,
                name: `release ${release.releaseName}: ${describeObject(object, namespace)}`,
            });
        }
    }
    return out;
}
