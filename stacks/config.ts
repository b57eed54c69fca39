import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { charts, localChartPath } from "../components/charts";
import { haMinimumReplicas } from "../components/availability";
import { awsS3EndpointRegion } from "../components/externalObjectStore";
import { grafanaDatabaseSslModes, grafanaOwnSecretNames, grafanaReleaseName } from "../components/grafana";
import { minioErasureMinimumDrives } from "../components/minio";
import type { ObjectStoreCredentials } from "../components/objectStore";
import { collectionReleaseNames } from "./collection";
import { durationSeconds, Endpoint, namespaceName, parseHostPort, quantityBytes, sizeBytes, templateDelimiters } from "./grammar";
import { profileDefaults, profileSizing } from "./profiles";
import { ObjectStorageConfig, PlatformConfig, platformSchema, probeTargets } from "./schema";

/** Scalar keys (declared with type, default and description in Pulumi.yaml). */
export const scalarKeys = ["profile", "role", "central", "clusterName", "kubeconfig", "kubeContext", "storageClass", "namespace", "protectData"] as const;
/** Structured keys: partial objects laid over the profile's defaults. */
export const structuredKeys = ["namespaces", "objectStorage", "metrics", "thanos", "loki", "tempo", "grafana", "alerting", "demo", "network", "charts", "fleet", "pushgateway"] as const;
/** List keys: a whole list that replaces the profile's default. */
export const listKeys = ["zones", "scrapeTargets", "probes"] as const;
/**
 * The object store's credentials: the external store's (required), or MinIO's root user and
 * password (optional: both set, or both generated).
 */
const objectStorageSecretKeys = ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"] as const;
type ObjectStorageSecretKey = (typeof objectStorageSecretKeys)[number];
/** Alertmanager's notification URLs (optional). */
const notificationSecretKeys = ["slackWebhookUrl", "alertWebhookUrl"] as const;
/** The password of Grafana's external database (`grafana.database`). */
const grafanaDatabasePasswordKey = "grafanaDatabasePassword" as const;
/** Grafana's admin password (optional: generated when unset). */
const grafanaAdminPasswordKey = "grafanaAdminPassword" as const;
/**
 * Secret keys (`pulumi config set --secret`): read only as secrets by `readPlatformSecrets`. Here
 * they are checked for presence and form only; a value is never echoed.
 */
export const secretKeys = [...objectStorageSecretKeys, ...notificationSecretKeys, grafanaDatabasePasswordKey, grafanaAdminPasswordKey] as const;
export type SecretKey = (typeof secretKeys)[number];

/** What each object storage secret key holds with each store type, for messages. */
const secretKeyMeaning: Record<ObjectStorageConfig["type"], Record<ObjectStorageSecretKey, string>> = {
    external: {
        objectStorageAccessKeyId: "the access key id of the external S3 service",
        objectStorageSecretAccessKey: "the secret access key of the external S3 service",
    },
    minio: {
        objectStorageAccessKeyId: "MinIO's root user",
        objectStorageSecretAccessKey: "MinIO's root password",
    },
};

/** A secret value in a message: only whether it is empty, never what it is. */
const hidden = (value: string) => (value === "" ? "(empty)" : "(secret, not shown)");
/** Characters counted as a person would (a character outside the BMP is one, not two UTF-16 units). */
const characters = (value: string) => [...value].length;

/** Raw stack config as Pulumi hands it over: key (without the project prefix) → string (objects as JSON). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

/** Thrown for any invalid config; the message lists every problem with key, value and what is accepted. */
export class ConfigError extends Error {
    constructor(
        public readonly problems: string[],
        prefix: string,
    ) {
        super(`Invalid stack configuration (nothing was deployed):\n${problems.map((p) => `  - ${prefix}${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Deep merge where `patch` wins; arrays and scalars replace, objects merge key by key, and an
 * `undefined` in `patch` keeps what `base` has. A `null` below the top is a value that replaces
 * (`"keep"`, as in stack config, where zod then judges it), or removes the key (`"delete"`, as Helm
 * coalesces chart values).
 */
export function deepMerge(base: unknown, patch: unknown, nulls: "keep" | "delete" = "keep"): unknown {
    if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
    const merged: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
        if (v === null && nulls === "delete") delete merged[k];
        else merged[k] = deepMerge(base[k], v, nulls);
    }
    return merged;
}

function show(value: unknown): string {
    return value === undefined ? "(missing)" : JSON.stringify(value);
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    return path.reduce<unknown>((node, key) => (isPlainObject(node) ? node[key as string] : Array.isArray(node) ? node[Number(key)] : undefined), root);
}

function describeIssue(issue: z.core.$ZodIssue, candidate: unknown): string {
    const key = issue.path.join(".");
    if (issue.code === "unrecognized_keys") {
        const where = key ? `${key}.` : "";
        return `${issue.keys.map((k) => `${where}${k}`).join(", ")}: unknown key; accepted keys here are listed in Pulumi.yaml and docs/configuration.md`;
    }
    if (issue.code === "invalid_key") {
        // A map key (e.g. a label name) is wrong, not its value: say what a key must look like.
        const keyIssue = issue.issues[0];
        return `${key}: not a valid key; expected ${keyIssue ? keyIssue.message : issue.message}`;
    }
    const message = issue.message.replace(/^Invalid input: /, "");
    // A rule may say how its value is shown (a mirror URL without the credentials it should not carry).
    const shown = issue.code === "custom" && typeof issue.params?.shown === "string" ? issue.params.shown : show(valueAt(candidate, issue.path));
    return `${key} = ${shown}: expected ${message}`;
}

export interface ParseOptions {
    /**
     * Accept a config whose required secret keys are not set yet. Only the offline render tool uses
     * it, to check a stack file before its secrets are set; a deployment always requires them.
     */
    readonly allowUnsetSecrets?: boolean;
}

/** The namespace of every component unless `namespaces` places one elsewhere (Pulumi.yaml declares the same default for `lgtm:namespace`). */
export const defaultNamespace = "monitoring";

/**
 * Turns raw stack config into a validated `PlatformConfig`: the profile's defaults, overlaid with the
 * stack's values, checked as a whole. Pure, so every rule is unit-tested without Pulumi.
 */
export function parsePlatformConfig(raw: RawConfig, prefix = "lgtm:", options: ParseOptions = {}): PlatformConfig {
    const problems: string[] = [];
    const known = new Set<string>([...scalarKeys, ...structuredKeys, ...listKeys, ...secretKeys]);
    for (const key of Object.keys(raw)) {
        if (!known.has(key)) problems.push(`${key}: unknown key; accepted keys are ${[...known].join(", ")}`);
    }

    const profile = raw.profile ?? "dev";
    if (profile !== "dev" && profile !== "prod") {
        throw new ConfigError([...problems, `profile = ${show(profile)}: expected one of dev, prod`], prefix);
    }

    const overrides: Record<string, Json> = {};
    for (const key of structuredKeys) {
        const text = raw[key];
        if (text === undefined) continue;
        try {
            const parsed = JSON.parse(text) as Json;
            if (!isPlainObject(parsed)) problems.push(`${key} = ${text}: expected an object (a YAML map in the stack file)`);
            else overrides[key] = parsed;
        } catch {
            problems.push(`${key} = ${show(text)}: expected an object (a YAML map in the stack file), got text that is not JSON`);
        }
    }
    for (const key of listKeys) {
        const text = raw[key];
        if (text === undefined) continue;
        try {
            const parsed = JSON.parse(text) as Json;
            if (!Array.isArray(parsed)) problems.push(`${key} = ${text}: expected a list (a YAML sequence in the stack file, such as [a, b, c])`);
            else overrides[key] = parsed;
        } catch {
            problems.push(`${key} = ${show(text)}: expected a list (a YAML sequence in the stack file, such as [a, b, c]), got text that is not JSON`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems, prefix);

    const namespace = raw.namespace ?? defaultNamespace;
    // The default of every namespaces.* key: refused here, under its own name, rather than once per key it fills.
    const namespaceIssue = namespaceName.safeParse(namespace).error?.issues[0];
    if (namespaceIssue) throw new ConfigError([`namespace = ${show(namespace)}: expected ${namespaceIssue.message}`], prefix);
    // An edge deploys none of the platform's parts: their defaults only have to be valid, and the
    // prod profile's would require settings (an S3 endpoint, a Grafana host) an edge may not set.
    // Its NetworkPolicies follow its own profile (on in prod).
    const defaults = raw.role === "edge" ? { ...profileDefaults("dev", namespace), network: profileDefaults(profile, namespace).network } : profileDefaults(profile, namespace);
    const candidate = deepMerge(
        {
            ...defaults,
            profile,
            role: raw.role ?? "platform",
            central: raw.central ?? "",
            clusterName: raw.clusterName ?? defaults.clusterName,
            kubeconfig: raw.kubeconfig ?? "",
            kubeContext: raw.kubeContext ?? "",
            storageClass: raw.storageClass ?? "",
            protectData: protectDataValue(raw.protectData),
        },
        overrides,
    );

    const result = platformSchema.safeParse(candidate);
    if (!result.success)
        throw new ConfigError(
            result.error.issues.map((i) => describeIssue(i, candidate)),
            prefix,
        );
    const config = result.data;

    if (config.role === "edge") {
        problems.push(...edgeProblems(config, raw, overrides));
    } else {
        problems.push(
            ...crossFieldProblems(config),
            ...availabilityProblems(config),
            ...fleetProblems(config),
            ...grafanaProblems(config, overrides.grafana),
            ...secretKeyProblems(config, raw, prefix, options),
            ...credentialFormProblems(config, raw),
            ...notificationProblems(raw, config),
        );
    }
    if (problems.length > 0) throw new ConfigError(problems, prefix);
    return config;
}

/**
 * `lgtm:protectData` as Pulumi hands it over (text). Unset it is true in every profile, on purpose:
 * a default that followed the profile would be lifted by switching a stack from prod to dev, in
 * the same `up` that then deletes its volumes. Anything but `true`/`false` is left for the schema
 * to refuse with the value named.
 */
function protectDataValue(text: string | undefined): unknown {
    if (text === undefined) return true;
    return text === "true" ? true : text === "false" ? false : text;
}

/** The settings of a structured key an edge uses, and why the others do not apply there. */
const edgeNestedKeys: Record<string, { readonly accepted: readonly string[]; readonly why: string }> = {
    metrics: { accepted: ["scrapeInterval", "volumeSize"], why: "Prometheus runs in agent mode there: it keeps no queryable data, only its WAL on metrics.volumeSize" },
    namespaces: { accepted: ["metrics", "agents"], why: "an edge runs only the Prometheus agent with its operator, and the host agents" },
    network: { accepted: ["policies", "apiServerCidrs"], why: "an edge's pods reach only the API server, the nodes, applications and the central ingest host" },
};
/**
 * What an edge stack may set: where it runs (every scalar key, the chart source) and what it
 * collects. Everything else is the central platform's (storage, Thanos, Loki, Tempo, Grafana,
 * alerting, the fleet itself) and would be silently ignored here, so it is refused.
 */
const edgeKeys = new Set<string>([...scalarKeys, "charts", ...Object.keys(edgeNestedKeys)]);

/** The rules of an edge stack: a central platform named, and no setting that only a platform uses. */
function edgeProblems(c: PlatformConfig, raw: RawConfig, overrides: Record<string, Json>): string[] {
    const problems: string[] = [];
    if (c.central === "") {
        problems.push(
            `central = (missing): expected the central platform's stack as <organization>/<project>/<stack>, such as organization/lgtm/prod, since role is edge (the edge reads its endpoints and credentials there)`,
        );
    }
    for (const key of Object.keys(raw)) {
        if (!edgeKeys.has(key)) {
            const value = raw[key] ?? "";
            const shown = (secretKeys as readonly string[]).includes(key) ? hidden(value) : value;
            problems.push(`${key} = ${shown}: expected unset with role edge (an edge only collects; ${key} belongs to the central platform's stack); remove it: pulumi config rm lgtm:${key}`);
        }
    }
    for (const [parent, { accepted, why }] of Object.entries(edgeNestedKeys)) {
        const value = overrides[parent];
        if (!isPlainObject(value)) continue;
        for (const key of Object.keys(value).filter((k) => !accepted.includes(k))) {
            problems.push(`${parent}.${key}: expected unset with role edge (${why}; accepted: ${accepted.join(", ")})`);
        }
    }
    return problems;
}

/**
 * The fleet of a central platform. Members are told apart by tenant, bound to their login at the
 * ingest gateway, so Loki must be multi-tenant, and no member may take the tenant or cluster name
 * of the platform's own data.
 */
function fleetProblems(c: PlatformConfig): string[] {
    const problems: string[] = [];
    if (c.central !== "") {
        problems.push(`central = ${c.central}: expected unset with role platform (central names the platform an edge ships to); set role: edge, or remove it`);
    }
    const { edges, ingress, receive } = c.fleet;
    if (edges.length === 0) return problems;
    if (ingress.host === undefined) {
        problems.push(`fleet.ingress.host = (missing): expected the host name members send to, such as ingest.example.com, since fleet.edges lists members`);
    }
    if (c.profile === "prod" && ingress.tlsSecretName === undefined && ingress.issuer === undefined) {
        problems.push(
            `fleet.ingress.tlsSecretName = (missing): expected a TLS Secret in the ingest gateway's namespace, or fleet.ingress.issuer {kind, name} to have cert-manager issue one, ` +
                `in the prod profile (members' passwords and data would cross the network in clear text)`,
        );
    }
    if (!c.loki.multiTenancy) {
        problems.push(`loki.multiTenancy = false: expected true when fleet.edges lists members (each member's logs are kept under its own tenant, bound to its login)`);
    }
    edges.forEach((edge, i) => {
        if (edge.name === c.clusterName) problems.push(`fleet.edges.${i}.name = ${edge.name}: expected another name than this platform's clusterName ${c.clusterName} (its data would mix with the platform's own)`);
        if (c.loki.multiTenancy && edge.name === c.loki.tenant) problems.push(`fleet.edges.${i}.name = ${edge.name}: expected another name than loki.tenant ${c.loki.tenant}, the platform's own log tenant`);
    });
    if (receive.replicationFactor > receive.replicas) {
        problems.push(`fleet.receive.replicationFactor = ${receive.replicationFactor}: expected at most fleet.receive.replicas (${receive.replicas}): each series is written to that many receivers`);
    }
    if (receive.replicationFactor % 2 === 0) {
        problems.push(
            `fleet.receive.replicationFactor = ${receive.replicationFactor}: expected an odd number such as 1 or 3 (Thanos Receive needs a majority of copies written: ` +
                `${receive.replicationFactor} copies tolerate no more lost receivers than ${receive.replicationFactor - 1})`,
        );
    }
    if (c.profile === "prod" && receive.replicationFactor < 3) {
        problems.push(`fleet.receive.replicationFactor = ${receive.replicationFactor}: expected at least 3 in the prod profile (members' metrics stay writable with one receiver down)`);
    }
    return problems;
}

/** Presence and form of the notification URLs; their values never appear in a message. */
function notificationProblems(raw: RawConfig, c: PlatformConfig): string[] {
    const problems: string[] = [];
    for (const key of notificationSecretKeys) {
        const value = raw[key];
        if (value !== undefined && !/^https?:\/\/[^\s/]+/.test(value)) {
            problems.push(`${key} = (secret, not shown): expected an http(s) URL such as https://hooks.slack.com/services/...`);
        }
    }
    if (raw.slackWebhookUrl !== undefined && !c.alerting.slackChannel) {
        problems.push(`alerting.slackChannel = (missing): expected a Slack channel such as #platform-alerts, since slackWebhookUrl is set`);
    }
    if (raw.slackWebhookUrl === undefined && c.alerting.slackChannel) {
        problems.push(`alerting.slackChannel = ${c.alerting.slackChannel}: expected together with the secret slackWebhookUrl (pulumi config set --secret lgtm:slackWebhookUrl ...), else nothing is sent`);
    }
    return problems;
}

/** The secret keys a valid config needs set, each with what it holds and why it is needed: the external object store's credentials, Grafana's database password. */
function requiredSecrets(c: PlatformConfig): [SecretKey, string][] {
    const store = c.objectStorage.type === "external" ? objectStorageSecretKeys.map((key): [SecretKey, string] => [key, `${secretKeyMeaning.external[key]}, since objectStorage.type is external`]) : [];
    const database = c.grafana.database;
    return database ? [...store, [grafanaDatabasePasswordKey, `the password of user ${database.user} on Grafana's ${database.type} database, since grafana.database is set`]] : store;
}

/** The secret keys a valid config needs set. */
export function requiredSecretKeys(c: PlatformConfig): SecretKey[] {
    return requiredSecrets(c).map(([key]) => key);
}

/** Credentials that are needed but unset, set but unused, or half set. Presence only: a value never reaches a message. */
function secretKeyProblems(c: PlatformConfig, raw: RawConfig, prefix: string, options: ParseOptions): string[] {
    const problems: string[] = [];
    for (const [key, expected] of options.allowUnsetSecrets ? [] : requiredSecrets(c)) {
        const value = raw[key];
        if (!value) problems.push(`${key} = ${value === undefined ? "(missing)" : "(empty)"}: expected ${expected}; set it as a secret: pulumi config set --secret ${prefix}${key} <value>`);
    }
    const type = c.objectStorage.type;
    if (type === "minio") {
        // MinIO's root user and password come as a pair: both the operator's, or both generated.
        const set = objectStorageSecretKeys.filter((key) => raw[key] !== undefined);
        const unset = objectStorageSecretKeys.filter((key) => raw[key] === undefined);
        if (set.length === 1) {
            problems.push(
                `${set[0]} = ${hidden(raw[set[0]] ?? "")}: expected together with ${unset[0]} while objectStorage.type is ${type} ` +
                    `(${secretKeyMeaning.minio.objectStorageAccessKeyId} and ${secretKeyMeaning.minio.objectStorageSecretAccessKey} are both set, or both generated); ` +
                    `set it as a secret: pulumi config set --secret ${prefix}${unset[0]} <value>, or remove the other: pulumi config rm ${prefix}${set[0]}`,
            );
        }
    }
    const password = raw[grafanaDatabasePasswordKey];
    if (!c.grafana.database && password !== undefined) {
        problems.push(
            `${grafanaDatabasePasswordKey} = (secret, not shown): expected no value while grafana.database is not set (Grafana uses its own SQLite file); ` +
                `set grafana.database, or remove it: pulumi config rm ${prefix}${grafanaDatabasePasswordKey}`,
        );
    }
    return problems;
}

/** MinIO's own limits on its root credentials: it refuses to start with shorter ones. */
const minioRootMinimum: Record<ObjectStorageSecretKey, number> = { objectStorageAccessKeyId: 3, objectStorageSecretAccessKey: 8 };
/** Grafana takes any admin password; this is the platform's floor for a login that can do everything. */
const grafanaAdminPasswordMinimum = 12;
const controlCharacter = /\p{Cc}/u;

/**
 * The form of the credentials the operator brings, checked for where they land; like every secret
 * rule, a message says what is wrong and never shows the value.
 */
function credentialFormProblems(c: PlatformConfig, raw: RawConfig): string[] {
    const problems: string[] = [];
    for (const key of objectStorageSecretKeys) {
        const value = raw[key];
        // An unset or empty key of an external store is a presence problem, reported as such.
        if (value === undefined || (value === "" && c.objectStorage.type === "external")) continue;
        const minimum = minioRootMinimum[key];
        if (c.objectStorage.type === "minio" && characters(value) < minimum) {
            problems.push(`${key} = ${hidden(value)}: expected at least ${minimum} characters, as ${secretKeyMeaning.minio[key]} (MinIO refuses to start with a shorter one)`);
        }
        // Every consumer signs its S3 requests with these keys, read from Secrets and config files;
        // S3 keys never hold such characters, and "{{" would be taken for a Helm template.
        if (/\s/.test(value) || controlCharacter.test(value) || templateDelimiters.test(value)) {
            problems.push(`${key} = ${hidden(value)}: expected an S3 key without whitespace, control characters or "{{"/"}}"`);
        }
    }
    const adminPassword = raw[grafanaAdminPasswordKey];
    if (adminPassword !== undefined && characters(adminPassword) < grafanaAdminPasswordMinimum) {
        problems.push(`${grafanaAdminPasswordKey} = ${hidden(adminPassword)}: expected at least ${grafanaAdminPasswordMinimum} characters (it logs in as Grafana's admin); or remove it to have one generated`);
    }
    if (adminPassword !== undefined && controlCharacter.test(adminPassword)) {
        problems.push(`${grafanaAdminPasswordKey} = ${hidden(adminPassword)}: expected no control characters (line breaks, tabs, …); Grafana reads it from an environment variable filled from a Secret`);
    }
    return problems;
}

/**
 * Grafana's replicas, database and volume. Its default database is a SQLite file in its data
 * directory: each replica would keep its own users, dashboards, sessions and alert state, so they
 * diverge, and several Grafanas writing one SQLite file on a shared volume corrupt it. `explicit`
 * is the stack's own `lgtm:grafana` object, to tell a volume asked for from the profile's default.
 */
function grafanaProblems(c: PlatformConfig, explicit: Json | undefined): string[] {
    const problems: string[] = [];
    const { database, replicas } = c.grafana;
    if (replicas > 1 && !database) {
        problems.push(
            `grafana.replicas = ${replicas}: expected 1 without grafana.database; Grafana's default SQLite database is a file per pod, so several replicas diverge ` +
                `(or corrupt one shared file): set grafana.database {type: postgres or mysql, host, name, user} and the secret grafanaDatabasePassword, or keep replicas at 1`,
        );
    }
    if (database && isPlainObject(explicit) && explicit.persistence === true) {
        problems.push(
            `grafana.persistence = true: expected false or unset with grafana.database (Grafana keeps its state in the database; ` +
                `the volume would hold only plugins, which Grafana installs again at start, and a ReadWriteOnce volume cannot follow several replicas)`,
        );
    }
    const own = grafanaOwnSecretNames(grafanaReleaseName);
    const tlsSecrets: [string, string | undefined][] = [
        ["grafana.ingress.tlsSecretName", c.grafana.ingress.tlsSecretName],
        ["grafana.ingress.issuer.secretName", c.grafana.ingress.issuer?.secretName],
    ];
    for (const [key, name] of tlsSecrets) {
        const taken = name === own.admin ? "admin login" : name === own.database ? "database password" : undefined;
        if (taken) {
            problems.push(
                `${key} = ${name}: expected another name than ${name}, the Secret the platform writes Grafana's ${taken} into ` +
                    `(the certificate and the ${taken} would overwrite each other); name it e.g. ${grafanaReleaseName}-tls`,
            );
        }
    }
    if (database && c.profile === "prod" && database.sslMode === grafanaDatabaseSslModes[database.type].plain) {
        problems.push(
            `grafana.database.sslMode = "${database.sslMode}": expected one of ${grafanaDatabaseSslModes[database.type].all.filter((m) => m !== database.sslMode).join(", ")} ` +
                `in the prod profile (the database password and Grafana's data would cross the network in clear text)`,
        );
    }
    return problems;
}

/**
 * What the prod profile keeps available through the loss of a pod or node, where the stack file
 * decides it: the replica counts it sets, Loki's mode (its single binary is one pod) and
 * Grafana's volume (its SQLite database otherwise dies with the pod). What the profile decides
 * itself (the replicas of Loki's and Tempo's parts, every volume and container size) is checked
 * on the rendered workloads by `npm run verify` (docs/render-and-verify.md).
 */
function availabilityProblems(c: PlatformConfig): string[] {
    if (c.profile !== "prod") return [];
    const counts: [string, number, string][] = [
        ["metrics.prometheusReplicas", c.metrics.prometheusReplicas, "metrics stop being scraped"],
        ["metrics.alertmanagerReplicas", c.metrics.alertmanagerReplicas, "alerts stop being sent"],
        ["thanos.queryReplicas", c.thanos.queryReplicas, "Grafana's metric queries fail"],
        ["thanos.storeGatewayReplicas", c.thanos.storeGatewayReplicas, "metrics older than Prometheus' retention cannot be queried"],
    ];
    const problems = counts
        .filter(([, replicas]) => replicas < haMinimumReplicas)
        .map(([key, replicas, loss]) => `${key} = ${replicas}: expected at least ${haMinimumReplicas} in the prod profile (with its one pod down, e.g. during a node drain, ${loss})`);
    if (c.loki.mode === "Monolithic") {
        problems.push(`loki.mode = "Monolithic": expected Distributed in the prod profile (the single binary is one pod: with it down, e.g. during a node drain, logs are neither written nor queried)`);
    }
    if (!c.grafana.database && !c.grafana.persistence) {
        problems.push(
            `grafana.persistence = false: expected true in the prod profile without grafana.database (Grafana's SQLite database, with its users, dashboards and alert state, would be lost whenever its pod moves)`,
        );
    }
    return problems;
}

/** Rules that span several keys or depend on the profile. */
function crossFieldProblems(c: PlatformConfig): string[] {
    const problems: string[] = [];
    const { ingress } = c.grafana;
    if (c.profile === "prod" && !ingress.enabled) {
        problems.push(`grafana.ingress.enabled = false: expected true in the prod profile, with grafana.ingress.host set (prod Grafana is reached by name)`);
    }
    if (c.profile === "prod" && ingress.enabled && ingress.tlsSecretName === undefined && ingress.issuer === undefined) {
        problems.push(
            `grafana.ingress.tlsSecretName = (missing): expected a TLS Secret in Grafana's namespace, or grafana.ingress.issuer {kind, name} to have cert-manager issue one, ` +
                `in the prod profile (over plain HTTP the admin login and every session cross the network in clear text)`,
        );
    }
    problems.push(...objectStorageProblems(c));
    problems.push(...retentionProblems(c), ...metricsStorageProblems(c));
    // Namespaces whose rules differ from the platform's: agents read the host; the demo is an application, outside the platform's NetworkPolicies.
    const apart: [keyof PlatformConfig["namespaces"], string, boolean][] = [
        ["agents", `agents need host access, which Pod Security "restricted" forbids there`, true],
        ["demo", "the demo stands for an application, which the platform's NetworkPolicies treat as outside traffic", c.demo.enabled],
    ];
    for (const [own, why, applies] of apart) {
        const sharing = Object.entries(c.namespaces)
            .filter(([key, name]) => key !== own && name === c.namespaces[own])
            .map(([key]) => `namespaces.${key}`);
        if (applies && sharing.length > 0) problems.push(`namespaces.${own} = ${c.namespaces[own]}: expected a namespace of its own (also used by ${sharing.join(", ")}); ${why}`);
    }
    if (c.loki.mode === "Monolithic" && c.loki.replicationFactor !== 1) {
        problems.push(`loki.replicationFactor = ${c.loki.replicationFactor}: expected 1 with loki.mode Monolithic (a single binary cannot replicate)`);
    }
    const lokiIngesters = profileSizing(c.profile, c).loki.distributedReplicas.ingester;
    if (c.loki.mode === "Distributed" && c.loki.replicationFactor > lokiIngesters) {
        problems.push(
            `loki.replicationFactor = ${c.loki.replicationFactor}: expected at most ${lokiIngesters}, the ingester replicas of the ${c.profile} profile with loki.mode Distributed (each stream is written to that many ingesters)`,
        );
    }
    problems.push(...zoneProblems(c));
    // Only a profile that sizes the demo may run it: dev. Sample workloads have no place next to production data.
    if (c.demo.enabled && profileSizing(c.profile, c).demo === undefined) {
        problems.push(`demo.enabled = true: expected false in the ${c.profile} profile (the demo workloads run only with profile dev)`);
    }
    problems.push(...tempoProblems(c));
    problems.push(...collectionProblems(c));
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Collection beyond the platform's own parts: scrapeTargets, probes, pushgateway
// ---------------------------------------------------------------------------------------------

/** Where a job's targets connect (host, family, port), for the rules that depend on names or addresses. */
function jobEndpoints(targets: readonly string[], parse: (target: string) => Endpoint | undefined): Endpoint[] {
    return targets.flatMap((t) => parse(t) ?? []);
}

/**
 * Scrape and probe jobs as a whole: one job label per job, each target once, TLS only where it is
 * spoken, credentials never in clear text in prod, and, with NetworkPolicies, addresses for every
 * target named by DNS name (Prometheus or the exporter may reach only what is listed). The
 * Pushgateway's client namespaces are applications', and only used when it runs.
 */
function collectionProblems(c: PlatformConfig): string[] {
    const problems: string[] = [];
    const jobs = [
        ...c.scrapeTargets.map((j, i) => ({ key: `scrapeTargets.${i}`, name: j.name, targets: j.targets, cidrs: j.cidrs, endpoints: jobEndpoints(j.targets, parseHostPort) })),
        ...c.probes.map((p, i) => ({ key: `probes.${i}`, name: p.name, targets: p.targets, cidrs: p.cidrs, endpoints: jobEndpoints(p.targets, probeTargets[p.module].endpoint) })),
    ];
    const firstKey = new Map<string, string>();
    for (const job of jobs) {
        const earlier = firstKey.get(job.name);
        const taken = Object.values(collectionReleaseNames).find((n) => n === job.name);
        if (taken !== undefined) {
            problems.push(`${job.key}.name = ${job.name}: expected another name (${taken} is the job of the platform's own ${taken}, whose alerts watch that job)`);
        }
        if (earlier !== undefined) {
            problems.push(`${job.key}.name = ${job.name}: expected a name no other scrape target or probe has (${earlier} is also ${job.name}; the name is the job label of their series, which would mix)`);
        } else firstKey.set(job.name, job.key);
        const repeated = [...new Set(job.targets.filter((t, i) => job.targets.indexOf(t) !== i))];
        if (repeated.length > 0) problems.push(`${job.key}.targets = ${JSON.stringify(job.targets)}: expected each target once (${repeated.join(", ")} listed more than once)`);
        const named = job.endpoints.filter((e) => e.family === undefined).map((e) => e.host);
        if (c.network.policies && named.length > 0 && job.cidrs === undefined) {
            problems.push(
                `${job.key}.cidrs = (missing): expected the CIDRs where ${[...new Set(named)].join(", ")} may resolve, since network.policies is on ` +
                    `(the NetworkPolicies let ${job.key.startsWith("probes") ? "the blackbox exporter" : "Prometheus"} reach only listed addresses; IP targets need none), such as ["10.20.0.0/24"]`,
            );
        }
        if (job.cidrs !== undefined && named.length === 0) {
            problems.push(`${job.key}.cidrs = ${JSON.stringify(job.cidrs)}: expected no cidrs when every target is an IP address (each is allowed on its own); remove cidrs`);
        }
    }
    c.scrapeTargets.forEach((j, i) => {
        if (j.tls !== undefined && j.scheme !== "https") {
            problems.push(`scrapeTargets.${i}.tls = ${JSON.stringify(j.tls)}: expected scheme: https with tls (the job scrapes over plain ${j.scheme}); set scheme: https, or remove tls`);
        }
        if (j.basicAuth !== undefined && j.scheme !== "https" && c.profile === "prod") {
            problems.push(`scrapeTargets.${i}.scheme = ${j.scheme}: expected https with basicAuth in the prod profile (the password would cross the network in clear text)`);
        }
    });
    const { pushgateway } = c;
    if (!pushgateway.enabled && (pushgateway.clientNamespaces.length > 0 || pushgateway.clientNamespaceSelector !== undefined)) {
        problems.push(`pushgateway.enabled = false: expected true when pushgateway.clientNamespaces or clientNamespaceSelector is set (there is no Pushgateway to reach); set enabled: true, or remove them`);
    }
    const platformNamespaces = new Set(
        Object.entries(c.namespaces)
            .filter(([key]) => key !== "demo")
            .map(([, name]) => name),
    );
    const own = pushgateway.clientNamespaces.filter((ns) => platformNamespaces.has(ns));
    if (own.length > 0) {
        problems.push(
            `pushgateway.clientNamespaces = ${JSON.stringify(pushgateway.clientNamespaces)}: expected namespaces of the jobs that push, not the platform's (${own.join(", ")}: ` +
                `its default deny keeps its pods from opening connections a policy does not list)`,
        );
    }
    return problems;
}

/**
 * Tempo's replication: the single binary keeps one copy (a larger factor is refused, not ignored),
 * and a distributed write goes to `replicationFactor` ingesters, so there must be that many.
 */
function tempoProblems(c: PlatformConfig): string[] {
    const rf = c.tempo.replicationFactor;
    if (c.tempo.mode === "monolithic") {
        return rf === 1 ? [] : [`tempo.replicationFactor = ${rf}: expected 1 (or unset) with tempo.mode monolithic (a single binary cannot replicate)`];
    }
    const ingesters = profileSizing(c.profile, c).tempo.distributed.replicas.ingester;
    return rf <= ingesters
        ? []
        : [`tempo.replicationFactor = ${rf}: expected at most ${ingesters}, the ingester replicas of the ${c.profile} profile with tempo.mode distributed (each span is written to that many ingesters)`];
}

/**
 * Zones are for Loki's zone-aware replication first: one copy of each stream in each of three
 * zones, so that losing a zone loses one copy of three. That needs three distinct zones (fewer
 * would put two copies in one zone, whose loss then takes the majority every write and read
 * needs), ingesters (Distributed mode) and three copies. The other replicated workloads spread
 * over the zones too, but zones Loki ignores would read as zone-aware logs that are not. No zones
 * at all is fine: replicas then spread over nodes.
 */
function zoneProblems(c: PlatformConfig): string[] {
    const { zones } = c;
    if (zones.length === 0) return [];
    const shown = JSON.stringify(zones);
    const repeated = [...new Set(zones.filter((zone, i) => zones.indexOf(zone) !== i))];
    if (repeated.length > 0) {
        return [`zones = ${shown}: expected distinct zone names (${repeated.join(", ")} listed more than once)`];
    }
    const problems: string[] = [];
    if (zones.length < 3) {
        problems.push(
            `zones = ${shown}: expected at least three zones, or none. Zone-aware replication keeps one copy of each log stream in each of three zones; ` +
                `with ${zones.length} zone(s), two copies would share a zone and its loss would stop Loki's writes. ` +
                `Without zones (remove lgtm:zones), ingesters are kept on different nodes by required anti-affinity`,
        );
    }
    if (c.loki.mode === "Monolithic") {
        problems.push(`zones = ${shown}: expected no zones with loki.mode Monolithic (one Loki binary has no ingesters to place in zones); set loki.mode Distributed, or remove lgtm:zones`);
    } else if (c.loki.replicationFactor !== 3) {
        problems.push(
            `loki.replicationFactor = ${c.loki.replicationFactor}: expected 3 when lgtm:zones is set (zone-aware replication keeps exactly one copy in each of three ingester zones); set it to 3, or remove lgtm:zones`,
        );
    }
    return problems;
}

const hours = (h: number) => h * 3600;
const days = (d: number) => hours(24 * d);

/**
 * Retention as a whole: Thanos downsamples raw data to 5m after 40h and to 1h after 10d, so a
 * shorter raw or 5m retention deletes data before its downsampled copy exists; a resolution kept
 * shorter than a finer one is a contradiction; and Prometheus must hold blocks long enough for the
 * sidecar to upload them. 0 means "keep forever" to Thanos.
 */
function retentionProblems(c: PlatformConfig): string[] {
    const problems: string[] = [];
    const r = c.thanos.retention;
    const seconds = { raw: durationSeconds(r.raw), fiveMinutes: durationSeconds(r.fiveMinutes), oneHour: durationSeconds(r.oneHour) };
    const forever = (s: number) => (s === 0 ? Infinity : s);
    if (seconds.raw !== 0 && seconds.raw < hours(40)) {
        problems.push(`thanos.retention.raw = ${r.raw}: expected at least 40h (the compactor downsamples raw data to 5m only after 40h)`);
    }
    if (seconds.fiveMinutes !== 0 && seconds.fiveMinutes < days(10)) {
        problems.push(`thanos.retention.fiveMinutes = ${r.fiveMinutes}: expected at least 10d (5m data is downsampled to 1h only after 10d)`);
    }
    if (forever(seconds.raw) > forever(seconds.fiveMinutes)) {
        problems.push(`thanos.retention.raw = ${r.raw}: expected at most thanos.retention.fiveMinutes (${r.fiveMinutes}); coarser data must be kept at least as long`);
    }
    if (forever(seconds.fiveMinutes) > forever(seconds.oneHour)) {
        problems.push(`thanos.retention.fiveMinutes = ${r.fiveMinutes}: expected at most thanos.retention.oneHour (${r.oneHour}); coarser data must be kept at least as long`);
    }
    const loki = durationSeconds(c.loki.retention);
    if (loki !== 0 && loki < hours(24)) {
        problems.push(`loki.retention = ${c.loki.retention}: expected at least 24h, or 0 to keep logs forever (Loki's minimum retention: its compactor deletes by daily index tables)`);
    }
    if (durationSeconds(c.tempo.retention) < hours(1)) {
        problems.push(
            `tempo.retention = ${c.tempo.retention}: expected at least 1h (Tempo's ingesters cut blocks of up to 30m and its compactor works in 1h windows, so a shorter retention deletes traces as they are written)`,
        );
    }
    if (durationSeconds(c.metrics.retention) < hours(6)) {
        problems.push(`metrics.retention = ${c.metrics.retention}: expected at least 6h (three 2h blocks, so the Thanos sidecar can upload each before it is deleted)`);
    }
    return problems;
}

/** The least `metrics.retentionSize` that leaves Prometheus room for blocks next to its WAL and head chunks. */
const retentionSizeFloor = "1GB";
/** The share of Prometheus' volume its retention may fill: the rest is for the WAL and compaction (docs/configuration.md). */
const retentionSizeShare = 0.85;

/**
 * Prometheus' size-based retention against its volume. The limit counts the WAL (128MB segments)
 * and head chunks, so a tiny one deletes each 2h block as soon as it is cut, before the Thanos
 * sidecar uploads it (what the 6h rule of `metrics.retention` protects); a limit near the volume
 * fills the volume before retention deletes anything.
 */
function metricsStorageProblems(c: PlatformConfig): string[] {
    const { retentionSize, volumeSize } = c.metrics;
    const bytes = sizeBytes(retentionSize);
    if (bytes < sizeBytes(retentionSizeFloor)) {
        return [
            `metrics.retentionSize = ${retentionSize}: expected at least ${retentionSizeFloor} (Prometheus counts its WAL and head chunks toward the limit, ` +
                `so less deletes each block before the Thanos sidecar uploads it); raise it, to at most ${retentionSizeShare * 100}% of metrics.volumeSize`,
        ];
    }
    const ceiling = retentionSizeShare * quantityBytes(volumeSize);
    if (bytes > ceiling) {
        const ceilingGB = Math.floor((ceiling / sizeBytes("1GB")) * 10) / 10;
        return [
            `metrics.retentionSize = ${retentionSize}: expected at most ${retentionSizeShare * 100}% of metrics.volumeSize ${volumeSize} (${ceilingGB}GB): ` +
                `the rest is for the WAL and compaction, or the volume fills before retention deletes; lower metrics.retentionSize or raise metrics.volumeSize`,
        ];
    }
    return [];
}

/** The store's settings that only matter for the chosen type, and what prod demands of each. */
function objectStorageProblems(c: PlatformConfig): string[] {
    const problems: string[] = [];
    const storage = c.objectStorage;
    if (storage.type === "minio") {
        const { minio } = storage;
        if (minio.mode === "distributed" && minio.replicas < minioErasureMinimumDrives) {
            problems.push(`objectStorage.minio.replicas = ${minio.replicas}: expected at least ${minioErasureMinimumDrives} in distributed mode (erasure coding needs ${minioErasureMinimumDrives} drives)`);
        }
        if (c.profile === "prod" && minio.mode !== "distributed") {
            problems.push(`objectStorage.minio.mode = "${minio.mode}": expected distributed in the prod profile (one MinIO pod would hold every signal's data on one volume)`);
        }
        if (c.profile === "prod" && !minio.versioning) {
            problems.push(`objectStorage.minio.versioning = false: expected true in the prod profile (object versions protect data from deletes by mistake)`);
        }
        return problems;
    }
    const { external, region } = storage;
    if (c.profile === "prod" && !external.tls) {
        problems.push(`objectStorage.external.tls = false: expected true in the prod profile (credentials and data would cross the network in clear text)`);
    }
    const endpointRegion = awsS3EndpointRegion(external.endpoint);
    if (endpointRegion !== undefined && endpointRegion !== region) {
        problems.push(`objectStorage.region = "${region}": expected "${endpointRegion}", the region of objectStorage.external.endpoint ${external.endpoint} (AWS refuses requests signed for another region)`);
    }
    return problems;
}

/** Reads this stack's config from Pulumi (the one place that does) and validates it. */
export function readPlatformConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        const bare = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
        if (bare !== undefined) raw[bare.replace(/^config:/, "")] = value;
    }
    const config = parsePlatformConfig(raw, prefix);
    const problems = chartDirectoryProblems(config);
    if (problems.length > 0) throw new ConfigError(problems, prefix);
    return config;
}

/**
 * The pinned charts that `charts.directory` lacks. Kept out of `parsePlatformConfig`, which stays
 * pure: this reads the disk of the machine that runs Pulumi, where the provider loads the charts.
 */
export function chartDirectoryProblems(c: PlatformConfig): string[] {
    if (c.charts === undefined || !("directory" in c.charts)) return [];
    const { directory } = c.charts;
    const missing = Object.values(charts).filter((ref) => localChartPath(ref, directory) === undefined);
    if (missing.length === 0) return [];
    return [
        `charts.directory = ${JSON.stringify(directory)}: expected every pinned chart there as <name>-<version>.tgz or <name>/<version>/Chart.yaml; ` +
            `missing ${missing.map((ref) => `${ref.name} ${ref.version}`).join(", ")} (npm run fetch-charts -- --charts ${directory} pulls them)`,
    ];
}

/**
 * The object store's settings with the credentials its type takes: an external service's, always;
 * MinIO's root user and password when the stack sets them (else MinIO's are generated). One value,
 * so that the settings and the credentials cannot disagree on the type.
 */
export type ObjectStorageAccess =
    (Extract<ObjectStorageConfig, { type: "minio" }> & { readonly rootCredentials?: ObjectStoreCredentials }) | (Extract<ObjectStorageConfig, { type: "external" }> & { readonly credentials: ObjectStoreCredentials });

/**
 * Secret config the platform hands to its components, as Pulumi secrets, and the object store it
 * belongs to: `platformSecrets(config, …)` is its one producer, so the store's settings here are
 * `config.objectStorage`'s, joined to the credentials of its type.
 */
export interface PlatformSecrets {
    /** The object store (`objectStorage` of the config) with its credentials. */
    readonly objectStorage: ObjectStorageAccess;
    /** Slack incoming-webhook URL for Alertmanager. */
    readonly slackWebhookUrl?: pulumi.Output<string>;
    /** Generic webhook URL Alertmanager posts every notification to. */
    readonly alertWebhookUrl?: pulumi.Output<string>;
    /** Password of Grafana's external database; present exactly when `grafana.database` is set. */
    readonly grafanaDatabasePassword?: pulumi.Output<string>;
    /** Grafana's admin password when the stack sets it (else it is generated). */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
}

/**
 * The secrets of a validated `config`, each obtained by `secret` (Pulumi config in a deployment,
 * stand-ins offline), which returns undefined for a key that is not set.
 */
export function platformSecrets(config: PlatformConfig, secret: (key: SecretKey) => pulumi.Output<string> | undefined): PlatformSecrets {
    const required = (key: SecretKey) => {
        const value = secret(key);
        if (value === undefined) throw new Error(`${key} is not set, although the config requires it (validation should have said so)`);
        return value;
    };
    /** MinIO's root user and password: both, or neither (generated then). */
    const minioRoot = (): ObjectStoreCredentials | undefined => {
        const accessKeyId = secret("objectStorageAccessKeyId");
        const secretAccessKey = secret("objectStorageSecretAccessKey");
        if (accessKeyId !== undefined && secretAccessKey !== undefined) return { accessKeyId, secretAccessKey };
        if (accessKeyId !== undefined || secretAccessKey !== undefined) {
            throw new Error("one of objectStorageAccessKeyId and objectStorageSecretAccessKey is set without the other (validation should have said so)");
        }
        return undefined;
    };
    const storage = config.objectStorage;
    const objectStorage: ObjectStorageAccess =
        storage.type === "external"
            ? { ...storage, credentials: { accessKeyId: required("objectStorageAccessKeyId"), secretAccessKey: required("objectStorageSecretAccessKey") } }
            : { ...storage, rootCredentials: minioRoot() };
    const optionalKeys = [...notificationSecretKeys, grafanaAdminPasswordKey] as const;
    return {
        objectStorage,
        ...Object.fromEntries(
            optionalKeys.flatMap((key) => {
                const value = secret(key);
                return value === undefined ? [] : [[key, value]];
            }),
        ),
        ...(config.grafana.database ? { grafanaDatabasePassword: required(grafanaDatabasePasswordKey) } : {}),
    };
}

/** Reads the secret config of a validated `config` from Pulumi, only ever as secrets. */
export function readPlatformSecrets(config: PlatformConfig): PlatformSecrets {
    const pulumiConfig = new pulumi.Config();
    return platformSecrets(config, (key) => pulumiConfig.getSecret(key));
}
