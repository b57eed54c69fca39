/**
 * What the real components are given in a rendered stack: for each Thanos container, its
 * command line (with Kubernetes' `$(VAR)` expansion), its environment, and the files its volumes
 * mount (Secrets and ConfigMaps with their test values), exactly as the pod would see them. Pure:
 * no processes, no files.
 */
import { parse } from "yaml";
import { allObjects, containersOf, dataEntries, workloadsOf } from "../render/objects";
import { isPlainObject } from "../render/paths";
import { K8sObject, RenderedRelease, StackModel } from "../render/types";

export type Program = "thanos";

/** A file or directory a container mounts; `files` maps paths below `mountPath` to contents. */
export interface Mount {
    mountPath: string;
    /** `.` alone: the mount is one file (subPath); otherwise the directory's files. */
    files: Record<string, string>;
    /** Where it comes from: `Secret monitoring/thanos-objstore`, `emptyDir`. */
    source: string;
}

/** One container of a real component, as its pod would run it. */
export interface ContainerRun {
    program: Program;
    /** `thanos store (StatefulSet monitoring/thanos-store-gateway)` */
    name: string;
    stack: string;
    image: string;
    /** The rendered image's tag (`v0.42.4`). */
    imageTag: string;
    /** Command and args after `$(VAR)` expansion, program name first dropped: what `thanos` is run with. */
    args: string[];
    env: Record<string, string>;
    mounts: Mount[];
}

/** An objstore document a Thanos sidecar reads (operator-run, so only its bucket configuration is checked). */
export interface ObjstoreDocument {
    /** `objstore of the Thanos sidecar (Prometheus monitoring/kps-prometheus, Secret monitoring/kps-thanos-objstore)` */
    name: string;
    stack: string;
    content: string;
}

export interface Extracted {
    containers: ContainerRun[];
    sidecarObjstores: ObjstoreDocument[];
    /** Workloads of the stack's other components, which this check cannot run, by the reason why. */
    notRun: Map<string, string[]>;
}

/** Image repositories of the programs this check runs (registry host aside). */
const programImages: Record<Program, RegExp> = {
    thanos: /(^|\/)thanos\/thanos:/,
};

/** The stack's other components whose configuration we render, and why they are not built here (docs/render-and-verify.md). */
const notBuildable: [RegExp, string][] = [
    [/(^|\/)grafana\/loki:/, "Loki is AGPL-licensed and not used here"],
    [/(^|\/)grafana\/tempo:/, "Tempo is AGPL-licensed and not used here"],
    [/(^|\/)grafana\/alloy:/, "the Go module proxy does not serve the modules Alloy needs"],
];

/** The test values a pod's downward API gives (`fieldRef`); the node is the one fake node. */
function fieldValue(fieldPath: string, pod: { name: string; namespace: string }): string {
    switch (fieldPath) {
        case "metadata.name":
            return pod.name;
        case "metadata.namespace":
            return pod.namespace;
        case "spec.nodeName":
            return "node-1";
        case "spec.serviceAccountName":
            return "default";
        case "status.hostIP":
        case "status.podIP":
            return "127.0.0.1";
        default:
            throw new Error(`fieldRef ${fieldPath} has no test value`);
    }
}

/**
 * Kubernetes' expansion of `$(VAR)` in command and args: a variable the container defines is replaced,
 * `$$` is a literal `$`, and any other reference stays as written.
 */
export function expandVariables(text: string, env: Record<string, string>): string {
    return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
        if (name === undefined) return "$";
        return Object.prototype.hasOwnProperty.call(env, name) ? env[name] : match;
    });
}

const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isPlainObject) : []);

/**
 * Every Thanos container of the rendered stack, and the objstore documents of the Thanos
 * sidecars the Prometheus Operator runs. A Secret, ConfigMap or key a container needs that the stack
 * does not render is an error here (the render's references check reports it too).
 */
export function extractComponents(model: StackModel, rendered: readonly RenderedRelease[]): Extracted {
    const objects = allObjects(model, rendered);
    const find = (kind: string, namespace: string, name: string): K8sObject => {
        const found = objects.find((o) => o.object.kind === kind && o.namespace === namespace && o.object.metadata.name === name);
        if (!found) throw new Error(`${kind} ${namespace}/${name} is not rendered`);
        return found.object;
    };
    const entry = (kind: string, namespace: string, name: string, key: string): string => {
        const entries = dataEntries(find(kind, namespace, name));
        if (!(key in entries)) throw new Error(`${kind} ${namespace}/${name} has no key ${key}`);
        return entries[key];
    };

    const containers: ContainerRun[] = [];
    const sidecarObjstores: ObjstoreDocument[] = [];
    const notRun = new Map<string, string[]>();
    for (const workload of workloadsOf(rendered)) {
        const { object, namespace, template } = workload;
        const podSpec = template.spec;
        if (object.kind === "Prometheus") {
            const ref = isPlainObject(podSpec.thanos) && isPlainObject(podSpec.thanos.objectStorageConfig) ? podSpec.thanos.objectStorageConfig : undefined;
            if (ref) {
                const secret = String(ref.name);
                sidecarObjstores.push({
                    name: `objstore of the Thanos sidecar (Prometheus ${namespace}/${object.metadata.name}, Secret ${namespace}/${secret})`,
                    stack: model.stack,
                    content: entry("Secret", namespace, secret, String(ref.key)),
                });
            }
            continue;
        }
        const volumes = new Map(list(podSpec.volumes).map((v) => [String(v.name), v]));
        // A StatefulSet's claim templates are volumes of its pods too: each an empty volume at first.
        const claims = isPlainObject(object.spec) ? list(object.spec.volumeClaimTemplates) : [];
        for (const claim of claims) {
            const name = isPlainObject(claim.metadata) ? String(claim.metadata.name) : "";
            if (!volumes.has(name)) volumes.set(name, { name, persistentVolumeClaim: {} });
        }
        // A StatefulSet's first pod, a Deployment's or DaemonSet's some pod: only the name's shape matters.
        const pod = { name: `${object.metadata.name}-0`, namespace };
        for (const { container, field } of containersOf(podSpec)) {
            if (field !== "containers") continue;
            const image = String(container.image ?? "");
            const program = (Object.keys(programImages) as Program[]).find((p) => programImages[p].test(image));
            if (!program) {
                const why = notBuildable.find(([pattern]) => pattern.test(image));
                if (why) notRun.set(why[1], [...(notRun.get(why[1]) ?? []), `${object.kind} ${namespace}/${object.metadata.name}`]);
                continue;
            }

            const env: Record<string, string> = {};
            for (const source of list(container.envFrom)) {
                const ref = isPlainObject(source.secretRef) ? ["Secret", source.secretRef] : isPlainObject(source.configMapRef) ? ["ConfigMap", source.configMapRef] : undefined;
                if (!ref) continue;
                const [kind, r] = ref as [string, Record<string, unknown>];
                for (const [key, value] of Object.entries(dataEntries(find(kind, namespace, String(r.name))))) env[`${source.prefix ?? ""}${key}`] = value;
            }
            for (const variable of list(container.env)) {
                const name = String(variable.name);
                const from = isPlainObject(variable.valueFrom) ? variable.valueFrom : undefined;
                if (!from) env[name] = expandVariables(String(variable.value ?? ""), env);
                else if (isPlainObject(from.fieldRef)) env[name] = fieldValue(String(from.fieldRef.fieldPath), pod);
                else if (isPlainObject(from.secretKeyRef)) env[name] = entry("Secret", namespace, String(from.secretKeyRef.name), String(from.secretKeyRef.key));
                else if (isPlainObject(from.configMapKeyRef)) env[name] = entry("ConfigMap", namespace, String(from.configMapKeyRef.name), String(from.configMapKeyRef.key));
                else throw new Error(`${workload.name}: env ${name} comes from ${Object.keys(from).join(", ")}, which has no test value`);
            }

            const commandLine = [...(Array.isArray(container.command) ? container.command : []), ...(Array.isArray(container.args) ? container.args : [])].map((word) => expandVariables(String(word), env));
            // The images' entry point is the program; a command that names it is dropped, so args are the program's.
            const args = commandLine[0] === program || commandLine[0]?.endsWith(`/${program}`) ? commandLine.slice(1) : commandLine;

            const mounts: Mount[] = list(container.volumeMounts).map((m) => {
                const volume = volumes.get(String(m.name));
                if (!volume) throw new Error(`${workload.name}: volumeMount ${String(m.name)} names no volume`);
                return mountOf(volume, typeof m.subPath === "string" && m.subPath ? m.subPath : undefined, String(m.mountPath), namespace, find);
            });
            containers.push({
                program,
                name: `${program} ${args[0]} (${object.kind} ${namespace}/${object.metadata.name})`,
                stack: model.stack,
                image,
                imageTag: image.replace(/@.*$/, "").split(":").pop() ?? "",
                args,
                env,
                mounts,
            });
        }
    }
    return { containers, sidecarObjstores, notRun };
}

function mountOf(volume: Record<string, unknown>, subPath: string | undefined, mountPath: string, namespace: string, find: (kind: string, namespace: string, name: string) => K8sObject): Mount {
    let files: Record<string, string> = {};
    let source = Object.keys(volume).find((k) => k !== "name") ?? "volume";
    for (const [field, kind, nameField] of [
        ["secret", "Secret", "secretName"],
        ["configMap", "ConfigMap", "name"],
    ] as const) {
        const spec = volume[field];
        if (!isPlainObject(spec)) continue;
        const name = String(spec[nameField]);
        const entries = dataEntries(find(kind, namespace, name));
        const items = list(spec.items);
        files = items.length ? Object.fromEntries(items.map((item) => [String(item.path), entries[String(item.key)] ?? ""])) : entries;
        source = `${kind} ${namespace}/${name}`;
    }
    if (subPath !== undefined) {
        if (!(subPath in files)) throw new Error(`${source} has no ${subPath} for ${mountPath}`);
        return { mountPath, files: { ".": files[subPath] }, source };
    }
    return { mountPath, files, source };
}

/** `--flag=value` or `--flag value` in an argument list: the last one given, as kingpin and cobra take it. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
    let value: string | undefined;
    args.forEach((arg, i) => {
        if (arg.startsWith(`--${flag}=`)) value = arg.slice(flag.length + 3);
        else if (arg === `--${flag}` && i + 1 < args.length) value = args[i + 1];
    });
    return value;
}

/** The S3 endpoint an objstore document names, and whether it is reached over TLS. */
export function objstoreEndpoint(document: string): { host: string; port: number; tls: boolean; bucket: string } | undefined {
    const parsed = parse(document) as { type?: string; config?: { endpoint?: string; insecure?: boolean; bucket?: string } } | null;
    if (!parsed || String(parsed.type).toUpperCase() !== "S3" || !parsed.config?.endpoint) return undefined;
    const tls = parsed.config.insecure !== true;
    const [host, port] = parsed.config.endpoint.split(":");
    return { host, port: port ? Number(port) : tls ? 443 : 80, tls, bucket: String(parsed.config.bucket ?? "") };
}
