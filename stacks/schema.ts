import * as path from "path";
import { z } from "zod";
import type { ChartSource } from "../components/charts";
import { grafanaDatabaseSslModes, grafanaDatabaseTypes } from "../components/grafana";
import { lokiModes } from "../components/loki";
import { prometheusExternalLabels } from "../components/metrics";
import { ProbeModule, probeModules } from "../components/probes";
import { tempoModes } from "../components/traceStore";
import { parseCidr } from "./cidr";
import {
    bucketName,
    bytesSize,
    dnsLabel,
    Endpoint,
    goDuration,
    hostname,
    hostPort,
    httpPath,
    jobName,
    labelKey,
    labelValue,
    lokiTenant,
    namespaceName,
    nonEmptyLabelValue,
    objectName,
    parseHost,
    parseHostPort,
    parseHttpUrl,
    promDuration,
    promInterval,
    promLabelName,
    promLabelValue,
    s3Region,
    secretKeyName,
    templateDelimiters,
    untemplated,
    volumeQuantity,
} from "./grammar";

/**
 * The shape of every structured config key, with the formats each value must have. Messages say
 * what is accepted; the key and the offending value are added by `validate`.
 */
const ingestRate = z
    .number("a number of MB/s such as 2 or 0.5")
    // Loki's and Tempo's limits are rounded up to whole MB/s anyway: a smaller rate is likely a unit mix-up (bytes or KB given as MB).
    .min(0.1, "at least 0.1 MB/s (limits are derived in whole MB/s; a smaller rate is likely bytes or KB given as MB)")
    .max(1000, "at most 1000 MB/s (split larger volumes across tenants or clusters)");
/**
 * Copies of a whole component that config sets directly (Prometheus and Alertmanager replicas each
 * hold everything, MinIO pods one cluster's buckets, replication factors copies of each stream).
 * Parts that scale with load take their counts from the ingest rates instead, so more than 100 here
 * is a typo that would ask the cluster for that many pods.
 */
const replicas = z.number().int("a whole number").min(1, "at least 1").max(100, "at most 100 (copies of a whole component; parts that scale with load follow expectedIngestMBps instead)");
/**
 * An S3 endpoint as every consumer takes it: host or host:port, never a scheme (TLS is a switch of
 * its own, and Thanos refuses a scheme outright) nor a path. A scheme is rejected rather than
 * stripped, so that `http://` can never silently become TLS or the other way round.
 */
const s3EndpointAccepted = "host or host:port without a scheme or path, such as s3.eu-west-1.amazonaws.com or minio.example.com:9000 (TLS is objectStorage.external.tls)";
const s3Endpoint = hostPort(s3EndpointAccepted);
/** An availability zone as nodes carry it in their `topology.kubernetes.io/zone` label: a label value, not empty. */
const zoneName = nonEmptyLabelValue("a zone name as nodes carry it in the label topology.kubernetes.io/zone, such as eu-west-1a (letters, digits, '-', '_', '.', at most 63)");

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, "an IPv4 or IPv6 CIDR such as 10.0.0.0/16 or 172.18.0.2/32 (no host bits after the prefix: 10.0.0.0/24, not 10.0.0.1/24)");

export const namespacesSchema = z.strictObject({
    objectStorage: namespaceName,
    metrics: namespaceName,
    thanos: namespaceName,
    logs: namespaceName,
    traces: namespaceName,
    grafana: namespaceName,
    agents: namespaceName,
    demo: namespaceName,
    /** The fleet's ingest gateway (only with fleet.edges). */
    fleet: namespaceName,
});

const minioSettings = z.strictObject({
    mode: z.enum(["standalone", "distributed"], "one of standalone, distributed"),
    replicas,
    volumeSize: volumeQuantity,
    versioning: z.boolean("true or false"),
});
const externalSettings = <Endpoint extends z.ZodType>(endpoint: Endpoint) => z.strictObject({ endpoint, tls: z.boolean("true or false"), forcePathStyle: z.boolean("true or false") });
const storageCommon = {
    region: s3Region,
    buckets: z
        .strictObject({ lokiChunks: bucketName, lokiRuler: bucketName, tempo: bucketName, thanos: bucketName })
        .refine((b) => new Set(Object.values(b)).size === 4, "four distinct bucket names (each consumer owns its bucket)"),
    minio: minioSettings,
};

/**
 * Where the platform's buckets live, by `type`: MinIO deployed with the platform, or an S3 service
 * run elsewhere, whose endpoint the external variant requires. Both variants keep both `minio` and
 * `external`: the profiles state defaults for both (the stack's values are merged over them before
 * parsing), so a stack that switches `type` keeps every default it had and need not remove the other
 * type's settings; those are still checked for form, and nothing reads them.
 */
export const objectStorageSchema = z.discriminatedUnion(
    "type",
    [
        z.strictObject({ type: z.literal("minio"), ...storageCommon, external: externalSettings(s3Endpoint.optional()) }),
        z.strictObject({
            type: z.literal("external"),
            ...storageCommon,
            external: externalSettings(hostPort(s3EndpointAccepted, `the S3 endpoint when objectStorage.type is external: ${s3EndpointAccepted}`)),
        }),
    ],
    // A type outside the union; any other issue keeps zod's own message.
    { error: (issue) => (issue.code === "invalid_union" ? "one of minio (deployed with the platform), external (an S3 service you provide)" : undefined) },
);
/** The validated object store settings: the type and what it needs. */
export type ObjectStorageConfig = z.infer<typeof objectStorageSchema>;

export const metricsSchema = z.strictObject({
    retention: promDuration,
    retentionSize: bytesSize,
    scrapeInterval: promInterval,
    prometheusReplicas: replicas,
    alertmanagerReplicas: replicas,
    volumeSize: volumeQuantity,
});

export const thanosSchema = z.strictObject({
    retention: z.strictObject({ raw: promDuration, fiveMinutes: promDuration, oneHour: promDuration }),
    queryReplicas: replicas,
    storeGatewayReplicas: replicas,
    volumeSize: volumeQuantity,
});

export const lokiSchema = z.strictObject({
    mode: z.enum(lokiModes, `one of ${lokiModes.join(", ")} (SimpleScalable is deprecated upstream)`),
    multiTenancy: z.boolean("true or false"),
    tenant: lokiTenant,
    retention: promDuration,
    expectedIngestMBps: ingestRate,
    replicationFactor: replicas,
    volumeSize: volumeQuantity,
});

export const tempoSchema = z
    .strictObject({
        mode: z.enum(tempoModes, `one of ${tempoModes.join(", ")}`),
        retention: goDuration,
        expectedIngestMBps: ingestRate,
        replicationFactor: replicas.optional(),
        volumeSize: volumeQuantity,
    })
    // Unset, the replication factor follows the mode (not the profile): 3 copies across ingesters, 1 in a single binary.
    .transform((t) => ({ ...t, replicationFactor: t.replicationFactor ?? (t.mode === "distributed" ? 3 : 1) }));

/** host or host:port, as Grafana's `database.host` takes it (no scheme: the type says what it speaks). */
const databaseHost = hostPort("host or host:port without a scheme, such as grafana-db.example.com:5432");

const grafanaDatabaseSchema = z
    .strictObject({
        type: z.enum(grafanaDatabaseTypes, `one of ${grafanaDatabaseTypes.join(", ")}`),
        host: databaseHost,
        name: z.string("a database name such as grafana").regex(/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, "a database name such as grafana: letters, digits, '_', '$', '-', at most 63"),
        user: z.string("a user name such as grafana").regex(/^[A-Za-z0-9_][A-Za-z0-9_.@$-]{0,62}$/, "a user name such as grafana: letters, digits, '_', '.', '@', '$', '-', at most 63"),
        sslMode: z.string().optional(),
    })
    .superRefine((d, ctx) => {
        const modes = grafanaDatabaseSslModes[d.type].all;
        if (d.sslMode !== undefined && !modes.includes(d.sslMode)) {
            ctx.addIssue({ code: "custom", message: `one of ${modes.join(", ")} for type ${d.type}`, path: ["sslMode"] });
        }
    })
    .transform((d) => ({ ...d, sslMode: d.sslMode ?? grafanaDatabaseSslModes[d.type].default }));

/** Kinds of cert-manager issuer an Ingress can name (the annotation differs: `issuer` or `cluster-issuer`). */
export const certManagerIssuerKinds = ["ClusterIssuer", "Issuer"] as const;

/** A cert-manager issuer that issues and renews an Ingress's certificate into a Secret of its own. */
const issuerSchema = (owner: string) =>
    z.strictObject({
        kind: z.enum(certManagerIssuerKinds, `one of ${certManagerIssuerKinds.join(", ")} (an Issuer must be in ${owner} namespace)`),
        name: objectName,
        secretName: dnsLabel.optional(),
    });

export const grafanaSchema = z.strictObject({
    ingress: z
        .strictObject({
            enabled: z.boolean("true or false"),
            host: hostname.optional(),
            className: dnsLabel.optional(),
            /** A TLS Secret that exists already (you manage and renew it). */
            tlsSecretName: dnsLabel.optional(),
            /** A cert-manager issuer that issues and renews the certificate into a Secret of its own. */
            issuer: issuerSchema("Grafana's").optional(),
        })
        .superRefine((i, ctx) => {
            if (i.enabled && i.host === undefined) {
                const why = i.issuer ? ", which cert-manager also requests the certificate for (grafana.ingress.issuer is set)" : "";
                ctx.addIssue({ code: "custom", message: `a host when ingress is enabled${why}`, path: ["host"] });
            }
            if (i.issuer && !i.enabled) {
                ctx.addIssue({
                    code: "custom",
                    message: "no issuer while grafana.ingress.enabled is false (there is no Ingress to request a certificate for); set enabled: true and a host, or remove issuer",
                    path: ["issuer"],
                });
            }
            if (i.issuer && i.tlsSecretName !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    message:
                        "no tlsSecretName together with grafana.ingress.issuer: tlsSecretName is a TLS Secret you provide, issuer has cert-manager create one; keep one of them (name cert-manager's Secret with issuer.secretName)",
                    path: ["tlsSecretName"],
                });
            }
        }),
    subPath: z.string().regex(/^(\/(?!\.\.?(\/|$))[A-Za-z0-9._~-]+)*$/, `"" (served at the root) or a path such as /grafana, without a trailing slash nor "." or ".." segments`),
    replicas,
    /** The volume of Grafana's SQLite database; with `database` there is nothing to keep locally. */
    persistence: z.boolean("true or false"),
    volumeSize: volumeQuantity,
    database: grafanaDatabaseSchema.optional(),
});

export const alertingSchema = z.strictObject({
    slackChannel: z
        .string()
        .regex(/^[#@]?[a-z0-9][a-z0-9._-]{0,79}$/, "a Slack channel such as #platform-alerts")
        .optional(),
});

export const demoSchema = z.strictObject({
    enabled: z.boolean("true or false"),
});

export const networkSchema = z.strictObject({
    policies: z.boolean("true or false"),
    apiServerCidrs: z.array(cidr, 'a list of CIDRs such as ["10.0.0.1/32"]').min(1, "at least one CIDR (the API server must stay reachable)"),
    objectStorageCidrs: z.array(cidr, 'a list of CIDRs such as ["52.216.0.0/15"]').min(1, "at least one CIDR (the object store must stay reachable)"),
    grafanaDatabaseCidrs: z.array(cidr, 'a list of CIDRs such as ["10.20.0.0/24"]').min(1, "at least one CIDR (Grafana's database must stay reachable)"),
    ingressNamespaceSelector: z.record(labelKey, labelValue, "a map of namespace labels such as {kubernetes.io/metadata.name: ingress-nginx}").optional(),
});

const chartMirrorAccepted = "an HTTP(S) Helm repository such as https://charts.example.com/ or an OCI registry path such as oci://registry.example.com/helm-charts";

/**
 * Why `value` cannot serve as the chart mirror, or undefined when it can. Parsed as Helm parses it
 * (a WHATWG URL): http(s) or oci, with a host. Credentials are refused because the stack file and
 * Pulumi's state would keep them in clear text; a query or fragment because Helm appends
 * `/index.yaml` or `/<chart>` to the path.
 */
export function chartMirrorProblem(value: string): string | undefined {
    if (templateDelimiters.test(value)) return `${chartMirrorAccepted}, without Helm template delimiters {{ }} (the URL is used as written, never templated)`;
    if (/\s/.test(value)) return `${chartMirrorAccepted}, without spaces`;
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return chartMirrorAccepted;
    }
    if (!["http:", "https:", "oci:"].includes(url.protocol)) return `${chartMirrorAccepted} (scheme http, https or oci, not ${url.protocol.replace(/:$/, "")})`;
    if (url.hostname === "") return `${chartMirrorAccepted}, with a host after the scheme's //`;
    if (url.username !== "" || url.password !== "") {
        return (
            "a URL without user name or password (the stack file and Pulumi's state would hold them in clear text): " +
            "keep the login as a repository secret outside the stack instead, with `helm registry login <host>` on the machine that runs Pulumi (OCI mirrors); " +
            "an HTTP(S) mirror must be readable without a login from there"
        );
    }
    if (url.search !== "" || url.hash !== "" || /[?#]/.test(value)) return `${chartMirrorAccepted}, without a query or fragment (Helm appends /index.yaml or /<chart> to the path)`;
    return undefined;
}

/** The mirror as an error message may show it: never a user name or password that it carries. */
function mirrorShown(value: string): string {
    return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1<credentials not shown>@"));
}

export const chartsSchema = z
    .strictObject({
        /** A Helm repository (HTTP(S)) or OCI registry path that holds every pinned chart. */
        mirror: z.string(chartMirrorAccepted).optional(),
        /** A local directory holding every pinned chart as `<name>-<version>.tgz` or `<name>/<version>/`. */
        directory: z
            .string()
            .refine((d) => path.isAbsolute(d), "an absolute path such as /srv/helm-charts, holding each pinned chart as <name>-<version>.tgz or <name>/<version>/")
            .optional(),
    })
    .superRefine((c, ctx) => {
        const problem = c.mirror === undefined ? undefined : chartMirrorProblem(c.mirror);
        if (c.mirror !== undefined && problem !== undefined) ctx.addIssue({ code: "custom", message: problem, path: ["mirror"], params: { shown: mirrorShown(c.mirror) } });
        if (c.mirror !== undefined && c.directory !== undefined) {
            ctx.addIssue({ code: "custom", message: "no directory together with charts.mirror: releases take their charts from one source; keep one of them", path: ["directory"] });
        }
    })
    // What components take: one source, or none (each chart's upstream repository).
    .transform((c): ChartSource | undefined => (c.mirror !== undefined ? { mirror: c.mirror } : c.directory !== undefined ? { directory: c.directory } : undefined));

/**
 * What a stack deploys: `platform`, everything (alone, or the centre of a fleet); `edge`, only what
 * collects, shipping every signal to the central platform named by `central`.
 */
export const roles = ["platform", "edge"] as const;
/** Members of a fleet: Kubernetes clusters running an edge stack, or servers outside Kubernetes running Alloy. */
export const fleetMemberKinds = ["cluster", "server"] as const;

/**
 * A fleet member's name lands as its `cluster` label, its Loki, Tempo and Thanos tenant, its
 * basic-auth user name at the ingest gateway (where ':' would end the name) and in resource names:
 * a DNS label satisfies all of them.
 */
const fleetMemberName = z
    .string("a name such as edge-a")
    .regex(
        /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
        "a name such as edge-a: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit (it becomes the member's cluster label, tenant and login)",
    );

export const fleetSchema = z
    .strictObject({
        /** The clusters and servers this central platform accepts; each gets credentials and a tenant. */
        edges: z.array(
            z.strictObject({
                name: fleetMemberName,
                kind: z.enum(fleetMemberKinds, `one of ${fleetMemberKinds.join(", ")}`).default("cluster"),
            }),
            "a list of members such as [{ name: edge-a }, { name: lab-servers, kind: server }]",
        ),
        /** The Ingress every member sends to: its host, class and TLS, as Grafana's. */
        ingress: z.strictObject({
            host: hostname.optional(),
            className: dnsLabel.optional(),
            tlsSecretName: dnsLabel.optional(),
            issuer: issuerSchema("the ingest gateway's").optional(),
        }),
        /** Thanos Receive, which keeps the members' metrics on the object store for Thanos Query. */
        receive: z.strictObject({ replicas, replicationFactor: replicas }),
        /** Replicas of the authenticating ingest gateway. */
        gatewayReplicas: replicas,
    })
    .superRefine((f, ctx) => {
        const names = f.edges.map((e) => e.name);
        const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
        if (repeated.length > 0) ctx.addIssue({ code: "custom", message: `distinct member names (${repeated.join(", ")} listed more than once: one login and tenant each)`, path: ["edges"] });
        if (f.ingress.issuer && f.ingress.tlsSecretName !== undefined) {
            ctx.addIssue({ code: "custom", message: "no tlsSecretName together with fleet.ingress.issuer: keep one of them (name cert-manager's Secret with issuer.secretName)", path: ["ingress", "tlsSecretName"] });
        }
    });

/** A stack as `pulumi.StackReference` names it. */
const stackReference = z
    .string()
    .regex(/^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)?$/, "a stack reference <organization>/<project>/<stack> such as organization/lgtm/prod (with a local backend: organization/lgtm/<stack>)");
// ---------------------------------------------------------------------------------------------
// Collection beyond the platform's own parts (stacks/collection.ts): static scrape targets,
// blackbox probes and the Pushgateway
// ---------------------------------------------------------------------------------------------

/**
 * Labels the platform sets on the series of every target: `job` and `instance` (Prometheus, from
 * the job and the target), `namespace` (the operator, on probes), and Prometheus' external labels.
 * A job's own label of one of these names would overwrite them or be overwritten.
 */
export const reservedTargetLabels: readonly string[] = ["job", "instance", "namespace", prometheusExternalLabels.cluster, prometheusExternalLabels.replica];

/** A job's labels: Prometheus label names, none of those the platform sets, and values that say something. */
const targetLabels = z.record(z.string(), z.string("a label value such as payments"), "a map of label names to values such as {team: payments}").superRefine((labels, ctx) => {
    for (const [name, value] of Object.entries(labels)) {
        const nameIssue = promLabelName.safeParse(name).error?.issues[0];
        if (nameIssue) ctx.addIssue({ code: "custom", message: nameIssue.message, path: [name], params: { shown: JSON.stringify(name) } });
        else if (reservedTargetLabels.includes(name)) {
            ctx.addIssue({ code: "custom", message: `a label name other than ${reservedTargetLabels.join(", ")} (the platform sets those on every series)`, path: [name], params: { shown: JSON.stringify(name) } });
        }
        const valueIssue = promLabelValue.safeParse(value).error?.issues[0];
        if (valueIssue) ctx.addIssue({ code: "custom", message: valueIssue.message, path: [name] });
    }
});

/** Where the targets of a job named by DNS name may be reached, for the NetworkPolicies (names resolve to addresses nobody can list). */
const targetCidrs = z.array(cidr, 'a list of CIDRs such as ["10.20.0.0/24"]').min(1, "at least one CIDR, or leave cidrs out");

/** A Secret of the user's in the metrics namespace, and its key. */
const secretKeyRef = z.strictObject({ name: objectName, key: secretKeyName });

export const scrapeJobSchema = z.strictObject({
    name: jobName,
    targets: z
        .array(
            z.string("a target such as 10.0.0.5:9100").refine((t) => parseHostPort(t) !== undefined, "host:port, the host a DNS name or an IP address ([2001:db8::1]:9100 for IPv6), the port 1 to 65535"),
            'a list of targets such as ["10.0.0.5:9100"]',
        )
        .min(1, "at least one target such as 10.0.0.5:9100"),
    labels: targetLabels.default({}),
    /** Default: Prometheus' (`metrics.scrapeInterval`). */
    interval: promInterval.optional(),
    scheme: z.enum(["http", "https"], "one of http, https").default("http"),
    path: httpPath.default("/metrics"),
    tls: z
        .strictObject({
            /** The CA that signed the targets' certificates; default: the system's. */
            caSecret: secretKeyRef.optional(),
            insecureSkipVerify: z.boolean("true or false").optional(),
            serverName: hostname.optional(),
        })
        .optional(),
    basicAuth: z.strictObject({ secretName: objectName, usernameKey: secretKeyName, passwordKey: secretKeyName }).optional(),
    cidrs: targetCidrs.optional(),
});

/** What a probe's targets must look like for its module, and where each connects (for the NetworkPolicies). */
export const probeTargets: Record<ProbeModule, { readonly endpoint: (target: string) => Endpoint | undefined; readonly accepted: string }> = {
    http: { endpoint: parseHttpUrl, accepted: "an http:// or https:// URL such as https://www.example.com/health (host in lower case and written as it is dialled, no user name or password)" },
    tcp: { endpoint: parseHostPort, accepted: "host:port, the host a DNS name or an IP address ([2001:db8::1]:443 for IPv6), the port 1 to 65535" },
    icmp: { endpoint: parseHost, accepted: "a host: a DNS name or an IP address, without a port" },
};

export const probeSchema = z
    .strictObject({
        name: jobName,
        module: z.enum(probeModules, `one of ${probeModules.join(", ")}`),
        targets: z.array(z.string("a target"), "a list of targets").min(1, "at least one target"),
        labels: targetLabels.default({}),
        /** Default: Prometheus' (`metrics.scrapeInterval`). */
        interval: promInterval.optional(),
        cidrs: targetCidrs.optional(),
    })
    .superRefine((p, ctx) => {
        const { endpoint, accepted } = probeTargets[p.module];
        p.targets.forEach((target, i) => {
            if (endpoint(target) === undefined) ctx.addIssue({ code: "custom", message: `${accepted}, for module ${p.module}`, path: ["targets", i] });
        });
    });

export const pushgatewaySchema = z.strictObject({
    enabled: z.boolean("true or false"),
    /** Namespaces whose pods may push; none: only Prometheus reaches it (to scrape). */
    clientNamespaces: z.array(namespaceName, "a list of namespaces such as [batch-jobs]"),
    /** Labels of further namespaces whose pods may push. */
    clientNamespaceSelector: z.record(labelKey, labelValue, "a map of namespace labels such as {team: payments}").optional(),
    /** Its volume (prod: it keeps what was pushed across restarts). */
    volumeSize: volumeQuantity,
});

export const platformSchema = z.strictObject({
    profile: z.enum(["dev", "prod"], "one of dev, prod"),
    role: z.enum(roles, `one of ${roles.join(", ")}`),
    /** The central platform an edge ships to (role edge only); empty on a platform. */
    central: stackReference,
    fleet: fleetSchema,
    clusterName: nonEmptyLabelValue("a label value: letters, digits, '_', '.', '-', at most 63 characters, starting and ending with a letter or digit"),
    // Reaches only the provider, and may hold a token: checked for nothing here, so that no message can repeat it.
    kubeconfig: z.string(),
    kubeContext: untemplated,
    storageClass: z.union([z.literal(""), dnsLabel], "empty (the cluster's default class) or a StorageClass name"),
    /**
     * Whether what holds data outlives a `destroy` by mistake: releases with data, their Secrets,
     * the CRDs and the Namespaces are protected, and the Namespaces that hold volumes are also left
     * in the cluster when deleted from the stack. false is the deliberate teardown (docs/prod.md).
     */
    protectData: z.boolean("true or false (false lets destroy delete the platform's volumes; see docs/prod.md 'Tearing down')"),
    zones: z.array(zoneName, "a list of zone names such as [eu-west-1a, eu-west-1b, eu-west-1c]"),
    namespaces: namespacesSchema,
    objectStorage: objectStorageSchema,
    metrics: metricsSchema,
    thanos: thanosSchema,
    loki: lokiSchema,
    tempo: tempoSchema,
    grafana: grafanaSchema,
    alerting: alertingSchema,
    demo: demoSchema,
    network: networkSchema,
    charts: chartsSchema,
    scrapeTargets: z.array(scrapeJobSchema, 'a list of scrape jobs such as [{name: lab-servers, targets: ["10.0.0.5:9100"]}]'),
    probes: z.array(probeSchema, 'a list of probes such as [{name: website, module: http, targets: ["https://www.example.com/"]}]'),
    pushgateway: pushgatewaySchema,
});

/** The validated configuration of one platform stack. */
export type PlatformConfig = z.infer<typeof platformSchema>;
/** Configuration before validation fills derived defaults (what profiles state). */
export type PlatformConfigInput = z.input<typeof platformSchema>;
