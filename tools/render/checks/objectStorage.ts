/**
 * Object storage wiring: Thanos parses its objstore document strictly (an unknown key or a scheme
 * in the endpoint fails every Thanos component at startup), and every bucket a consumer writes to
 * must be one the object store creates, or uploads fail at runtime.
 */
import { parse } from "yaml";
import { allObjects, dataEntries, describeObject, podTemplateOf } from "../objects";
import { closestMatch, getPath, isPlainObject } from "../paths";
import { CheckInput, CheckResult, FindingList } from "./types";

/** Keys of the S3 client config of Thanos objstore (github.com/thanos-io/objstore, providers/s3 Config). */
export const thanosS3Keys = new Set([
    "bucket",
    "endpoint",
    "region",
    "aws_sdk_auth",
    "access_key",
    "insecure",
    "signature_version2",
    "secret_key",
    "session_token",
    "put_user_metadata",
    "http_config",
    "trace",
    "list_objects_version",
    "bucket_lookup_type",
    "send_content_md5",
    "disable_multipart",
    "part_size",
    "sse_config",
    "sts_endpoint",
    "max_retries",
]);

/** Top-level keys of an objstore document. */
const objstoreTopKeys = new Set(["type", "config", "prefix"]);

/** Keys people carry over from Loki/Tempo/AWS configs, with what Thanos wants instead. */
const s3KeyHints: Record<string, string> = {
    s3forcepathstyle: 'Thanos has no s3forcepathstyle; use bucket_lookup_type: "path"',
    forcepathstyle: 'Thanos has no forcepathstyle; use bucket_lookup_type: "path"',
    access_key_id: "Thanos calls it access_key",
    secret_access_key: "Thanos calls it secret_key",
    bucketnames: "Thanos takes one bucket in `bucket`",
};

interface ObjstoreDocument {
    text: string;
    where: string;
}

/** Objstore documents: Secret keys named objstore.yml/yaml, those the operator CRs point at, and inline `--objstore.config=` args. */
function findObjstoreDocuments(input: CheckInput): ObjstoreDocument[] {
    const objects = allObjects(input.model, input.rendered);
    const referenced = new Set<string>();
    for (const { object, namespace } of objects) {
        for (const selectorPath of [["spec", "thanos", "objectStorageConfig"], ["spec", "objectStorageConfig"]]) {
            const selector = getPath(object, selectorPath);
            if (isPlainObject(selector) && selector.name && selector.key) referenced.add(`${namespace}/${selector.name}/${selector.key}`);
        }
    }
    const documents: ObjstoreDocument[] = [];
    for (const { object, namespace } of objects) {
        const template = podTemplateOf(object);
        for (const container of [...asList(template?.spec.containers), ...asList(template?.spec.initContainers)]) {
            for (const arg of Array.isArray(container.args) ? container.args.map(String) : []) {
                if (arg.startsWith("--objstore.config=")) {
                    documents.push({ text: arg.slice("--objstore.config=".length), where: `${describeObject(object, namespace)} container "${container.name}" args` });
                }
                const file = arg.startsWith("--objstore.config-file=") ? arg.slice("--objstore.config-file=".length) : undefined;
                const source = file && template ? mountedSecretKey(template.spec, container, file) : undefined;
                if (source) referenced.add(`${namespace}/${source.secret}/${source.key}`);
            }
        }
    }
    for (const { object, namespace, origin } of objects) {
        if (object.kind !== "Secret") continue;
        for (const [key, text] of Object.entries(dataEntries(object))) {
            if (/^objstore\.ya?ml$/.test(key) || referenced.has(`${namespace}/${object.metadata.name}/${key}`)) {
                documents.push({ text, where: `${describeObject(object, namespace)} key ${key} (${origin})` });
            }
        }
    }
    return documents;
}

/** The Secret key a container reads as `file`, through a volumeMount of a Secret volume (subPath, item path or key name). */
export function mountedSecretKey(spec: Record<string, any>, container: Record<string, any>, file: string): { secret: string; key: string } | undefined {
    for (const mount of asList(container.volumeMounts)) {
        const mountPath = String(mount.mountPath ?? "").replace(/\/+$/, "");
        const relative = file === mountPath ? "" : file.startsWith(`${mountPath}/`) ? file.slice(mountPath.length + 1) : undefined;
        if (relative === undefined) continue;
        const volume = asList(spec.volumes).find((v) => v.name === mount.name);
        if (!isPlainObject(volume?.secret) || !volume.secret.secretName) continue;
        const path = [mount.subPath, relative].filter(Boolean).join("/");
        const item = asList(volume.secret.items).find((i) => i.path === path);
        return { secret: String(volume.secret.secretName), key: String(item?.key ?? path) };
    }
    return undefined;
}

function asList(value: unknown): Record<string, any>[] {
    return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

function checkObjstoreDocument(document: ObjstoreDocument, findings: FindingList): string | undefined {
    let parsed: unknown;
    try {
        parsed = parse(document.text);
    } catch (error) {
        findings.error(`${document.where}: objstore document is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
        return undefined;
    }
    if (!isPlainObject(parsed)) {
        findings.error(`${document.where}: objstore document is not a map`);
        return undefined;
    }
    for (const key of Object.keys(parsed)) {
        if (!objstoreTopKeys.has(key)) findings.error(`${document.where}: unknown top-level key "${key}" (allowed: ${[...objstoreTopKeys].join(", ")})`);
    }
    if (parsed.type !== "S3") findings.error(`${document.where}: type is ${JSON.stringify(parsed.type)}, expected "S3"`);
    const config = isPlainObject(parsed.config) ? parsed.config : {};
    for (const key of Object.keys(config)) {
        if (thanosS3Keys.has(key)) continue;
        const hint = s3KeyHints[key.toLowerCase()] ?? (closestMatch(key, thanosS3Keys) ? `did you mean "${closestMatch(key, thanosS3Keys)}"?` : "");
        findings.error(`${document.where}: config key "${key}" is not a Thanos S3 option${hint ? ` (${hint})` : ""}; Thanos refuses unknown keys`);
    }
    const endpoint = config.endpoint;
    if (typeof endpoint !== "string" || endpoint === "") findings.error(`${document.where}: config.endpoint is missing`);
    else if (endpoint.includes("://")) findings.error(`${document.where}: config.endpoint "${endpoint}" has a scheme; Thanos wants host:port (TLS is set by config.insecure)`);
    if (typeof config.bucket !== "string" || config.bucket === "") {
        findings.error(`${document.where}: config.bucket is missing`);
        return undefined;
    }
    return config.bucket;
}

/** Buckets that Loki and Tempo releases write to, per their chart's values layout. */
function consumerBuckets(input: CheckInput): { bucket: string; where: string }[] {
    const out: { bucket: string; where: string }[] = [];
    const add = (bucket: unknown, where: string) => {
        if (typeof bucket === "string" && bucket !== "") out.push({ bucket, where });
    };
    for (const release of input.model.releases) {
        const values = release.values;
        const where = (path: string) => `release ${release.releaseName} values ${path}`;
        if (release.chart.name === "loki" && getPath(values, ["loki", "storage", "type"]) === "s3") {
            for (const name of ["chunks", "ruler", "admin"]) add(getPath(values, ["loki", "storage", "bucketNames", name]), where(`loki.storage.bucketNames.${name}`));
        }
        if (release.chart.name === "tempo" && getPath(values, ["tempo", "storage", "trace", "backend"]) === "s3") {
            add(getPath(values, ["tempo", "storage", "trace", "s3", "bucket"]), where("tempo.storage.trace.s3.bucket"));
        }
        if (release.chart.name === "tempo-distributed" && getPath(values, ["storage", "trace", "backend"]) === "s3") {
            add(getPath(values, ["storage", "trace", "s3", "bucket"]), where("storage.trace.s3.bucket"));
        }
    }
    return out;
}

export function checkObjectStorage(input: CheckInput): CheckResult {
    const findings = new FindingList("objectStorage");
    const documents = findObjstoreDocuments(input);
    const used: { bucket: string; where: string }[] = [];
    for (const document of documents) {
        const bucket = checkObjstoreDocument(document, findings);
        if (bucket) used.push({ bucket, where: document.where });
    }
    used.push(...consumerBuckets(input));

    const created = new Set(input.model.buckets);
    for (const { bucket, where } of used) {
        if (created.has(bucket)) continue;
        const guess = closestMatch(bucket, created);
        findings.error(
            `bucket "${bucket}" (${where}) is not created by the object store${guess ? ` (did you mean "${guess}"?)` : ""}; it creates: ${[...created].sort().join(", ") || "none"}`,
        );
    }
    const usedNames = new Set(used.map((u) => u.bucket));
    for (const bucket of created) if (!usedNames.has(bucket)) findings.info(`bucket "${bucket}" is created but no consumer found uses it`);
    return findings.result(`${documents.length} objstore document(s), ${used.length} bucket use(s) of ${created.size} bucket(s) checked`);
}
