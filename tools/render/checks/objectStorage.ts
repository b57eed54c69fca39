/**
 * Object storage wiring: Thanos parses its objstore document strictly (an unknown key or a scheme
 * in the endpoint fails every Thanos component at startup), every bucket a consumer writes to
 * must be one the object store has, and every consumer must reach the store the same way (endpoint,
 * TLS, bucket addressing), or uploads fail at runtime. An external store's buckets are not created by
 * the stack, so they are listed for the operator to check; a prod stack must reach it over TLS.
 * Loki and Tempo are checked in their rendered configuration, not in our values: endpoint, buckets,
 * TLS, addressing, and credentials that are `${VAR}` references filled from the Secret we write.
 */
import { parse } from "yaml";
import type { ObjectStoreModel, RenderedRelease } from "../types";
import { allObjects, containersOf, dataEntries, dataKeys, describeObject, namespaceOf, podTemplateOf } from "../objects";
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

/**
 * Where each consumer chart renders its configuration (a ConfigMap or Secret key of the release),
 * and the S3 clients in it, each with the names of its fields. What verify reads is what the pods
 * read, so a value that a template turned into another endpoint, bucket or credential is caught.
 */
interface S3Fields {
    readonly bucket: string;
    readonly pathStyle: string;
    readonly accessKey: string;
    readonly secretKey: string;
}
const lokiS3: S3Fields = { bucket: "bucketnames", pathStyle: "s3forcepathstyle", accessKey: "access_key_id", secretKey: "secret_access_key" };
const tempoS3: S3Fields = { bucket: "bucket", pathStyle: "forcepathstyle", accessKey: "access_key", secretKey: "secret_key" };
const consumerConfigs: Record<string, { readonly file: string; readonly what: string; readonly clients: readonly { readonly path: string[]; readonly fields: S3Fields }[] }> = {
    loki: {
        file: "config.yaml",
        what: "logs",
        clients: [
            { path: ["common", "storage", "s3"], fields: lokiS3 },
            { path: ["storage_config", "aws"], fields: lokiS3 },
            { path: ["ruler", "storage", "s3"], fields: lokiS3 },
        ],
    },
    tempo: { file: "tempo.yaml", what: "traces", clients: [{ path: ["storage", "trace", "s3"], fields: tempoS3 }] },
    "tempo-distributed": { file: "tempo.yaml", what: "traces", clients: [{ path: ["storage", "trace", "s3"], fields: tempoS3 }] },
};

/** A credential in a consumer's config: an environment reference `${VAR}` (the config is expanded from the environment). */
const envReference = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Environment variables each release's pods take from Secrets the program writes (never from the chart or a literal). */
function secretEnvOf(input: CheckInput, release: RenderedRelease): Set<string> {
    const programSecrets = input.model.objects.filter((o) => o.kind === "Secret");
    const programSecret = (name: unknown, namespace: string) => programSecrets.find((o) => o.metadata?.name === name && (o.metadata?.namespace ?? namespace) === namespace);
    const names = new Set<string>();
    for (const object of release.objects) {
        const template = podTemplateOf(object);
        if (!template) continue;
        const namespace = namespaceOf(object, release.release.namespace);
        for (const { container } of containersOf(template.spec)) {
            for (const from of asList(container.envFrom)) {
                const secret = programSecret(from.secretRef?.name, namespace);
                if (secret) for (const key of dataKeys(secret)) names.add(`${from.prefix ?? ""}${key}`);
            }
            for (const env of asList(container.env)) {
                const ref = env.valueFrom?.secretKeyRef;
                const secret = ref && programSecret(ref.name, namespace);
                if (secret && dataKeys(secret).has(String(ref.key))) names.add(String(env.name));
            }
        }
    }
    return names;
}

/** Buckets the Loki and Tempo releases write to, and how they reach the store, from their rendered configuration. */
function consumerBuckets(input: CheckInput, access: ConsumerAccess[], findings: FindingList): { bucket: string; where: string }[] {
    const out: { bucket: string; where: string }[] = [];
    for (const rendered of input.rendered) {
        const consumer = consumerConfigs[rendered.release.chart.name];
        if (!consumer || rendered.error) continue;
        const fromSecrets = secretEnvOf(input, rendered);
        const documents = rendered.objects.filter((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && consumer.file in dataEntries(o));
        if (documents.length === 0) findings.error(`release ${rendered.release.releaseName}: no ConfigMap or Secret with ${consumer.file}, so its object storage cannot be checked`);
        for (const object of documents) {
            const where = `${describeObject(object, namespaceOf(object, rendered.release.namespace))} key ${consumer.file} (release ${rendered.release.releaseName})`;
            let config: unknown;
            try {
                config = parse(dataEntries(object)[consumer.file]);
            } catch (error) {
                findings.error(`${where}: does not parse as YAML, so the ${consumer.what} store cannot start with it: ${(error as Error).message.split("\n")[0]}`);
                continue;
            }
            const clients = consumer.clients.map(({ path, fields }) => ({ path, fields, s3: getPath(config, path) })).filter((c) => isPlainObject(c.s3));
            if (clients.length === 0) {
                findings.error(`${where}: no S3 client (${consumer.clients.map((c) => c.path.join(".")).join(" or ")}), so ${consumer.what} would stay on local disks instead of the object store`);
            }
            for (const { path, fields, s3 } of clients) {
                const at = `${where} ${path.join(".")}`;
                const client = s3 as Record<string, unknown>;
                access.push({ where: at, endpoint: client.endpoint, insecure: client.insecure ?? false, pathStyle: client[fields.pathStyle] ?? false });
                // Loki takes a comma-separated list of buckets; each must be the store's.
                for (const bucket of String(client[fields.bucket] ?? "")
                    .split(",")
                    .map((b) => b.trim())
                    .filter(Boolean))
                    out.push({ bucket, where: `${at}.${fields.bucket}` });
                if (!client[fields.bucket]) findings.error(`${at}: no ${fields.bucket}`);
                for (const key of [fields.accessKey, fields.secretKey]) {
                    const value = client[key];
                    const variable = typeof value === "string" ? envReference.exec(value)?.[1] : undefined;
                    if (variable === undefined) findings.error(`${at}.${key}: ${value === undefined ? "missing" : "not a reference"}; expected \${VAR} read from the credentials Secret the stack writes`);
                    else if (!fromSecrets.has(variable)) findings.error(`${at}.${key}: \${${variable}} is set from no Secret the stack writes, in the pods of release ${rendered.release.releaseName}`);
                }
            }
        }
    }
    return out;
}

/** Every consumer reaches the store at its endpoint, with its TLS setting and bucket addressing. */
function checkAccess(input: CheckInput, store: ObjectStoreModel, access: ConsumerAccess[], findings: FindingList): void {
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
    used.push(...consumerBuckets(input, access, findings));
    if (store === undefined) {
        // An edge stack: it stores nothing, so nothing it deploys may write to a bucket.
        for (const { bucket, where } of used) findings.error(`bucket "${bucket}" (${where}): this stack has no object store (an edge ships its data to the central platform)`);
        return findings.result(`no object store; ${used.length} bucket use(s)`);
    }
    checkAccess(input, store, access, findings);

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
