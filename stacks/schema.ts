import { z } from "zod";
import { lokiModes } from "../components/loki";

/**
 * The shape of every structured config key, with the formats each value must have. Messages say
 * what is accepted; the key and the offending value are added by `validate`.
 */
const promDuration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, "a duration such as 30s, 12h, 15d or 1w (units ms, s, m, h, d, w, y)");
const goDuration = z.string().regex(/^(\d+(ns|us|ms|s|m|h))+$/, "a duration in hours, minutes or seconds such as 336h or 90m (Tempo takes no days)");
const bytesSize = z.string().regex(/^\d+(\.\d+)?(B|KB|MB|GB|TB|PB|EB)$/, "a size such as 512MB or 50GB (units B, KB, MB, GB, TB, PB, EB)");
const quantity = z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, "a Kubernetes quantity such as 10Gi or 500Mi");
const ingestRate = z.number("a number of MB/s such as 2 or 0.5").positive("more than 0 MB/s").max(1000, "at most 1000 MB/s (split larger volumes across tenants or clusters)");
const replicas = z.number().int("a whole number").min(1, "at least 1");
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a DNS label: lower-case letters, digits and '-', at most 63 characters");
const hostname = z
    .string()
    .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, "a DNS host name such as grafana.example.com (lower case, no scheme, no port, no path)");
const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'");
/**
 * An S3 endpoint as every consumer takes it: host or host:port, never a scheme (TLS is a switch of
 * its own, and Thanos refuses a scheme outright) nor a path. A scheme is rejected rather than
 * stripped, so that `http://` can never silently become TLS or the other way round.
 */
const s3Endpoint = z
    .string()
    .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*(:\d{1,5})?$/,
        "host or host:port without a scheme or path, such as s3.eu-west-1.amazonaws.com or minio.example.com:9000 (TLS is objectStorage.external.tls)",
    )
    .refine((e) => {
        const port = /:(\d+)$/.exec(e)?.[1];
        return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
    }, "a port between 1 and 65535");

/**
 * An availability zone as nodes carry it in their `topology.kubernetes.io/zone` label: a Kubernetes
 * label value, not empty.
 */
const zoneName = z
    .string()
    .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "a zone name as nodes carry it in the label topology.kubernetes.io/zone, such as eu-west-1a (letters, digits, '-', '_', '.', at most 63)");

/** Where the platform's buckets live: MinIO deployed with the platform, or an S3 service run elsewhere. */
export const objectStorageTypes = ["minio", "external"] as const;

export const namespacesSchema = z.strictObject({
    objectStorage: dnsLabel,
    metrics: dnsLabel,
    thanos: dnsLabel,
    logs: dnsLabel,
    traces: dnsLabel,
    grafana: dnsLabel,
    agents: dnsLabel,
    demo: dnsLabel,
});

export const objectStorageSchema = z
    .strictObject({
        type: z.enum(objectStorageTypes, "one of minio (deployed with the platform), external (an S3 service you provide)"),
        region: z.string().min(1, "a non-empty region name such as us-east-1"),
        buckets: z
            .strictObject({ lokiChunks: bucket, lokiRuler: bucket, tempo: bucket, thanos: bucket })
            .refine((b) => new Set(Object.values(b)).size === 4, "four distinct bucket names (each consumer owns its bucket)"),
        minio: z.strictObject({
            mode: z.enum(["standalone", "distributed"], "one of standalone, distributed"),
            replicas,
            volumeSize: quantity,
            versioning: z.boolean("true or false"),
        }),
        external: z.strictObject({
            endpoint: s3Endpoint.optional(),
            tls: z.boolean("true or false"),
            forcePathStyle: z.boolean("true or false"),
        }),
    })
    .refine((o) => o.type !== "external" || o.external.endpoint !== undefined, {
        message: "the S3 endpoint, such as s3.eu-west-1.amazonaws.com, when objectStorage.type is external",
        path: ["external", "endpoint"],
    });

export const metricsSchema = z.strictObject({
    retention: promDuration,
    retentionSize: bytesSize,
    scrapeInterval: promDuration,
    prometheusReplicas: replicas,
    alertmanagerReplicas: replicas,
    volumeSize: quantity,
});

export const thanosSchema = z.strictObject({
    retention: z.strictObject({ raw: promDuration, fiveMinutes: promDuration, oneHour: promDuration }),
    queryReplicas: replicas,
    storeGatewayReplicas: replicas,
    volumeSize: quantity,
});

export const lokiSchema = z
    .strictObject({
        mode: z.enum(lokiModes, `one of ${lokiModes.join(", ")} (SimpleScalable is deprecated upstream)`),
        multiTenancy: z.boolean("true or false"),
        tenant: z.string().regex(/^[A-Za-z0-9!._*'()-]{1,150}$/, "a Loki tenant ID: letters, digits and !-_.*'() (at most 150)"),
        retention: promDuration,
        expectedIngestMBps: ingestRate,
        replicationFactor: replicas,
        volumeSize: quantity,
    });

export const tempoSchema = z.strictObject({
    retention: goDuration,
    expectedIngestMBps: ingestRate,
    volumeSize: quantity,
});

export const grafanaSchema = z.strictObject({
    ingress: z
        .strictObject({
            enabled: z.boolean("true or false"),
            host: hostname.optional(),
            className: dnsLabel.optional(),
            tlsSecretName: dnsLabel.optional(),
        })
        .refine((i) => !i.enabled || i.host !== undefined, { message: "a host when ingress is enabled", path: ["host"] }),
    subPath: z.string().regex(/^(\/[A-Za-z0-9._~-]+)*$/, `"" (served at the root) or a path such as /grafana, without a trailing slash`),
    persistence: z.boolean("true or false"),
    volumeSize: quantity,
});

export const alertingSchema = z.strictObject({
    slackChannel: z.string().regex(/^[#@]?[a-z0-9][a-z0-9._-]{0,79}$/, "a Slack channel such as #platform-alerts").optional(),
});

export const demoSchema = z.strictObject({
    enabled: z.boolean("true or false"),
});

export const platformSchema = z.strictObject({
    profile: z.enum(["dev", "prod"], "one of dev, prod"),
    clusterName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, "a label value: letters, digits, '_', '.', '-', at most 63 characters"),
    kubeconfig: z.string(),
    kubeContext: z.string(),
    storageClass: z.union([z.literal(""), dnsLabel], "empty (the cluster's default class) or a StorageClass name"),
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
});

/** The validated configuration of one platform stack. */
export type PlatformConfig = z.infer<typeof platformSchema>;
