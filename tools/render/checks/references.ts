/**
 * Every Secret and ConfigMap a workload mounts or reads must exist in its namespace (rendered by a
 * release or created by the program), with the key it names. A missing one leaves pods stuck in
 * ContainerCreating / CreateContainerConfigError after Helm reports success.
 */
import { allObjects, containersOf, dataKeys, describeObject, operatorPodKinds, podTemplateOf, renderFailureNote } from "../objects";
import { closestMatch, getPath, isPlainObject } from "../paths";
import { K8sObject } from "../types";
import { CheckInput, CheckResult, FindingList } from "./types";

type RefKind = "Secret" | "ConfigMap";

/** One reference from a workload to a Secret or ConfigMap (and optionally one of its keys). */
export interface DataReference {
    kind: RefKind;
    name: string;
    keys: string[];
    /** How the workload refers to it, e.g. `container "loki" envFrom`. */
    via: string;
}

/**
 * Fields of the Prometheus Operator CRs that name a Secret key ({name, key}); the operator mounts
 * them into the pods it builds, and refuses to reconcile when they are missing.
 */
const operatorSecretKeySelectors: string[][] = [
    ["thanos", "objectStorageConfig"],
    ["thanos", "tracingConfig"],
    ["objectStorageConfig"],
    ["tracingConfig"],
    ["additionalScrapeConfigs"],
    ["additionalAlertManagerConfigs"],
    ["additionalAlertRelabelConfigs"],
    ["alertmanagersConfig"],
    ["queryConfig"],
];

function str(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

function itemKeys(items: unknown): string[] {
    return Array.isArray(items) ? items.filter(isPlainObject).map((i) => String(i.key)) : [];
}

/** References a pod spec (or an operator CR spec, which has the same fields) makes. `optional: true` ones are left out. */
export function podSpecReferences(spec: Record<string, unknown>, kind?: string): DataReference[] {
    const refs: DataReference[] = [];
    const add = (refKind: RefKind, selector: unknown, via: string, keys: string[] = [], nameField = "name") => {
        if (!isPlainObject(selector) || selector.optional === true) return;
        const name = str(selector[nameField]);
        if (name) refs.push({ kind: refKind, name, keys, via });
    };
    for (const { container } of containersOf(spec)) {
        const who = `container "${container.name}"`;
        for (const source of Array.isArray(container.envFrom) ? container.envFrom.filter(isPlainObject) : []) {
            add("Secret", source.secretRef, `${who} envFrom`);
            add("ConfigMap", source.configMapRef, `${who} envFrom`);
        }
        for (const variable of Array.isArray(container.env) ? container.env.filter(isPlainObject) : []) {
            const from = isPlainObject(variable.valueFrom) ? variable.valueFrom : {};
            const via = `${who} env ${variable.name}`;
            if (isPlainObject(from.secretKeyRef)) add("Secret", from.secretKeyRef, via, [String(from.secretKeyRef.key)]);
            if (isPlainObject(from.configMapKeyRef)) add("ConfigMap", from.configMapKeyRef, via, [String(from.configMapKeyRef.key)]);
        }
    }
    refs.push(...subPathReferences(spec));
    for (const volume of Array.isArray(spec.volumes) ? spec.volumes.filter(isPlainObject) : []) {
        const via = `volume "${volume.name}"`;
        if (isPlainObject(volume.secret)) add("Secret", volume.secret, via, itemKeys(volume.secret.items), "secretName");
        if (isPlainObject(volume.configMap)) add("ConfigMap", volume.configMap, via, itemKeys(volume.configMap.items));
        const sources = getPath(volume, ["projected", "sources"]);
        for (const source of Array.isArray(sources) ? sources.filter(isPlainObject) : []) {
            if (isPlainObject(source.secret)) add("Secret", source.secret, `${via} (projected)`, itemKeys(source.secret.items));
            if (isPlainObject(source.configMap)) add("ConfigMap", source.configMap, `${via} (projected)`, itemKeys(source.configMap.items));
        }
    }
    if (kind && operatorPodKinds.has(kind)) {
        // The operator mounts `secrets`/`configMaps` whole into every pod.
        for (const name of Array.isArray(spec.secrets) ? spec.secrets : []) if (str(name)) refs.push({ kind: "Secret", name, keys: [], via: "spec.secrets" });
        for (const name of Array.isArray(spec.configMaps) ? spec.configMaps : []) if (str(name)) refs.push({ kind: "ConfigMap", name, keys: [], via: "spec.configMaps" });
        for (const path of operatorSecretKeySelectors) {
            const selector = getPath(spec, path);
            if (isPlainObject(selector)) add("Secret", selector, `spec.${path.join(".")}`, str(selector.key) ? [String(selector.key)] : []);
        }
        if (kind === "Alertmanager" && str(spec.configSecret)) refs.push({ kind: "Secret", name: String(spec.configSecret), keys: [], via: "spec.configSecret" });
    }
    return refs;
}

/**
 * A `subPath` mount of a whole Secret/ConfigMap volume picks one key as a file (how charts mount a
 * single config file); the container fails to start when the key is missing. With `items`, the
 * subPath must be one of the item paths instead.
 */
function subPathReferences(spec: Record<string, unknown>): DataReference[] {
    const refs: DataReference[] = [];
    const volumes = new Map((Array.isArray(spec.volumes) ? spec.volumes.filter(isPlainObject) : []).map((v) => [String(v.name), v]));
    for (const { container } of containersOf(spec)) {
        for (const mount of Array.isArray(container.volumeMounts) ? container.volumeMounts.filter(isPlainObject) : []) {
            const subPath = str(mount.subPath);
            const volume = volumes.get(String(mount.name));
            if (!subPath || !volume) continue;
            const source = isPlainObject(volume.secret)
                ? { kind: "Secret" as const, selector: volume.secret, name: volume.secret.secretName }
                : isPlainObject(volume.configMap)
                  ? { kind: "ConfigMap" as const, selector: volume.configMap, name: volume.configMap.name }
                  : undefined;
            if (!source || source.selector.optional === true || !str(source.name)) continue;
            const file = subPath.split("/")[0];
            const items = Array.isArray(source.selector.items) ? source.selector.items.filter(isPlainObject) : undefined;
            // With items, the file is an item's path and its key is checked with the volume itself.
            if (items) continue;
            refs.push({ kind: source.kind, name: String(source.name), keys: [file], via: `container "${container.name}" volumeMount ${mount.mountPath} (subPath ${subPath} of volume "${mount.name}")` });
        }
    }
    return refs;
}

/**
 * Secrets that pods create at runtime rather than Helm: kube-webhook-certgen (kube-prometheus-stack's
 * admission hook Jobs) writes the webhook certificate into `--secret-name`.
 */
function runtimeCreatedSecrets(objects: { object: K8sObject; namespace: string }[]): Map<string, string> {
    const created = new Map<string, string>();
    for (const { object, namespace } of objects) {
        const template = podTemplateOf(object);
        if (!template) continue;
        for (const { container } of containersOf(template.spec)) {
            const args = Array.isArray(container.args) ? container.args.map(String) : [];
            args.forEach((arg, i) => {
                const name = arg.startsWith("--secret-name=") ? arg.slice("--secret-name=".length) : arg === "--secret-name" ? args[i + 1] : undefined;
                if (name) created.set(`${namespace}/${name}`, describeObject(object, namespace));
            });
        }
    }
    return created;
}

export function checkReferences(input: CheckInput): CheckResult {
    const findings = new FindingList("references");
    const objects = allObjects(input.model, input.rendered);
    const stores = new Map<string, Set<string>>();
    const namesByKindNamespace = new Map<string, string[]>();
    for (const { object, namespace } of objects) {
        if (object.kind !== "Secret" && object.kind !== "ConfigMap") continue;
        stores.set(`${object.kind}/${namespace}/${object.metadata.name}`, dataKeys(object));
        const listKey = `${object.kind}/${namespace}`;
        namesByKindNamespace.set(listKey, [...(namesByKindNamespace.get(listKey) ?? []), object.metadata.name]);
    }
    const runtimeSecrets = runtimeCreatedSecrets(objects);

    let checked = 0;
    for (const { object, namespace, origin } of objects) {
        const template = podTemplateOf(object);
        if (!template) continue;
        const referrer = `${describeObject(object, namespace)} (${origin})`;
        for (const ref of podSpecReferences(template.spec, object.kind)) {
            checked++;
            const keys = stores.get(`${ref.kind}/${namespace}/${ref.name}`);
            if (!keys) {
                const creator = ref.kind === "Secret" ? runtimeSecrets.get(`${namespace}/${ref.name}`) : undefined;
                if (creator) {
                    findings.info(`${referrer} ${ref.via}: Secret ${namespace}/${ref.name} is created at runtime by ${creator}`);
                    continue;
                }
                const existing = namesByKindNamespace.get(`${ref.kind}/${namespace}`) ?? [];
                const guess = closestMatch(ref.name, existing);
                findings.error(
                    `${referrer} ${ref.via}: ${ref.kind} ${namespace}/${ref.name} does not exist${guess ? ` (did you mean "${guess}"?)` : ""}; ${ref.kind}s in "${namespace}": ${existing.sort().join(", ") || "none"}${renderFailureNote(input.rendered)}`,
                );
                continue;
            }
            for (const key of ref.keys) {
                if (!keys.has(key)) {
                    findings.error(`${referrer} ${ref.via}: ${ref.kind} ${namespace}/${ref.name} has no key "${key}"; its keys: ${[...keys].sort().join(", ") || "none"}`);
                }
            }
        }
    }
    return findings.result(`${checked} Secret/ConfigMap reference(s) checked`);
}
