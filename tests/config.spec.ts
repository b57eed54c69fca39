import { strict as assert } from "assert";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { charts } from "../components/charts";
import { chartDirectoryProblems, ConfigError, defaultNamespace, parsePlatformConfig, platformSecrets, RawConfig, requiredSecretKeys } from "../stacks/config";
import { parse } from "yaml";
import { durationSeconds } from "../stacks/grammar";
import { chartMirrorProblem } from "../stacks/schema";
import { readStackConfig } from "../tools/render/stackConfig";
import { projectDir } from "./support/charts";
import { rejects } from "./support/config";

/** prod's Grafana: reached by name, over TLS from an existing Secret. */
const prodIngress = { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" };
const prodHost = JSON.stringify({ ingress: prodIngress });
/** An external store as prod takes by default: AWS S3 in us-east-1, credentials set as secrets. */
const s3 = (external: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) => JSON.stringify({ external: { endpoint: "s3.us-east-1.amazonaws.com", ...external }, ...rest });
const accessKeyId = "AKIAIOSFODNN7EXAMPLE";
const secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const credentials = { objectStorageAccessKeyId: accessKeyId, objectStorageSecretAccessKey: secretAccessKey };
const prod = { profile: "prod", grafana: prodHost, objectStorage: s3(), ...credentials };
const noCredentials = () => ({ objectStorageAccessKeyId: undefined, objectStorageSecretAccessKey: undefined });
/** MinIO's root user and password brought by the operator (the object store's secret keys with type minio). */
const minioRoot = { objectStorageAccessKeyId: "minio-admin", objectStorageSecretAccessKey: "minio-root-password-1" };
const grafanaAdminPassword = "grafana-admin-password-1";
/** Grafana on an external PostgreSQL: prod's ingress plus `extra`, and the password as secret config. */
const postgres = { type: "postgres", host: "grafana-db.example.com:5432", name: "grafana", user: "grafana" };
const databasePassword = "s3cr3t-Grafana-DB-pw";
const grafanaWith = (extra: Record<string, unknown>) => JSON.stringify({ ingress: prodIngress, ...extra });
const chartsAt = (source: Record<string, unknown>) => ({ charts: JSON.stringify(source) });
const mirrorAccepted = "an HTTP(S) Helm repository such as https://charts.example.com/ or an OCI registry path such as oci://registry.example.com/helm-charts";

/** Raw config that sets one key, dotted into structured keys (`objectStorage.region`), to `value`. */
function setting(key: string, value: unknown): RawConfig {
    const [top, ...rest] = key.split(".");
    if (rest.length === 0) return { [top]: typeof value === "string" ? value : JSON.stringify(value) };
    return { [top]: JSON.stringify(rest.reduceRight<unknown>((inner, k) => ({ [k]: inner }), value)) };
}

describe("config validation", () => {
    it("takes the default namespace Pulumi.yaml declares for lgtm:namespace (defaultNamespace), so the two cannot drift", () => {
        const declared = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")).config.namespace.default;
        assert.equal(declared, defaultNamespace);
        assert.equal(parsePlatformConfig({}).namespaces.metrics, declared);
    });
    it("dev with no config at all takes the dev profile", () => {
        const c = parsePlatformConfig({});
        assert.equal(c.profile, "dev");
        assert.equal(c.loki.mode, "Monolithic");
        assert.equal(c.namespaces.logs, "monitoring");
        assert.equal(c.tempo.mode, "monolithic");
        assert.equal(c.tempo.replicationFactor, 1);
    });

    it("prod with a Grafana host and an S3 endpoint takes the prod profile", () => {
        const c = parsePlatformConfig(prod);
        assert.equal(c.objectStorage.type, "external");
        assert.deepEqual(c.objectStorage.external, { endpoint: "s3.us-east-1.amazonaws.com", tls: true, forcePathStyle: false });
        assert.equal(c.loki.mode, "Distributed");
        assert.equal(c.metrics.prometheusReplicas, 2);
        assert.equal(c.metrics.alertmanagerReplicas, 3);
        assert.equal(c.grafana.ingress.host, "grafana.example.com");
        assert.equal(c.tempo.mode, "distributed");
        assert.equal(c.tempo.replicationFactor, 3);
    });

    it("Tempo's replication factor follows the mode when unset, not the profile", () => {
        assert.equal(parsePlatformConfig({ tempo: JSON.stringify({ mode: "distributed" }) }).tempo.replicationFactor, 3);
        assert.equal(parsePlatformConfig({ ...prod, tempo: JSON.stringify({ mode: "monolithic" }) }).tempo.replicationFactor, 1);
        assert.equal(parsePlatformConfig({ ...prod, tempo: JSON.stringify({ replicationFactor: 2 }) }).tempo.replicationFactor, 2);
    });

    it("stack values overlay the profile key by key", () => {
        const c = parsePlatformConfig({ metrics: JSON.stringify({ retention: "12h" }), namespace: "observability" });
        assert.equal(c.metrics.retention, "12h");
        assert.equal(c.metrics.scrapeInterval, "30s");
        assert.equal(c.namespaces.metrics, "observability");
    });

    const cases: [string, RawConfig, string[]][] = [
        ["unknown profile", { profile: "staging" }, ['lgtm:profile = "staging"', "one of dev, prod"]],
        ["unknown top-level key", { retension: "5d" }, ["lgtm:retension: unknown key"]],
        ["structured key that is not an object", { metrics: '"12h"' }, ["lgtm:metrics", "expected an object"]],
        ["structured key that is not JSON", { metrics: "retention: 12h" }, ["lgtm:metrics", "not JSON"]],
        ["misspelled nested key", { metrics: JSON.stringify({ retension: "12h" }) }, ["lgtm:metrics.retension: unknown key"]],
        ["retention with a bad unit", { metrics: JSON.stringify({ retention: "5x" }) }, ['lgtm:metrics.retention = "5x"', "a duration such as"]],
        ["retention size without a unit", { metrics: JSON.stringify({ retentionSize: "40" }) }, ['lgtm:metrics.retentionSize = "40"', "512MB"]],
        ["negative replicas", { metrics: JSON.stringify({ prometheusReplicas: -1 }) }, ["lgtm:metrics.prometheusReplicas = -1", "at least 1"]],
        ["fractional replicas", { thanos: JSON.stringify({ queryReplicas: 1.5 }) }, ["lgtm:thanos.queryReplicas = 1.5", "whole number"]],
        ["replicas as text", { metrics: JSON.stringify({ alertmanagerReplicas: "three" }) }, ['lgtm:metrics.alertmanagerReplicas = "three"']],
        ["unknown Loki mode", { loki: JSON.stringify({ mode: "SimpleScalable" }) }, ['lgtm:loki.mode = "SimpleScalable"', "one of Monolithic, Distributed"]],
        ["Tempo retention in days", { tempo: JSON.stringify({ retention: "14d" }) }, ['lgtm:tempo.retention = "14d"', "Tempo takes no days"]],
        ["malformed Grafana host", { grafana: JSON.stringify({ ingress: { enabled: true, host: "https://grafana.example.com/" } }) }, ["lgtm:grafana.ingress.host", "no scheme"]],
        ["ingress without host", { grafana: JSON.stringify({ ingress: { enabled: true } }) }, ["lgtm:grafana.ingress.host", "a host when ingress is enabled"]],
        ["prod without ingress host", { ...prod, grafana: undefined }, ["lgtm:grafana.ingress.host = (missing)"]],
        ["prod with ingress off", { ...prod, grafana: JSON.stringify({ ingress: { enabled: false } }) }, ["lgtm:grafana.ingress.enabled = false", "prod"]],
        [
            "prod Grafana without TLS",
            { ...prod, grafana: JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com" } }) },
            ["lgtm:grafana.ingress.tlsSecretName = (missing): expected a TLS Secret in Grafana's namespace, or grafana.ingress.issuer {kind, name}", "in the prod profile (over plain HTTP the admin login"],
        ],
        [
            "an issuer without a host",
            { grafana: JSON.stringify({ ingress: { enabled: true, issuer: { kind: "ClusterIssuer", name: "letsencrypt" } } }) },
            ["lgtm:grafana.ingress.host = (missing)", "cert-manager also requests the certificate for", "grafana.ingress.issuer is set"],
        ],
        [
            "an issuer with the ingress off",
            { grafana: JSON.stringify({ ingress: { enabled: false, host: "g.example.com", issuer: { kind: "ClusterIssuer", name: "letsencrypt" } } }) },
            ["lgtm:grafana.ingress.issuer = ", "no issuer while grafana.ingress.enabled is false"],
        ],
        [
            "an issuer and an existing TLS Secret",
            { ...prod, grafana: JSON.stringify({ ingress: { enabled: true, host: "g.example.com", tlsSecretName: "grafana-tls", issuer: { kind: "ClusterIssuer", name: "letsencrypt" } } }) },
            ['lgtm:grafana.ingress.tlsSecretName = "grafana-tls"', "no tlsSecretName together with grafana.ingress.issuer", "issuer.secretName"],
        ],
        [
            "an issuer of an unknown kind",
            { grafana: JSON.stringify({ ingress: { enabled: true, host: "g.example.com", issuer: { kind: "clusterissuer", name: "letsencrypt" } } }) },
            ['lgtm:grafana.ingress.issuer.kind = "clusterissuer"', "one of ClusterIssuer, Issuer"],
        ],
        [
            "an issuer without a name",
            { grafana: JSON.stringify({ ingress: { enabled: true, host: "g.example.com", issuer: { kind: "Issuer" } } }) },
            ["lgtm:grafana.ingress.issuer.name = (missing)", "a Kubernetes object name"],
        ],
        [
            "an issuer name with capitals",
            { grafana: JSON.stringify({ ingress: { enabled: true, host: "g.example.com", issuer: { kind: "Issuer", name: "LetsEncrypt" } } }) },
            ['lgtm:grafana.ingress.issuer.name = "LetsEncrypt"', "a Kubernetes object name"],
        ],
        [
            "a misspelled issuer key",
            { grafana: JSON.stringify({ ingress: { enabled: true, host: "g.example.com", issuer: { kind: "Issuer", name: "ca", secret: "x" } } }) },
            ["lgtm:grafana.ingress.issuer.secret: unknown key"],
        ],
        [
            "several Grafanas on SQLite",
            { ...prod, grafana: grafanaWith({ replicas: 2 }) },
            [
                "lgtm:grafana.replicas = 2: expected 1 without grafana.database",
                "SQLite database is a file per pod, so several replicas diverge",
                "set grafana.database {type: postgres or mysql, host, name, user} and the secret grafanaDatabasePassword",
            ],
        ],
        ["no Grafana replica", { grafana: JSON.stringify({ replicas: 0 }) }, ["lgtm:grafana.replicas = 0", "at least 1"]],
        [
            "a database without its password",
            { ...prod, grafana: grafanaWith({ database: postgres }) },
            ["lgtm:grafanaDatabasePassword = (missing): expected the password of user grafana on Grafana's postgres database", "pulumi config set --secret lgtm:grafanaDatabasePassword <value>"],
        ],
        ["an empty database password", { ...prod, grafana: grafanaWith({ database: postgres }), grafanaDatabasePassword: "" }, ["lgtm:grafanaDatabasePassword = (empty)"]],
        [
            "a database password without a database",
            { grafanaDatabasePassword: databasePassword },
            ["lgtm:grafanaDatabasePassword = (secret, not shown): expected no value while grafana.database is not set", "pulumi config rm lgtm:grafanaDatabasePassword"],
        ],
        [
            "an unknown database type",
            { grafana: JSON.stringify({ database: { ...postgres, type: "sqlite3" } }), grafanaDatabasePassword: databasePassword },
            ['lgtm:grafana.database.type = "sqlite3"', "one of postgres, mysql"],
        ],
        [
            "a database host with a scheme",
            { grafana: JSON.stringify({ database: { ...postgres, host: "postgres://db.example.com" } }), grafanaDatabasePassword: databasePassword },
            ['lgtm:grafana.database.host = "postgres://db.example.com"', "host or host:port without a scheme"],
        ],
        [
            "a database without a host",
            { grafana: JSON.stringify({ database: { type: "mysql", name: "grafana", user: "grafana" } }), grafanaDatabasePassword: databasePassword },
            ["lgtm:grafana.database.host = (missing)", "host or host:port"],
        ],
        [
            "a database without a user",
            { grafana: JSON.stringify({ database: { type: "mysql", host: "db", name: "grafana" } }), grafanaDatabasePassword: databasePassword },
            ["lgtm:grafana.database.user = (missing)", "a user name"],
        ],
        [
            "a PostgreSQL TLS mode given to MySQL",
            { grafana: JSON.stringify({ database: { ...postgres, type: "mysql", sslMode: "require" } }), grafanaDatabasePassword: databasePassword },
            ['lgtm:grafana.database.sslMode = "require"', "one of false, true, skip-verify for type mysql"],
        ],
        [
            "a database in clear text in prod",
            { ...prod, grafana: grafanaWith({ database: { ...postgres, sslMode: "disable" } }), grafanaDatabasePassword: databasePassword },
            ['lgtm:grafana.database.sslMode = "disable"', "expected one of require, verify-ca, verify-full in the prod profile"],
        ],
        [
            "a Grafana volume asked for beside a database",
            { ...prod, grafana: grafanaWith({ persistence: true, database: postgres }), grafanaDatabasePassword: databasePassword },
            ["lgtm:grafana.persistence = true: expected false or unset with grafana.database"],
        ],
        ["sub-path with trailing slash", { grafana: JSON.stringify({ subPath: "/grafana/" }) }, ['lgtm:grafana.subPath = "/grafana/"']],
        ["namespace that is not a DNS label", { namespaces: JSON.stringify({ logs: "Logs_NS" }) }, ['lgtm:namespaces.logs = "Logs_NS"', "DNS label"]],
        ["bucket name with capitals", { objectStorage: JSON.stringify({ buckets: { tempo: "Tempo" } }) }, ['lgtm:objectStorage.buckets.tempo = "Tempo"', "S3 bucket name"]],
        ["two consumers sharing a bucket", { objectStorage: JSON.stringify({ buckets: { tempo: "loki-chunks" } }) }, ["lgtm:objectStorage.buckets", "four distinct bucket names"]],
        ["distributed MinIO with too few pods", { objectStorage: JSON.stringify({ minio: { mode: "distributed", replicas: 2 } }) }, ["lgtm:objectStorage.minio.replicas = 2", "at least 4"]],
        ["unknown object storage type", { objectStorage: JSON.stringify({ type: "s3" }) }, ['lgtm:objectStorage.type = "s3"', "one of minio", "external"]],
        [
            "external storage without an endpoint",
            { objectStorage: JSON.stringify({ type: "external" }), ...credentials },
            ["lgtm:objectStorage.external.endpoint = (missing)", "the S3 endpoint when objectStorage.type is external", "host or host:port"],
        ],
        [
            "an endpoint with a scheme",
            { ...prod, objectStorage: s3({ endpoint: "https://s3.us-east-1.amazonaws.com" }) },
            ['lgtm:objectStorage.external.endpoint = "https://s3.us-east-1.amazonaws.com"', "without a scheme", "objectStorage.external.tls"],
        ],
        ["an endpoint with a path", { ...prod, objectStorage: s3({ endpoint: "storage.example.com/s3" }) }, ['lgtm:objectStorage.external.endpoint = "storage.example.com/s3"', "host or host:port"]],
        ["an endpoint with a port out of range", { ...prod, objectStorage: s3({ endpoint: "ceph.example.com:70000" }) }, ["a port between 1 and 65535"]],
        ["TLS as text", { ...prod, objectStorage: s3({ tls: "yes" }) }, ['lgtm:objectStorage.external.tls = "yes"', "true or false"]],
        ["a misspelled external key", { ...prod, objectStorage: s3({ pathStyle: true }) }, ["lgtm:objectStorage.external.pathStyle: unknown key"]],
        ["prod reaching S3 without TLS", { ...prod, objectStorage: s3({ tls: false }) }, ["lgtm:objectStorage.external.tls = false", "expected true in the prod profile"]],
        [
            "an AWS endpoint of another region",
            { ...prod, objectStorage: s3({ endpoint: "s3.eu-west-1.amazonaws.com" }) },
            ['lgtm:objectStorage.region = "us-east-1"', 'expected "eu-west-1"', "s3.eu-west-1.amazonaws.com"],
        ],
        [
            "external storage without credentials",
            { ...prod, objectStorageAccessKeyId: undefined, objectStorageSecretAccessKey: undefined },
            [
                "lgtm:objectStorageAccessKeyId = (missing): expected the access key id",
                "pulumi config set --secret lgtm:objectStorageAccessKeyId <value>",
                "lgtm:objectStorageSecretAccessKey = (missing): expected the secret access key",
            ],
        ],
        ["an empty secret access key", { ...prod, objectStorageSecretAccessKey: "" }, ["lgtm:objectStorageSecretAccessKey = (empty)"]],
        [
            "MinIO's root user without its password",
            { objectStorageAccessKeyId: "minio-admin" },
            [
                "lgtm:objectStorageAccessKeyId = (secret, not shown): expected together with objectStorageSecretAccessKey while objectStorage.type is minio",
                "pulumi config set --secret lgtm:objectStorageSecretAccessKey <value>",
                "pulumi config rm lgtm:objectStorageAccessKeyId",
            ],
        ],
        ["MinIO's root password without its user", { objectStorageSecretAccessKey: secretAccessKey }, ["lgtm:objectStorageSecretAccessKey = (secret, not shown): expected together with objectStorageAccessKeyId"]],
        ["a MinIO root user under 3 characters", { ...minioRoot, objectStorageAccessKeyId: "ab" }, ["lgtm:objectStorageAccessKeyId = (secret, not shown): expected at least 3 characters, as MinIO's root user"]],
        [
            "a MinIO root password under 8 characters",
            { ...minioRoot, objectStorageSecretAccessKey: "short-7" },
            ["lgtm:objectStorageSecretAccessKey = (secret, not shown): expected at least 8 characters, as MinIO's root password"],
        ],
        ["an empty MinIO root password", { ...minioRoot, objectStorageSecretAccessKey: "" }, ["lgtm:objectStorageSecretAccessKey = (empty): expected at least 8 characters"]],
        [
            "a MinIO root user with a space",
            { ...minioRoot, objectStorageAccessKeyId: "minio admin" },
            ['lgtm:objectStorageAccessKeyId = (secret, not shown): expected an S3 key without whitespace, control characters or "{{"/"}}"'],
        ],
        ["an external secret key with a line break", { ...prod, objectStorageSecretAccessKey: `${secretAccessKey}\n` }, ["lgtm:objectStorageSecretAccessKey = (secret, not shown): expected an S3 key without whitespace"]],
        [
            "an external access key id with a control character",
            { ...prod, objectStorageAccessKeyId: `${accessKeyId}\u0007` },
            ["lgtm:objectStorageAccessKeyId = (secret, not shown): expected an S3 key without whitespace, control characters"],
        ],
        [
            "a MinIO root password with a Helm template",
            { ...minioRoot, objectStorageSecretAccessKey: "pass{{ .Values }}word" },
            ["lgtm:objectStorageSecretAccessKey = (secret, not shown): expected an S3 key without", '"{{"'],
        ],
        ["a Grafana admin password under 12 characters", { grafanaAdminPassword: "eleven-char" }, ["lgtm:grafanaAdminPassword = (secret, not shown): expected at least 12 characters", "remove it to have one generated"]],
        // Counted in characters: this emoji is two UTF-16 units, so the text is 12 units long.
        ["a Grafana admin password of 11 characters, one of them an emoji", { grafanaAdminPassword: "\u{1F511}0123456789" }, ["lgtm:grafanaAdminPassword = (secret, not shown): expected at least 12 characters"]],
        ["an empty Grafana admin password", { grafanaAdminPassword: "" }, ["lgtm:grafanaAdminPassword = (empty): expected at least 12 characters"]],
        ["a Grafana admin password with a line break", { grafanaAdminPassword: "twelve-chars-and\nmore" }, ["lgtm:grafanaAdminPassword = (secret, not shown): expected no control characters"]],
        [
            "standalone MinIO in prod",
            { ...prod, objectStorage: JSON.stringify({ type: "minio", minio: { mode: "standalone" } }), ...noCredentials() },
            ['lgtm:objectStorage.minio.mode = "standalone"', "distributed in the prod profile"],
        ],
        ["one Prometheus in prod", { ...prod, metrics: JSON.stringify({ prometheusReplicas: 1 }) }, ["lgtm:metrics.prometheusReplicas = 1: expected at least 2 in the prod profile", "stop being scraped"]],
        ["one Alertmanager in prod", { ...prod, metrics: JSON.stringify({ alertmanagerReplicas: 1 }) }, ["lgtm:metrics.alertmanagerReplicas = 1: expected at least 2 in the prod profile"]],
        ["one Thanos query in prod", { ...prod, thanos: JSON.stringify({ queryReplicas: 1 }) }, ["lgtm:thanos.queryReplicas = 1: expected at least 2 in the prod profile"]],
        ["one Thanos store gateway in prod", { ...prod, thanos: JSON.stringify({ storeGatewayReplicas: 1 }) }, ["lgtm:thanos.storeGatewayReplicas = 1: expected at least 2 in the prod profile"]],
        ["Monolithic Loki in prod", { ...prod, loki: JSON.stringify({ mode: "Monolithic", replicationFactor: 1 }) }, ['lgtm:loki.mode = "Monolithic": expected Distributed in the prod profile']],
        [
            "Grafana on SQLite without its volume in prod",
            { ...prod, grafana: JSON.stringify({ ingress: prodIngress, persistence: false }) },
            ["lgtm:grafana.persistence = false: expected true in the prod profile without grafana.database"],
        ],
        [
            "unversioned MinIO in prod",
            { ...prod, objectStorage: JSON.stringify({ type: "minio", minio: { versioning: false } }), ...noCredentials() },
            ["lgtm:objectStorage.minio.versioning = false", "expected true in the prod profile"],
        ],
        ["unknown Tempo mode", { tempo: JSON.stringify({ mode: "microservices" }) }, ['lgtm:tempo.mode = "microservices"', "one of monolithic, distributed"]],
        ["replication in monolithic Tempo", { tempo: JSON.stringify({ replicationFactor: 3 }) }, ["lgtm:tempo.replicationFactor = 3", "expected 1 (or unset) with tempo.mode monolithic"]],
        ["Tempo replication beyond the ingesters", { tempo: JSON.stringify({ mode: "distributed", replicationFactor: 5 }) }, ["lgtm:tempo.replicationFactor = 5", "at most 3, the ingester replicas of the dev profile"]],
        [
            "Loki replication beyond the ingesters",
            { loki: JSON.stringify({ mode: "Distributed", replicationFactor: 3 }) },
            ["lgtm:loki.replicationFactor = 3", "at most 1, the ingester replicas of the dev profile with loki.mode Distributed"],
        ],
        ["Tempo replication factor of zero", { tempo: JSON.stringify({ mode: "distributed", replicationFactor: 0 }) }, ["lgtm:tempo.replicationFactor = 0", "at least 1"]],
        ["replication in Monolithic Loki", { loki: JSON.stringify({ replicationFactor: 3 }) }, ["lgtm:loki.replicationFactor = 3", "Monolithic"]],
        ["volume size that is not a quantity", { loki: JSON.stringify({ volumeSize: "ten gigs" }) }, ['lgtm:loki.volumeSize = "ten gigs"', "Kubernetes quantity"]],
        ["multi-tenancy flag as text", { loki: JSON.stringify({ multiTenancy: "yes" }) }, ['lgtm:loki.multiTenancy = "yes"', "true or false"]],
        ["storage class with capitals", { storageClass: "Fast_SSD" }, ['lgtm:storageClass = "Fast_SSD"']],
        ["cluster name with spaces", { clusterName: "my cluster" }, ['lgtm:clusterName = "my cluster"']],
        ["agents sharing a restricted namespace", { namespaces: JSON.stringify({ agents: "monitoring" }) }, ["lgtm:namespaces.agents = monitoring", "namespaces.metrics", "restricted"]],
        ["Thanos raw retention shorter than the 5m downsampling delay", { thanos: JSON.stringify({ retention: { raw: "36h" } }) }, ["lgtm:thanos.retention.raw = 36h", "at least 40h"]],
        ["Thanos 5m retention shorter than the 1h downsampling delay", { thanos: JSON.stringify({ retention: { fiveMinutes: "1w" } }) }, ["lgtm:thanos.retention.fiveMinutes = 1w", "at least 10d"]],
        ["raw kept longer than 5m", { thanos: JSON.stringify({ retention: { raw: "60d", fiveMinutes: "30d" } }) }, ["lgtm:thanos.retention.raw = 60d", "at most thanos.retention.fiveMinutes (30d)"]],
        ["5m kept longer than 1h", { thanos: JSON.stringify({ retention: { fiveMinutes: "1y", oneHour: "90d" } }) }, ["lgtm:thanos.retention.fiveMinutes = 1y", "at most thanos.retention.oneHour (90d)"]],
        ["raw kept forever but 5m not", { thanos: JSON.stringify({ retention: { raw: "0d" } }) }, ["lgtm:thanos.retention.raw = 0d", "at most thanos.retention.fiveMinutes"]],
        ["Prometheus local retention under 6h", { metrics: JSON.stringify({ retention: "4h" }) }, ["lgtm:metrics.retention = 4h", "at least 6h"]],
        ["an ingest rate of zero", { loki: JSON.stringify({ expectedIngestMBps: 0 }) }, ["lgtm:loki.expectedIngestMBps = 0", "at least 0.1 MB/s"]],
        ["an ingest rate as text", { tempo: JSON.stringify({ expectedIngestMBps: "5MB" }) }, ['lgtm:tempo.expectedIngestMBps = "5MB"', "MB/s"]],
        ["a negative ingest rate", { ...prod, loki: JSON.stringify({ expectedIngestMBps: -10 }) }, ["lgtm:loki.expectedIngestMBps = -10", "at least 0.1 MB/s"]],
        ["an ingest rate beyond what one stack sizes", { ...prod, tempo: JSON.stringify({ expectedIngestMBps: 5000 }) }, ["lgtm:tempo.expectedIngestMBps = 5000", "at most 1000 MB/s"]],
        ["Slack webhook without a channel", { slackWebhookUrl: "https://hooks.slack.example/T1" }, ["lgtm:alerting.slackChannel = (missing)", "slackWebhookUrl is set"]],
        ["Slack channel without its webhook", { alerting: JSON.stringify({ slackChannel: "#alerts" }) }, ["lgtm:alerting.slackChannel = #alerts", "pulumi config set --secret lgtm:slackWebhookUrl"]],
        ["NetworkPolicies switch as text", { network: JSON.stringify({ policies: "yes" }) }, ['lgtm:network.policies = "yes"', "true or false"]],
        ["an API server range with host bits", { network: JSON.stringify({ apiServerCidrs: ["10.0.0.1/24"] }) }, ['lgtm:network.apiServerCidrs.0 = "10.0.0.1/24"', "not 10.0.0.1/24"]],
        ["an API server address without a prefix", { network: JSON.stringify({ apiServerCidrs: ["172.18.0.2"] }) }, ['lgtm:network.apiServerCidrs.0 = "172.18.0.2"', "IPv4 or IPv6 CIDR"]],
        ["no API server range at all", { network: JSON.stringify({ apiServerCidrs: [] }) }, ["lgtm:network.apiServerCidrs = []", "at least one CIDR"]],
        ["API server ranges as one string", { network: JSON.stringify({ apiServerCidrs: "10.0.0.0/8" }) }, ['lgtm:network.apiServerCidrs = "10.0.0.0/8"', "a list of CIDRs"]],
        ["an object storage range with host bits", { ...prod, network: JSON.stringify({ objectStorageCidrs: ["52.216.0.1/15"] }) }, ['lgtm:network.objectStorageCidrs.0 = "52.216.0.1/15"', "IPv4 or IPv6 CIDR"]],
        ["no object storage range at all", { ...prod, network: JSON.stringify({ objectStorageCidrs: [] }) }, ["lgtm:network.objectStorageCidrs = []", "at least one CIDR (the object store must stay reachable)"]],
        [
            "the demo in a platform namespace",
            { demo: JSON.stringify({ enabled: true }), namespaces: JSON.stringify({ demo: "monitoring" }) },
            ["lgtm:namespaces.demo = monitoring: expected a namespace of its own (also used by namespaces.objectStorage", "outside traffic"],
        ],
        ["an ingress namespace label key with spaces", { network: JSON.stringify({ ingressNamespaceSelector: { "my team": "x" } }) }, ["lgtm:network.ingressNamespaceSelector.my team: not a valid key", "a label key"]],
        ["an ingress namespace label value starting with '-'", { network: JSON.stringify({ ingressNamespaceSelector: { team: "-web" } }) }, ['lgtm:network.ingressNamespaceSelector.team = "-web"', "a label value"]],
        ["Slack channel that is not a channel", { alerting: JSON.stringify({ slackChannel: "Platform Alerts" }) }, ['lgtm:alerting.slackChannel = "Platform Alerts"', "a Slack channel"]],
        [
            "a zone listed twice",
            { ...prod, zones: JSON.stringify(["eu-west-1a", "eu-west-1b", "eu-west-1a"]) },
            ['lgtm:zones = ["eu-west-1a","eu-west-1b","eu-west-1a"]: expected distinct zone names (eu-west-1a listed more than once)'],
        ],
        ["one zone", { ...prod, zones: JSON.stringify(["eu-west-1a"]) }, ['lgtm:zones = ["eu-west-1a"]: expected at least three zones, or none', "with 1 zone(s)", "remove lgtm:zones", "anti-affinity"]],
        [
            "two zones",
            { ...prod, zones: JSON.stringify(["eu-west-1a", "eu-west-1b"]) },
            ['lgtm:zones = ["eu-west-1a","eu-west-1b"]: expected at least three zones, or none', "one copy of each log stream in each of three zones"],
        ],
        ["zones with Monolithic Loki", { zones: JSON.stringify(["a", "b", "c"]) }, ['lgtm:zones = ["a","b","c"]: expected no zones with loki.mode Monolithic', "set loki.mode Distributed, or remove lgtm:zones"]],
        [
            "zones with a replication factor other than 3",
            { ...prod, zones: JSON.stringify(["a", "b", "c"]), loki: JSON.stringify({ replicationFactor: 2 }) },
            ["lgtm:loki.replicationFactor = 2: expected 3 when lgtm:zones is set"],
        ],
        ["a zone name that no node label can hold", { ...prod, zones: JSON.stringify(["eu-west-1a", "eu west 1b", "eu-west-1c"]) }, ['lgtm:zones.1 = "eu west 1b": expected a zone name', "topology.kubernetes.io/zone"]],
        ["zones as one name", { ...prod, zones: "eu-west-1a" }, ['lgtm:zones = "eu-west-1a": expected a list', "not JSON"]],
        ["zones as a map", { ...prod, zones: JSON.stringify({ a: "eu-west-1a" }) }, ['lgtm:zones = {"a":"eu-west-1a"}: expected a list (a YAML sequence']],
        ["demo in prod", { ...prod, demo: JSON.stringify({ enabled: true }) }, ["lgtm:demo.enabled = true", "expected false in the prod profile", "only with profile dev"]],
        ["demo flag as text", { demo: JSON.stringify({ enabled: "yes" }) }, ['lgtm:demo.enabled = "yes"', "true or false"]],
        ["misspelled demo key", { demo: JSON.stringify({ enable: true }) }, ["lgtm:demo.enable: unknown key"]],
        ["demo namespace that is not a DNS label", { namespaces: JSON.stringify({ demo: "Demo" }) }, ['lgtm:namespaces.demo = "Demo"', "DNS label"]],
        ["a chart mirror without a scheme", chartsAt({ mirror: "charts.example.com" }), ['lgtm:charts.mirror = "charts.example.com": expected ' + mirrorAccepted]],
        ["a chart mirror of another scheme", chartsAt({ mirror: "ftp://charts.example.com/" }), ['lgtm:charts.mirror = "ftp://charts.example.com/"', "scheme http, https or oci, not ftp"]],
        ["an OCI chart mirror without a host", chartsAt({ mirror: "oci:///helm-charts" }), ['lgtm:charts.mirror = "oci:///helm-charts"', "with a host after the scheme's //"]],
        ["a chart mirror with a query", chartsAt({ mirror: "https://charts.example.com/?channel=stable" }), ["lgtm:charts.mirror", "without a query or fragment"]],
        ["a chart mirror with a fragment", chartsAt({ mirror: "https://charts.example.com/#top" }), ["lgtm:charts.mirror", "without a query or fragment"]],
        ["a chart mirror with Helm template delimiters", chartsAt({ mirror: "https://{{ .Values.host }}/charts" }), ["lgtm:charts.mirror", "without Helm template delimiters {{ }}"]],
        ["a chart mirror that is not text", chartsAt({ mirror: 443 }), ["lgtm:charts.mirror = 443: expected " + mirrorAccepted]],
        ["a relative charts directory", chartsAt({ directory: "charts" }), ['lgtm:charts.directory = "charts": expected an absolute path such as /srv/helm-charts', "<name>-<version>.tgz or <name>/<version>/"]],
        [
            "a chart mirror and a directory",
            chartsAt({ mirror: "https://charts.example.com/", directory: "/srv/helm-charts" }),
            ['lgtm:charts.directory = "/srv/helm-charts": expected no directory together with charts.mirror'],
        ],
        ["a misspelled charts key", chartsAt({ repository: "https://charts.example.com/" }), ["lgtm:charts.repository: unknown key"]],
        ["charts as a URL", { charts: "https://charts.example.com/" }, ["lgtm:charts", "expected an object"]],
    ];
    for (const [title, raw, fragments] of cases) {
        it(`rejects ${title}`, () => rejects(raw, ...fragments));
    }

    it("rejects a webhook URL that is not a URL without echoing the secret", () => {
        assert.throws(
            () => parsePlatformConfig({ alertWebhookUrl: "token-abc123" }),
            (err: unknown) => err instanceof ConfigError && err.message.includes("lgtm:alertWebhookUrl = (secret, not shown)") && !err.message.includes("token-abc123"),
        );
    });

    it("takes no zones by default, and three or more distinct zones for Distributed Loki with three copies", () => {
        assert.deepEqual(parsePlatformConfig({}).zones, []);
        assert.deepEqual(parsePlatformConfig(prod).zones, []);
        const three = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
        assert.deepEqual(parsePlatformConfig({ ...prod, zones: JSON.stringify(three) }).zones, three);
        assert.deepEqual(parsePlatformConfig({ ...prod, zones: JSON.stringify([...three, "eu-west-1d"]) }).zones, [...three, "eu-west-1d"]);
        assert.deepEqual(parsePlatformConfig({ ...prod, zones: "[]" }).zones, []);
    });

    it("accepts notification URLs as secret keys next to a Slack channel", () => {
        const c = parsePlatformConfig({ slackWebhookUrl: "https://hooks.slack.example/T1", alertWebhookUrl: "http://receiver.ops:8080/alerts", alerting: JSON.stringify({ slackChannel: "#platform-alerts" }) });
        assert.equal(c.alerting.slackChannel, "#platform-alerts");
    });

    it("turns NetworkPolicies on in prod and off in dev, open to the API server anywhere until narrowed", () => {
        const dev = parsePlatformConfig({});
        assert.equal(dev.network.policies, false);
        assert.deepEqual(dev.network.apiServerCidrs, ["0.0.0.0/0", "::/0"]);
        assert.equal(parsePlatformConfig(prod).network.policies, true);
        assert.deepEqual(parsePlatformConfig(prod).network.objectStorageCidrs, ["0.0.0.0/0", "::/0"]);
        const narrowed = parsePlatformConfig({
            network: JSON.stringify({ policies: true, apiServerCidrs: ["172.18.0.2/32", "fd00:10:96::1/128"], ingressNamespaceSelector: { "kubernetes.io/metadata.name": "ingress-nginx" } }),
        });
        assert.deepEqual(narrowed.network.apiServerCidrs, ["172.18.0.2/32", "fd00:10:96::1/128"]);
        const store = parsePlatformConfig({ ...prod, network: JSON.stringify({ objectStorageCidrs: ["52.216.0.0/15"] }) });
        assert.deepEqual(store.network.objectStorageCidrs, ["52.216.0.0/15"]);
        assert.deepEqual(narrowed.network.ingressNamespaceSelector, { "kubernetes.io/metadata.name": "ingress-nginx" });
    });

    it("accepts keeping every resolution forever (0), and equal retentions", () => {
        const forever = parsePlatformConfig({ thanos: JSON.stringify({ retention: { raw: "0d", fiveMinutes: "0d", oneHour: "0d" } }) });
        assert.deepEqual(forever.thanos.retention, { raw: "0d", fiveMinutes: "0d", oneHour: "0d" });
        const equal = parsePlatformConfig({ thanos: JSON.stringify({ retention: { raw: "30d", fiveMinutes: "30d", oneHour: "30d" } }) });
        assert.equal(equal.thanos.retention.oneHour, "30d");
    });

    it("measures Prometheus and Go durations", () => {
        assert.equal(durationSeconds("1w2d"), 9 * 86400);
        assert.equal(durationSeconds("1h30m"), 5400);
        assert.equal(durationSeconds("1500ms"), 1.5);
        assert.throws(() => durationSeconds("1h30"), /not a duration/);
    });

    it("accepts an S3-compatible service by path over TLS, and AWS endpoints in their region", () => {
        const ceph = parsePlatformConfig({ ...prod, objectStorage: s3({ endpoint: "rgw.storage.example.com:8443", forcePathStyle: true }, { region: "default" }) });
        assert.deepEqual(ceph.objectStorage.external, { endpoint: "rgw.storage.example.com:8443", tls: true, forcePathStyle: true });
        assert.equal(ceph.objectStorage.region, "default");
        for (const endpoint of ["s3.amazonaws.com", "s3.dualstack.us-east-1.amazonaws.com", "s3-fips.us-east-1.amazonaws.com"]) {
            assert.equal(parsePlatformConfig({ ...prod, objectStorage: s3({ endpoint }) }).objectStorage.external.endpoint, endpoint);
        }
    });

    it("prod keeps MinIO when asked, distributed over 4 versioned pods, without external credentials", () => {
        const c = parsePlatformConfig({ profile: "prod", grafana: prodHost, objectStorage: JSON.stringify({ type: "minio" }) });
        assert.deepEqual(c.objectStorage.minio, { mode: "distributed", replicas: 4, volumeSize: "100Gi", versioning: true });
    });

    it("never shows a secret value, whatever else is wrong", () => {
        const problems = [
            { ...prod, objectStorage: s3({ endpoint: "http://bad" }) },
            { objectStorageSecretAccessKey: secretAccessKey, objectStorage: JSON.stringify({ type: "minio" }) },
            { objectStorageAccessKeyId: accessKeyId, objectStorageSecretAccessKey: `${secretAccessKey} {{` },
            { objectStorageAccessKeyId: "ab", objectStorageSecretAccessKey: secretAccessKey },
            { ...prod, objectStorageSecretAccessKey: secretAccessKey, objectStorageAccessKeyId: accessKeyId, metrics: "not json", retension: "1d" },
        ];
        for (const raw of problems) {
            assert.throws(
                () => parsePlatformConfig(raw),
                (err: unknown) => err instanceof ConfigError && !err.message.includes(secretAccessKey) && !err.message.includes(accessKeyId),
            );
        }
    });

    it("requires the credentials only for a deployment: the render tool may check a stack file before they are set", () => {
        const raw = { ...prod, ...noCredentials() };
        assert.equal(parsePlatformConfig(raw, "lgtm:", { allowUnsetSecrets: true }).objectStorage.type, "external");
        assert.deepEqual(requiredSecretKeys(parsePlatformConfig(raw, "lgtm:", { allowUnsetSecrets: true })), ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"]);
        assert.deepEqual(requiredSecretKeys(parsePlatformConfig({})), []);
    });

    it("hands the external store's credentials over as Pulumi secrets", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const asked: string[] = [];
        const read = (key: string) => (key.startsWith("objectStorage") ? (asked.push(key), pulumi.secret(`value of ${key}`)) : undefined);
        const secrets = platformSecrets(parsePlatformConfig(prod), read);
        assert.deepEqual(asked, ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"]);
        assert.ok(secrets.objectStorage.type === "external");
        assert.equal(secrets.objectStorage.external.endpoint, "s3.us-east-1.amazonaws.com", "with the settings of its type");
        assert.equal(await pulumi.isSecret(secrets.objectStorage.credentials.secretAccessKey), true);
        const { objectStorage, ...others } = platformSecrets(parsePlatformConfig({}), () => undefined);
        assert.ok(objectStorage.type === "minio");
        assert.deepEqual([objectStorage.rootCredentials, others], [undefined, {}], "nothing set: MinIO's root credentials are generated");
    });

    it("takes MinIO's root credentials and Grafana's admin password from the operator, as Pulumi secrets, or none to generate them", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const raw: RawConfig = { ...minioRoot, grafanaAdminPassword };
        const config = parsePlatformConfig(raw);
        assert.equal(config.objectStorage.type, "minio");
        assert.deepEqual(requiredSecretKeys(config), [], "optional: generated when unset");
        const secrets = platformSecrets(config, (key) => (raw[key] === undefined ? undefined : pulumi.secret(raw[key]!)));
        assert.ok(secrets.objectStorage.type === "minio");
        const root = secrets.objectStorage.rootCredentials;
        assert.ok(root);
        for (const output of [root.accessKeyId, root.secretAccessKey, secrets.grafanaAdminPassword!]) {
            assert.equal(await pulumi.isSecret(output), true);
        }
        assert.deepEqual(await new Promise((resolve) => pulumi.all([root.accessKeyId, root.secretAccessKey, secrets.grafanaAdminPassword!]).apply(resolve)), [
            minioRoot.objectStorageAccessKeyId,
            minioRoot.objectStorageSecretAccessKey,
            grafanaAdminPassword,
        ]);
        // The shortest that MinIO and the Grafana rule accept.
        parsePlatformConfig({ objectStorageAccessKeyId: "abc", objectStorageSecretAccessKey: "12345678", grafanaAdminPassword: "pässwörd-ßüñ" });
        assert.throws(() => platformSecrets(config, (key) => (key === "objectStorageAccessKeyId" ? pulumi.secret("minio-admin") : undefined)), /set without the other/);
    });

    it("accepts TLS from a cert-manager issuer, with or without a Secret name of its own", () => {
        const issued = parsePlatformConfig({ ...prod, grafana: JSON.stringify({ ingress: { enabled: true, host: "g.example.com", issuer: { kind: "ClusterIssuer", name: "letsencrypt-prod" } } }) });
        assert.deepEqual(issued.grafana.ingress.issuer, { kind: "ClusterIssuer", name: "letsencrypt-prod" });
        const named = parsePlatformConfig({ grafana: JSON.stringify({ ingress: { enabled: true, host: "g.example.com", issuer: { kind: "Issuer", name: "ca.internal", secretName: "g-cert" } } }) });
        assert.deepEqual(named.grafana.ingress.issuer, { kind: "Issuer", name: "ca.internal", secretName: "g-cert" });
    });

    it("accepts several Grafanas on an external database, encrypted by default, with no volume of their own", () => {
        const c = parsePlatformConfig({ ...prod, grafana: grafanaWith({ replicas: 3, database: postgres }), grafanaDatabasePassword: databasePassword });
        assert.equal(c.grafana.replicas, 3);
        assert.deepEqual(c.grafana.database, { ...postgres, sslMode: "require" });
        assert.equal(parsePlatformConfig({ grafana: JSON.stringify({ database: { ...postgres, type: "mysql" } }), grafanaDatabasePassword: databasePassword }).grafana.database!.sslMode, "skip-verify");
        assert.equal(
            parsePlatformConfig({ grafana: JSON.stringify({ database: { ...postgres, sslMode: "disable" } }), grafanaDatabasePassword: databasePassword }).grafana.database!.sslMode,
            "disable",
            "dev may talk to a local database in clear text",
        );
        assert.deepEqual([parsePlatformConfig({}).grafana.replicas, parsePlatformConfig(prod).grafana.replicas], [1, 1]);
    });

    it("never shows the database password", () => {
        for (const raw of [{ grafanaDatabasePassword: databasePassword }, { ...prod, grafana: grafanaWith({ replicas: 2, database: { ...postgres, sslMode: "disable" } }), grafanaDatabasePassword: databasePassword }]) {
            assert.throws(
                () => parsePlatformConfig(raw),
                (err: unknown) => err instanceof ConfigError && !err.message.includes(databasePassword),
            );
        }
    });

    it("requires the database password with a database, and hands it over as a Pulumi secret", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const raw = { ...prod, grafana: grafanaWith({ database: postgres }) };
        const config = parsePlatformConfig(raw, "lgtm:", { allowUnsetSecrets: true });
        assert.deepEqual(requiredSecretKeys(config), ["objectStorageAccessKeyId", "objectStorageSecretAccessKey", "grafanaDatabasePassword"]);
        const secrets = platformSecrets(config, (key) => pulumi.secret(`value of ${key}`));
        assert.equal(await pulumi.isSecret(secrets.grafanaDatabasePassword!), true);
        assert.equal(platformSecrets(parsePlatformConfig(prod), (key) => pulumi.secret(`value of ${key}`)).grafanaDatabasePassword, undefined);
        assert.throws(() => platformSecrets(config, (key) => (key === "grafanaDatabasePassword" ? undefined : pulumi.secret(key))), /grafanaDatabasePassword is not set/);
    });

    it("takes every chart from upstream by default, else from the mirror or directory the stack names", () => {
        assert.equal(parsePlatformConfig({}).charts, undefined);
        assert.equal(parsePlatformConfig({ ...prod }).charts, undefined);
        for (const mirror of ["https://charts.internal.example.com/", "http://127.0.0.1:8879", "oci://registry.example.com/helm-charts"]) {
            assert.deepEqual(parsePlatformConfig(chartsAt({ mirror })).charts, { mirror });
        }
        assert.deepEqual(parsePlatformConfig(chartsAt({ directory: "/srv/helm-charts" })).charts, { directory: "/srv/helm-charts" });
    });

    it("refuses credentials in a chart mirror's URL without showing them, and says where they belong", () => {
        for (const mirror of ["https://ci:hunter2@charts.example.com/", "oci://robot:hunter2@registry.example.com/helm-charts"]) {
            assert.throws(
                () => parsePlatformConfig(chartsAt({ mirror })),
                (err: unknown) => {
                    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
                    assert.ok(!err.message.includes("hunter2") && !err.message.includes("robot") && !err.message.includes("//ci"), err.message);
                    assert.match(err.message, /lgtm:charts\.mirror = "(https|oci):\/\/<credentials not shown>@/);
                    assert.match(err.message, /without user name or password .*repository secret .*helm registry login/);
                    return true;
                },
            );
        }
    });

    it("judges chart mirrors as Helm parses them (WHATWG URLs)", () => {
        for (const ok of ["https://charts.example.com", "https://charts.example.com:8443/helm/stable/", "http://[::1]:8879/", "oci://ghcr.io/acme/helm-charts"]) {
            assert.equal(chartMirrorProblem(ok), undefined, ok);
        }
        for (const bad of ["", "/srv/charts", "https://", "https://charts.example.com/?", "https:// charts.example.com", "mailto:charts@example.com", "https://:secret@charts.example.com/"]) {
            assert.ok(chartMirrorProblem(bad), `accepted ${JSON.stringify(bad)}`);
        }
    });

    it("needs every pinned chart in a charts directory, and names those it lacks", () => {
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-config-charts-"));
        try {
            for (const ref of Object.values(charts).slice(1)) fs.writeFileSync(path.join(directory, `${ref.name}-${ref.version}.tgz`), "");
            const config = parsePlatformConfig(chartsAt({ directory }));
            const [first] = Object.values(charts);
            assert.deepEqual(chartDirectoryProblems(config), [
                `charts.directory = ${JSON.stringify(directory)}: expected every pinned chart there as <name>-<version>.tgz or <name>/<version>/Chart.yaml; ` +
                    `missing ${first.name} ${first.version} (npm run fetch-charts -- --charts ${directory} pulls them)`,
            ]);
            fs.mkdirSync(path.join(directory, first.name, first.version), { recursive: true });
            fs.writeFileSync(path.join(directory, first.name, first.version, "Chart.yaml"), "");
            assert.deepEqual(chartDirectoryProblems(config), []);
        } finally {
            fs.rmSync(directory, { recursive: true, force: true });
        }
    });

    describe("a value is valid where it lands", () => {
        /** What an attacker types: a YAML line that redirects Loki's S3 traffic, and a template Helm would evaluate. */
        const injections = ["us-east-1\nendpoint: attacker.example.net:443", "{{ .Release.Namespace }}"];
        const refused: [key: string, values: unknown[], accepted: string][] = [
            ["objectStorage.region", [...injections, "US-East-1", "us east 1", "", "-us-east-1"], "an S3 region such as us-east-1"],
            ["objectStorage.buckets.tempo", [...injections, "tempo..traces", "192.168.10.1", "xn--tempo", "tempo-s3alias", "ab", "a".repeat(64), "-tempo"], "an S3 bucket name"],
            ["objectStorage.external.endpoint", injections, "host or host:port"],
            ["loki.tenant", [...injections, ".", "..", "team a", "team|b", "a".repeat(151), ""], "a Loki tenant ID"],
            ["namespaces.logs", injections, "a DNS label"],
            ["namespaces.logs", ["kube-system", "kube-public", "kube-node-lease", "default"], "a namespace of the platform's own"],
            ["namespaces.agents", ["kube-system"], "not one of the cluster's (kube-system, kube-public, kube-node-lease, default)"],
            ["grafana.ingress.host", [...injections, "grafana.example.com:443", "-grafana.example.com"], "a DNS host name"],
            ["grafana.ingress.tlsSecretName", injections, "a DNS label"],
            ["grafana.ingress.issuer.name", injections, "a Kubernetes object name"],
            ["grafana.subPath", [...injections, "/grafana/..", "/./grafana", "/{{x}}"], "a path such as /grafana"],
            ["grafana.database.host", injections, "host or host:port without a scheme"],
            ["grafana.database.user", injections, "a user name"],
            ["clusterName", [...injections, "prod-", "_prod"], "a label value"],
            ["kubeContext", ["{{ .Release.Namespace }}", "kind-}}"], "no Helm template delimiters {{ or }}"],
            ["storageClass", injections, "a DNS label"],
            ["zones.0", injections, "a zone name"],
            ["network.ingressNamespaceSelector.team", injections, "a label value"],
            ["alerting.slackChannel", ["{{ .CommonLabels.alertname }}", "#alerts\nhttp_config: {}"], "a Slack channel"],
        ];
        for (const [key, values, accepted] of refused) {
            it(`refuses ${key} = ${values.map((v) => JSON.stringify(v)).join(", ")}, naming the key and value`, () => {
                for (const value of values) {
                    const raw = key.startsWith("zones.") ? { zones: JSON.stringify([value, "b", "c"]) } : setting(key, value);
                    rejects(raw, `lgtm:${key} = ${JSON.stringify(value)}: expected`, accepted);
                }
            });
        }

        it("refuses the cluster's own namespace as the platform's default namespace, by its own key", () => {
            for (const namespace of ["kube-system", "default"]) rejects({ namespace }, `lgtm:namespace = "${namespace}": expected a namespace of the platform's own`);
            rejects({ namespace: "{{ .Release.Namespace }}" }, 'lgtm:namespace = "{{ .Release.Namespace }}": expected a DNS label');
        });

        it("lgtm:protectData: true unless set, whatever the profile (a switch to dev does not lift it); only true or false", () => {
            for (const profile of ["dev", "prod"]) assert.equal(parsePlatformConfig(profile === "prod" ? prod : { profile }).protectData, true, profile);
            assert.equal(parsePlatformConfig({ ...prod, profile: "dev" }).protectData, true, "prod's stack file switched to dev");
            assert.equal(parsePlatformConfig({ protectData: "false" }).protectData, false);
            rejects({ protectData: "no" }, 'lgtm:protectData = "no": expected true or false');
        });

        it("accepts values that are valid where they land", () => {
            for (const region of ["eu-west-3", "us-gov-west-1", "default", "garage"]) assert.equal(parsePlatformConfig(setting("objectStorage.region", region)).objectStorage.region, region);
            for (const tempo of ["logs.example-1", "abc", "a".repeat(63)]) assert.equal(parsePlatformConfig(setting("objectStorage.buckets.tempo", tempo)).objectStorage.buckets.tempo, tempo);
            for (const tenant of ["team_a(1)!*'", "..a", "a".repeat(150)]) assert.equal(parsePlatformConfig(setting("loki.tenant", tenant)).loki.tenant, tenant);
            assert.equal(parsePlatformConfig({ namespace: "kube-systems" }).namespaces.metrics, "kube-systems");
            assert.equal(parsePlatformConfig(setting("grafana.subPath", "/ops/grafana.v2")).grafana.subPath, "/ops/grafana.v2");
            assert.equal(parsePlatformConfig({ clusterName: "eu_prod.1" }).clusterName, "eu_prod.1");
        });
    });

    describe("durations in the grammar and range of their consumer", () => {
        const prometheus = "units y, w, d, h, m, s, ms, largest first, each at most once";
        const range = "fits in int64 nanoseconds";
        const refused: [key: string, value: string, accepted: string][] = [
            ["metrics.retention", "100d100d", prometheus],
            ["metrics.retention", "1h1d", prometheus],
            ["metrics.retention", "1.5d", prometheus],
            ["metrics.retention", "", prometheus],
            ["metrics.retention", "99999999999999999999y", range],
            ["metrics.retention", "293y", range],
            ["metrics.scrapeInterval", "30s30s", prometheus],
            ["thanos.retention.raw", "100d100d", prometheus],
            ["thanos.retention.oneHour", "99999999999999999999y", range],
            ["loki.retention", "7d7d", prometheus],
            ["loki.retention", "99999999999999999999y", range],
            ["tempo.retention", "14d", "Tempo takes no days"],
            ["tempo.retention", "2562048h", range],
            ["tempo.retention", "99999999999999999999h", range],
        ];
        for (const [key, value, accepted] of refused) {
            it(`refuses ${key} = ${JSON.stringify(value)}`, () => rejects(setting(key, value), `lgtm:${key} = ${JSON.stringify(value)}: expected`, accepted));
        }

        it("accepts Prometheus durations largest unit first, up to the int64 range, and Go durations for Tempo", () => {
            for (const retention of ["1d12h", "292y", "1y2w3d4h5m6s7ms", "36h"]) assert.equal(parsePlatformConfig(setting("metrics.retention", retention)).metrics.retention, retention);
            assert.equal(parsePlatformConfig(setting("loki.retention", "0")).loki.retention, "0");
            for (const retention of ["1h30m", "336h", "2562047h"]) assert.equal(parsePlatformConfig(setting("tempo.retention", retention)).tempo.retention, retention);
            assert.equal(durationSeconds("292y"), 292 * 365 * 86400);
        });
    });

    describe("contradictions say the fix", () => {
        const cases: [string, RawConfig, string[]][] = [
            ["a retention size that deletes blocks before upload", setting("metrics.retentionSize", "1B"), ["lgtm:metrics.retentionSize = 1B: expected at least 1GB", "Thanos sidecar"]],
            ["a retention size above 85% of the volume", setting("metrics.retentionSize", "5GB"), ["lgtm:metrics.retentionSize = 5GB: expected at most 85% of metrics.volumeSize 5Gi (4.2GB)", "raise metrics.volumeSize"]],
            ["an empty Prometheus volume", setting("metrics.volumeSize", "0"), ['lgtm:metrics.volumeSize = "0": expected a size of more than 0']],
            ["an empty MinIO volume", setting("objectStorage.minio.volumeSize", "0Gi"), ['lgtm:objectStorage.minio.volumeSize = "0Gi": expected a size of more than 0']],
            ["a negative volume", setting("loki.volumeSize", "-5Gi"), ['lgtm:loki.volumeSize = "-5Gi": expected a Kubernetes quantity']],
            ["Tempo retention of a nanosecond", setting("tempo.retention", "1ns"), ["lgtm:tempo.retention = 1ns: expected at least 1h", "compactor works in 1h windows"]],
            ["Tempo retention under an hour", setting("tempo.retention", "59m"), ["lgtm:tempo.retention = 59m: expected at least 1h"]],
            ["Loki retention under a day", setting("loki.retention", "12h"), ["lgtm:loki.retention = 12h: expected at least 24h, or 0"]],
            ["an ingest rate of one byte per second", setting("loki.expectedIngestMBps", 1e-7), ["lgtm:loki.expectedIngestMBps = 1e-7: expected at least 0.1 MB/s"]],
            ["a billion Prometheus replicas", setting("metrics.prometheusReplicas", 1e9), ["lgtm:metrics.prometheusReplicas = 1000000000: expected at most 100"]],
            ["a billion MinIO pods", setting("objectStorage.minio.replicas", 1e9), ["lgtm:objectStorage.minio.replicas = 1000000000: expected at most 100"]],
            [
                "an issuer writing into the admin Secret",
                setting("grafana.ingress", { enabled: true, host: "g.example.com", issuer: { kind: "ClusterIssuer", name: "letsencrypt", secretName: "grafana-admin" } }),
                ["lgtm:grafana.ingress.issuer.secretName = grafana-admin: expected another name than grafana-admin, the Secret the platform writes Grafana's admin login into", "name it e.g. grafana-tls"],
            ],
            [
                "a TLS Secret named like the database password's",
                { ...prod, grafana: grafanaWith({ ingress: { ...prodIngress, tlsSecretName: "grafana-database" } }) },
                ["lgtm:grafana.ingress.tlsSecretName = grafana-database: expected another name than grafana-database, the Secret the platform writes Grafana's database password into"],
            ],
        ];
        for (const [title, raw, fragments] of cases) {
            it(`rejects ${title}`, () => rejects(raw, ...fragments));
        }

        it("accepts a retention size up to 85% of the volume, and the floors themselves", () => {
            assert.equal(parsePlatformConfig(setting("metrics", { retentionSize: "8GB", volumeSize: "10Gi" })).metrics.retentionSize, "8GB");
            assert.equal(parsePlatformConfig(setting("metrics.retentionSize", "1GB")).metrics.retentionSize, "1GB");
            assert.equal(parsePlatformConfig(setting("tempo.retention", "1h")).tempo.retention, "1h");
            assert.equal(parsePlatformConfig(setting("loki.expectedIngestMBps", 0.1)).loki.expectedIngestMBps, 0.1);
            assert.equal(parsePlatformConfig(setting("metrics.prometheusReplicas", 100)).metrics.prometheusReplicas, 100);
        });
    });

    describe("generated bad values (seeded, bounded)", () => {
        /** Keys whose string reaches a chart, a config file, a label or a flag, each with a value valid there. */
        const landingKeys: [key: string, valid: string][] = [
            ["objectStorage.region", "us-east-1"],
            ["objectStorage.buckets.lokiChunks", "loki-chunks"],
            ["objectStorage.buckets.thanos", "thanos-metrics"],
            ["objectStorage.external.endpoint", "s3.us-east-1.amazonaws.com"],
            ["loki.tenant", "platform"],
            ["namespace", "monitoring"],
            ["namespaces.metrics", "monitoring"],
            ["namespaces.demo", "demo"],
            ["grafana.ingress.host", "grafana.example.com"],
            ["grafana.ingress.className", "nginx"],
            ["grafana.ingress.tlsSecretName", "grafana-tls"],
            ["grafana.ingress.issuer.name", "letsencrypt-prod"],
            ["grafana.ingress.issuer.secretName", "grafana-cert"],
            ["grafana.subPath", "/grafana"],
            ["grafana.database.host", "db.example.com:5432"],
            ["grafana.database.name", "grafana"],
            ["grafana.database.user", "grafana"],
            ["grafana.database.sslMode", "require"],
            ["clusterName", "prod"],
            ["storageClass", "fast-ssd"],
            ["alerting.slackChannel", "#alerts"],
            ["zones.0", "eu-west-1a"],
            ["network.ingressNamespaceSelector.team", "web"],
        ];
        /** Keys that reach no chart: only the template delimiters are refused. */
        const plainKeys: [key: string, valid: string][] = [["kubeContext", "kind-lgtm"]];
        const delimiters = ["{{", "}}", "{{ .Release.Namespace }}"];
        const breaking = [...delimiters, "\n", " ", "\t", '"', "\\", "\nendpoint: attacker.example.net:443"];
        const inserted = (keys: [string, string][], insertions: string[]) =>
            fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...insertions), fc.nat()).map(([[key, valid], insertion, at]) => {
                const value = valid.slice(0, at % (valid.length + 1)) + insertion + valid.slice(at % (valid.length + 1));
                // A database field among valid siblings, so that its own value is what is wrong.
                const field = key.startsWith("grafana.database.") ? key.slice("grafana.database.".length) : undefined;
                return { key, value: value as unknown, ...(field ? { raw: { grafana: JSON.stringify({ database: { ...postgres, sslMode: "require", [field]: value } }) } } : {}) };
            });

        const order = ["y", "w", "d", "h", "m", "s", "ms"];
        const count = fc.integer({ min: 1, max: 999 });
        const promKeys = ["metrics.retention", "metrics.scrapeInterval", "thanos.retention.raw", "thanos.retention.fiveMinutes", "thanos.retention.oneHour", "loki.retention"];
        const unitPair = fc.tuple(fc.nat({ max: order.length - 1 }), fc.nat({ max: order.length - 1 }));
        const promDurations = fc.oneof(
            // A unit twice, or a smaller unit before a larger one: Prometheus takes each once, largest first.
            fc.tuple(count, count, unitPair).map(([a, b, [i, j]]) => `${a}${order[Math.max(i, j)]}${b}${order[Math.min(i, j)]}`),
            // Beyond int64 nanoseconds (292 years and some).
            fc.bigInt({ min: 293n, max: 10n ** 30n }).map((n) => `${n}y`),
            fc.tuple(count, count, fc.constantFrom(...order)).map(([a, b, unit]) => `${a}.${b}${unit}`),
        );
        const goDurations = fc.oneof(
            fc.tuple(count, fc.constantFrom("d", "w", "y")).map(([n, unit]) => `${n}${unit}`),
            fc.bigInt({ min: 2562048n, max: 10n ** 30n }).map((n) => `${n}h`),
        );
        const replicaKeys = [
            "metrics.prometheusReplicas",
            "metrics.alertmanagerReplicas",
            "thanos.queryReplicas",
            "thanos.storeGatewayReplicas",
            "grafana.replicas",
            "objectStorage.minio.replicas",
            "loki.replicationFactor",
            "tempo.replicationFactor",
        ];
        const volumeKeys = ["metrics.volumeSize", "thanos.volumeSize", "loki.volumeSize", "tempo.volumeSize", "grafana.volumeSize", "objectStorage.minio.volumeSize"];
        const badCase = fc.oneof(
            inserted(landingKeys, breaking),
            inserted(plainKeys, delimiters),
            fc.tuple(fc.constantFrom(...promKeys), promDurations).map(([key, value]) => ({ key, value: value as unknown })),
            goDurations.map((value) => ({ key: "tempo.retention", value: value as unknown })),
            fc
                .tuple(
                    fc.constantFrom(...replicaKeys),
                    fc.oneof(
                        fc.integer({ min: 101, max: 2 ** 40 }),
                        fc.integer({ min: -(2 ** 40), max: 0 }),
                        fc.double({ min: 1.01, max: 99.99, noNaN: true }).filter((n) => !Number.isInteger(n)),
                    ),
                )
                .map(([key, value]) => ({ key, value: value as unknown })),
            fc
                .tuple(fc.constantFrom("loki.expectedIngestMBps", "tempo.expectedIngestMBps"), fc.oneof(fc.double({ min: -1e6, max: 0.0999, noNaN: true }), fc.double({ min: 1000.001, max: 1e12, noNaN: true })))
                .map(([key, value]) => ({ key, value: value as unknown })),
            fc.tuple(fc.constantFrom(...volumeKeys), fc.constantFrom("0", "0Gi", "0.0Mi", "-1Gi", "10 Gi", "10gb", "1e3Gi")).map(([key, value]) => ({ key, value: value as unknown })),
            fc
                .oneof(
                    fc.integer({ min: 0, max: 1023 }).map((n) => `${n}MB`),
                    fc.integer({ min: 43, max: 10 ** 6 }).map((n) => `${n}GB`),
                )
                .map((value) => ({ key: "metrics.retentionSize", value: value as unknown })),
            // Above 85% of the volume it is stated with: the WAL and compaction would fill the volume first.
            fc.tuple(fc.integer({ min: 2, max: 2000 }), fc.nat({ max: 10 ** 4 })).map(([gi, over]) => {
                const value = `${Math.floor((gi * 2 ** 30 * 0.85) / 1e9) + 1 + over}GB`;
                return { key: "metrics.retentionSize", value: value as unknown, raw: { metrics: JSON.stringify({ volumeSize: `${gi}Gi`, retentionSize: value }) } };
            }),
            // An interval Prometheus cannot keep (0, or below a second).
            fc
                .oneof(
                    fc.constantFrom("0", "0s", "0ms"),
                    fc.integer({ min: 1, max: 999 }).map((n) => `${n}ms`),
                )
                .map((value) => ({ key: "metrics.scrapeInterval", value: value as unknown })),
            // Tempo retention shorter than its blocks and compaction windows.
            fc
                .oneof(
                    fc.constantFrom("0", "1ns", "1us", "1ms"),
                    fc.integer({ min: 1, max: 59 }).map((n) => `${n}m`),
                    fc.integer({ min: 1, max: 3599 }).map((n) => `${n}s`),
                )
                .map((value) => ({ key: "tempo.retention", value: value as unknown })),
            fc.constantFrom(1e-7, 1e-300, 5e-324).map((value) => ({ key: "loki.expectedIngestMBps", value: value as unknown })),
            // The certificate's Secret named like one the platform writes (the admin login, the database password).
            fc.tuple(fc.constantFrom("grafana-admin", "grafana-database"), fc.boolean()).map(([name, issued]) => {
                const tls = issued ? { issuer: { kind: "ClusterIssuer", name: "letsencrypt-prod", secretName: name } } : { tlsSecretName: name };
                const key = issued ? "grafana.ingress.issuer.secretName" : "grafana.ingress.tlsSecretName";
                return { key, value: name as unknown, raw: { grafana: JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com", ...tls } }) } };
            }),
            fc.constantFrom("yes", "no", "1", "0", "True", "").map((value) => ({ key: "protectData", value: value as unknown, raw: { protectData: value } })),
        );

        it("refuses every generated bad value, naming the key and the value and never a secret", () => {
            fc.assert(
                fc.property(badCase, fc.boolean(), (bad: { key: string; value: unknown; raw?: RawConfig }, onProd) => {
                    const { key, value } = bad;
                    const change = bad.raw ?? (key.startsWith("zones.") ? { zones: JSON.stringify([value, "eu-west-1b", "eu-west-1c"]) } : setting(key, value));
                    const raw = { ...(onProd ? prod : {}), ...change };
                    assert.throws(
                        () => parsePlatformConfig(raw),
                        (err: unknown) => {
                            assert.ok(err instanceof ConfigError, `expected ConfigError for ${key} = ${JSON.stringify(value)}, got ${err}`);
                            const named = [`lgtm:${key} = ${JSON.stringify(value)}`, `lgtm:${key} = ${value}`].some((f) => err.message.includes(f));
                            assert.ok(named, `message does not name ${key} = ${JSON.stringify(value)}:\n${err.message}`);
                            assert.ok(!err.message.includes(secretAccessKey) && !err.message.includes(accessKeyId), `a secret in:\n${err.message}`);
                            return true;
                        },
                    );
                }),
                { seed: 15, numRuns: 400 },
            );
        });
    });

    it("loads both shipped stack files", () => {
        for (const stack of ["dev", "prod"]) {
            const { raw } = readStackConfig(projectDir, stack);
            assert.equal(parsePlatformConfig(raw, "lgtm:", { allowUnsetSecrets: true }).profile, stack);
        }
    });

    it("reports every problem at once", () => {
        rejects({ metrics: JSON.stringify({ retention: "5x", prometheusReplicas: 0 }) }, "lgtm:metrics.retention", "lgtm:metrics.prometheusReplicas");
    });

    async function programEntryRejects(config: Record<string, string>, fragment: string): Promise<void> {
        const pulumi = await import("@pulumi/pulumi");
        const registered: string[] = [];
        await pulumi.runtime.setMocks({ newResource: (a) => (registered.push(a.name), { id: a.name, state: a.inputs }), call: (a) => a.inputs }, "lgtm", "dev", false);
        pulumi.runtime.setAllConfig(config);
        try {
            await assert.rejects(import("../index"), (err: unknown) => err instanceof ConfigError && err.message.includes(fragment));
        } finally {
            pulumi.runtime.setAllConfig({});
        }
        assert.deepEqual(registered, []);
    }

    it("the program entry rejects bad config before registering any resource", async () => {
        await programEntryRejects({ "lgtm:metrics": JSON.stringify({ retention: "5x" }) }, "lgtm:metrics.retention");
    });

    it("the program entry rejects a region that would redirect Loki's S3 traffic before registering any resource", async () => {
        const region = "us-east-1\nendpoint: attacker.example.net:443";
        await programEntryRejects({ "lgtm:objectStorage": JSON.stringify({ region }) }, `lgtm:objectStorage.region = ${JSON.stringify(region)}: expected an S3 region`);
    });

    it("the program entry rejects external storage without credentials before registering any resource", async () => {
        const config = { "lgtm:profile": "prod", "lgtm:grafana": prodHost, "lgtm:objectStorage": s3(), "lgtm:objectStorageAccessKeyId": accessKeyId };
        await programEntryRejects(config, "lgtm:objectStorageSecretAccessKey = (missing)");
    });

    it("the program entry rejects a charts directory without the pinned charts before registering any resource", async () => {
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-config-charts-"));
        try {
            await programEntryRejects({ "lgtm:charts": JSON.stringify({ directory }) }, `lgtm:charts.directory = ${JSON.stringify(directory)}: expected every pinned chart there`);
        } finally {
            fs.rmSync(directory, { recursive: true, force: true });
        }
    });

    // Last of the program entry tests: a program that loads successfully stays loaded (module cache).
    it("the program entry reads the credentials from secret config and hands them to consumers as secrets", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const secrets = new Map<string, unknown>();
        await pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    if (a.type === "kubernetes:core/v1:Secret") secrets.set(a.inputs.metadata.name, a.inputs.stringData);
                    return { id: a.name, state: a.inputs };
                },
                call: (a) => a.inputs,
            },
            "lgtm",
            "prod",
            false,
        );
        const config = { "lgtm:profile": "prod", "lgtm:grafana": prodHost, "lgtm:objectStorage": s3(), "lgtm:objectStorageAccessKeyId": accessKeyId, "lgtm:objectStorageSecretAccessKey": secretAccessKey };
        pulumi.runtime.setAllConfig(config, ["lgtm:objectStorageAccessKeyId", "lgtm:objectStorageSecretAccessKey"]);
        try {
            const program = await import("../index");
            const storage = await new Promise<any>((resolve) => program.objectStorage!.apply(resolve));
            assert.equal(storage.type, "external");
            for (let i = 0; i < 100 && !secrets.has("tempo-s3-credentials"); i++) await new Promise((r) => setTimeout(r, 20));
        } finally {
            pulumi.runtime.setAllConfig({});
        }
        const stringData = secrets.get("tempo-s3-credentials");
        assert.ok(pulumi.runtime.isRpcSecret(stringData), "credentials stay secret");
        assert.deepEqual(pulumi.runtime.unwrapRpcSecret(stringData), { TEMPO_S3_ACCESS_KEY_ID: accessKeyId, TEMPO_S3_SECRET_ACCESS_KEY: secretAccessKey });
    });
});
