/**
 * Object storage wiring: Thanos parses its objstore document strictly (an unknown key or a scheme
 * in the endpoint fails every Thanos component at startup), every bucket a consumer writes to
 * must be one the object store has, and every consumer must reach the store the same way (endpoint,
 * TLS, bucket addressing), or uploads fail at runtime. An external store's buckets are not created by
 * the stack, so they are listed for the operator to check; a prod stack must reach it over TLS.
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
        for (const selectorPath of [
            ["spec", "thanos", "objectStorageConfig"],
            ["spec", "objectStorageConfig"],
        ]) {
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

/** How one consumer is configured to reach the store, in the store's terms. */
interface ConsumerAccess {
    where: string;
    endpoint: unknown;
    /** The consumer's `insecure`. */
    insecure: unknown;
    /** Whether the consumer addresses buckets by path (undefined: it lets its client decide). */
    pathStyle: unknown;
}

function checkObjstoreDocument(document: ObjstoreDocument, findings: FindingList, access: ConsumerAccess[]): string | undefined {
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
    const lookup = config.bucket_lookup_type;
    // A missing endpoint is reported above already.
    if (typeof endpoint === "string" && endpoint !== "") {
        access.push({ where: document.where, endpoint, insecure: config.insecure ?? false, pathStyle: lookup === "path" ? true : lookup === "virtual-hosted" ? false : undefined });
    }
    if (typeof config.bucket !== "string" || config.bucket === "") {
        findings.error(`${document.where}: config.bucket is missing`);
        return undefined;
    }
    return config.bucket;
}

/** Buckets that Loki and Tempo releases write to, and how they reach the store, per their chart's values layout. */
function consumerBuckets(input: CheckInput, access: ConsumerAccess[]): { bucket: string; where: string }[] {
    const out: { bucket: string; where: string }[] = [];
    const add = (bucket: unknown, where: string) => {
        if (typeof bucket === "string" && bucket !== "") out.push({ bucket, where });
    };
    for (const release of input.model.releases) {
        const values = release.values;
        const where = (path: string) => `release ${release.releaseName} values ${path}`;
        const s3Access = (path: string[], pathStyleKey: string) => {
            const s3 = getPath(values, path);
            if (!isPlainObject(s3)) return;
            access.push({ where: where(path.join(".")), endpoint: s3.endpoint, insecure: s3.insecure ?? false, pathStyle: s3[pathStyleKey] ?? false });
        };
        if (release.chart.name === "loki" && getPath(values, ["loki", "storage", "type"]) === "s3") {
            for (const name of ["chunks", "ruler", "admin"]) add(getPath(values, ["loki", "storage", "bucketNames", name]), where(`loki.storage.bucketNames.${name}`));
            s3Access(["loki", "storage", "s3"], "s3ForcePathStyle");
        }
        if (release.chart.name === "tempo" && getPath(values, ["tempo", "storage", "trace", "backend"]) === "s3") {
            add(getPath(values, ["tempo", "storage", "trace", "s3", "bucket"]), where("tempo.storage.trace.s3.bucket"));
            s3Access(["tempo", "storage", "trace", "s3"], "forcepathstyle");
        }
        if (release.chart.name === "tempo-distributed" && getPath(values, ["storage", "trace", "backend"]) === "s3") {
            add(getPath(values, ["storage", "trace", "s3", "bucket"]), where("storage.trace.s3.bucket"));
            s3Access(["storage", "trace", "s3"], "forcepathstyle");
        }
    }
    return out;
}

/** Every consumer reaches the store at its endpoint, with its TLS setting and bucket addressing. */
function checkAccess(input: CheckInput, access: ConsumerAccess[], findings: FindingList): void {
    const store = input.model.objectStore;
    for (const a of access) {
        if (a.endpoint === undefined) findings.error(`${a.where}: no endpoint, so the client would go to AWS S3 instead of the object store "${store.endpoint}"`);
        else if (a.endpoint !== store.endpoint) findings.error(`${a.where}: endpoint ${JSON.stringify(a.endpoint)} is not the object store's endpoint "${store.endpoint}"`);
        if (a.insecure !== !store.tls) {
            findings.error(`${a.where}: insecure is ${JSON.stringify(a.insecure)}, but the object store ${store.tls ? "speaks TLS" : "speaks plain HTTP"} (expected ${!store.tls})`);
        }
        // A client left to decide (Thanos "auto") is fine either way; an explicit choice must match the store's.
        if (a.pathStyle !== undefined && a.pathStyle !== store.forcePathStyle) {
            findings.error(`${a.where}: addresses buckets by ${a.pathStyle ? "path" : "host name"}, but the object store is set up for ${store.forcePathStyle ? "path-style" : "host-name (virtual-hosted)"} addressing`);
        }
    }
    if (store.type === "external" && input.model.profile === "prod" && !store.tls) {
        findings.error(`the external object store ${store.endpoint} is reached without TLS in a prod stack: credentials and data would cross the network in clear text`);
    }
}

export function checkObjectStorage(input: CheckInput): CheckResult {
    const findings = new FindingList("objectStorage");
    const store = input.model.objectStore;
    const documents = findObjstoreDocuments(input);
    const used: { bucket: string; where: string }[] = [];
    const access: ConsumerAccess[] = [];
    for (const document of documents) {
        const bucket = checkObjstoreDocument(document, findings, access);
        if (bucket) used.push({ bucket, where: document.where });
    }
    used.push(...consumerBuckets(input, access));
    checkAccess(input, access, findings);

    const external = store.type === "external";
    const created = new Set(input.model.buckets);
    for (const { bucket, where } of used) {
        if (created.has(bucket)) continue;
        const guess = closestMatch(bucket, created);
        findings.error(
            `bucket "${bucket}" (${where}) is not ${external ? "one of the external object store's buckets" : "created by the object store"}${guess ? ` (did you mean "${guess}"?)` : ""}; ` +
                `it ${external ? "has" : "creates"}: ${[...created].sort().join(", ") || "none"}`,
        );
    }
    const usedNames = new Set(used.map((u) => u.bucket));
    for (const bucket of created) if (!usedNames.has(bucket)) findings.info(`bucket "${bucket}" is ${external ? "declared" : "created"} but no consumer found uses it`);
    if (external) {
        findings.info(`external object store ${store.tls ? "https" : "http"}://${store.endpoint}: the stack creates no bucket; these must exist: ${[...created].sort().join(", ")}`);
    }
    if (store.unsetSecretKeys.length > 0) {
        findings.info(`not set in the stack file yet, verified with stand-ins (pulumi up refuses to start without them): ${store.unsetSecretKeys.join(", ")}`);
    }
    return findings.result(`${documents.length} objstore document(s), ${access.length} consumer(s) and ${used.length} bucket use(s) of ${created.size} bucket(s) checked against the ${store.type} store`);
}
