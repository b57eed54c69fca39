import { strict as assert } from "assert";
import { ConfigError, parsePlatformConfig, platformSecrets, RawConfig, requiredSecretKeys } from "../stacks/config";
import { durationSeconds } from "../stacks/durations";

const prodHost = JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com" } });
/** An external store as prod takes by default: AWS S3 in us-east-1, credentials set as secrets. */
const s3 = (external: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) =>
    JSON.stringify({ external: { endpoint: "s3.us-east-1.amazonaws.com", ...external }, ...rest });
const accessKeyId = "AKIAIOSFODNN7EXAMPLE";
const secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const credentials = { objectStorageAccessKeyId: accessKeyId, objectStorageSecretAccessKey: secretAccessKey };
const prod = { profile: "prod", grafana: prodHost, objectStorage: s3(), ...credentials };
const noCredentials = () => ({ objectStorageAccessKeyId: undefined, objectStorageSecretAccessKey: undefined });

function rejects(raw: RawConfig, ...fragments: string[]): void {
    assert.throws(
        () => parsePlatformConfig(raw),
        (err: unknown) => {
            assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
            for (const f of fragments) assert.ok(err.message.includes(f), `message lacks ${JSON.stringify(f)}:\n${err.message}`);
            return true;
        },
    );
}

describe("config validation", () => {
    it("dev with no config at all takes the dev profile", () => {
        const c = parsePlatformConfig({});
        assert.equal(c.profile, "dev");
        assert.equal(c.loki.mode, "Monolithic");
        assert.equal(c.namespaces.logs, "monitoring");
    });

    it("prod with a Grafana host and an S3 endpoint takes the prod profile", () => {
        const c = parsePlatformConfig(prod);
        assert.equal(c.objectStorage.type, "external");
        assert.deepEqual(c.objectStorage.external, { endpoint: "s3.us-east-1.amazonaws.com", tls: true, forcePathStyle: false });
        assert.equal(c.loki.mode, "Distributed");
        assert.equal(c.metrics.prometheusReplicas, 2);
        assert.equal(c.metrics.alertmanagerReplicas, 3);
        assert.equal(c.grafana.ingress.host, "grafana.example.com");
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
        ["sub-path with trailing slash", { grafana: JSON.stringify({ subPath: "/grafana/" }) }, ['lgtm:grafana.subPath = "/grafana/"']],
        ["namespace that is not a DNS label", { namespaces: JSON.stringify({ logs: "Logs_NS" }) }, ['lgtm:namespaces.logs = "Logs_NS"', "DNS label"]],
        ["bucket name with capitals", { objectStorage: JSON.stringify({ buckets: { tempo: "Tempo" } }) }, ['lgtm:objectStorage.buckets.tempo = "Tempo"', "S3 bucket name"]],
        ["two consumers sharing a bucket", { objectStorage: JSON.stringify({ buckets: { tempo: "loki-chunks" } }) }, ["lgtm:objectStorage.buckets", "four distinct bucket names"]],
        ["distributed MinIO with too few pods", { objectStorage: JSON.stringify({ minio: { mode: "distributed", replicas: 2 } }) }, ["lgtm:objectStorage.minio.replicas = 2", "at least 4"]],
        ["unknown object storage type", { objectStorage: JSON.stringify({ type: "s3" }) }, ['lgtm:objectStorage.type = "s3"', "one of minio", "external"]],
        ["external storage without an endpoint", { objectStorage: JSON.stringify({ type: "external" }), ...credentials }, ["lgtm:objectStorage.external.endpoint = (missing)", "when objectStorage.type is external"]],
        ["an endpoint with a scheme", { ...prod, objectStorage: s3({ endpoint: "https://s3.us-east-1.amazonaws.com" }) }, ['lgtm:objectStorage.external.endpoint = "https://s3.us-east-1.amazonaws.com"', "without a scheme", "objectStorage.external.tls"]],
        ["an endpoint with a path", { ...prod, objectStorage: s3({ endpoint: "storage.example.com/s3" }) }, ['lgtm:objectStorage.external.endpoint = "storage.example.com/s3"', "host or host:port"]],
        ["an endpoint with a port out of range", { ...prod, objectStorage: s3({ endpoint: "ceph.example.com:70000" }) }, ["a port between 1 and 65535"]],
        ["TLS as text", { ...prod, objectStorage: s3({ tls: "yes" }) }, ['lgtm:objectStorage.external.tls = "yes"', "true or false"]],
        ["a misspelled external key", { ...prod, objectStorage: s3({ pathStyle: true }) }, ["lgtm:objectStorage.external.pathStyle: unknown key"]],
        ["prod reaching S3 without TLS", { ...prod, objectStorage: s3({ tls: false }) }, ["lgtm:objectStorage.external.tls = false", "expected true in the prod profile"]],
        ["an AWS endpoint of another region", { ...prod, objectStorage: s3({ endpoint: "s3.eu-west-1.amazonaws.com" }) }, ['lgtm:objectStorage.region = "us-east-1"', 'expected "eu-west-1"', "s3.eu-west-1.amazonaws.com"]],
        ["external storage without credentials", { ...prod, objectStorageAccessKeyId: undefined, objectStorageSecretAccessKey: undefined }, [
            "lgtm:objectStorageAccessKeyId = (missing): expected the access key id",
            "pulumi config set --secret lgtm:objectStorageAccessKeyId <value>",
            "lgtm:objectStorageSecretAccessKey = (missing): expected the secret access key",
        ]],
        ["an empty secret access key", { ...prod, objectStorageSecretAccessKey: "" }, ["lgtm:objectStorageSecretAccessKey = (empty)"]],
        ["credentials while MinIO is the store", { ...credentials }, ["lgtm:objectStorageAccessKeyId = (secret, not shown): expected no value while objectStorage.type is minio", "pulumi config rm lgtm:objectStorageAccessKeyId"]],
        ["standalone MinIO in prod", { ...prod, objectStorage: JSON.stringify({ type: "minio", minio: { mode: "standalone" } }), ...noCredentials() }, ['lgtm:objectStorage.minio.mode = "standalone"', "distributed in the prod profile"]],
        ["unversioned MinIO in prod", { ...prod, objectStorage: JSON.stringify({ type: "minio", minio: { versioning: false } }), ...noCredentials() }, ["lgtm:objectStorage.minio.versioning = false", "expected true in the prod profile"]],
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
        ["an ingest rate of zero", { loki: JSON.stringify({ expectedIngestMBps: 0 }) }, ["lgtm:loki.expectedIngestMBps = 0", "more than 0 MB/s"]],
        ["an ingest rate as text", { tempo: JSON.stringify({ expectedIngestMBps: "5MB" }) }, ['lgtm:tempo.expectedIngestMBps = "5MB"', "MB/s"]],
        ["Slack webhook without a channel", { slackWebhookUrl: "https://hooks.slack.example/T1" }, ["lgtm:alerting.slackChannel = (missing)", "slackWebhookUrl is set"]],
        ["Slack channel without its webhook", { alerting: JSON.stringify({ slackChannel: "#alerts" }) }, ["lgtm:alerting.slackChannel = #alerts", "pulumi config set --secret lgtm:slackWebhookUrl"]],
        ["Slack channel that is not a channel", { alerting: JSON.stringify({ slackChannel: "Platform Alerts" }) }, ['lgtm:alerting.slackChannel = "Platform Alerts"', "a Slack channel"]],
        ["a zone listed twice", { ...prod, zones: JSON.stringify(["eu-west-1a", "eu-west-1b", "eu-west-1a"]) }, ['lgtm:zones = ["eu-west-1a","eu-west-1b","eu-west-1a"]: expected distinct zone names (eu-west-1a listed more than once)']],
        ["one zone", { ...prod, zones: JSON.stringify(["eu-west-1a"]) }, ['lgtm:zones = ["eu-west-1a"]: expected at least three zones, or none', "with 1 zone(s)", "remove lgtm:zones", "anti-affinity"]],
        ["two zones", { ...prod, zones: JSON.stringify(["eu-west-1a", "eu-west-1b"]) }, ['lgtm:zones = ["eu-west-1a","eu-west-1b"]: expected at least three zones, or none', "one copy of each log stream in each of three zones"]],
        ["zones with Monolithic Loki", { zones: JSON.stringify(["a", "b", "c"]) }, ['lgtm:zones = ["a","b","c"]: expected no zones with loki.mode Monolithic', "set loki.mode Distributed, or remove lgtm:zones"]],
        ["zones with a replication factor other than 3", { ...prod, zones: JSON.stringify(["a", "b", "c"]), loki: JSON.stringify({ replicationFactor: 2 }) }, ["lgtm:loki.replicationFactor = 2: expected 3 when lgtm:zones is set"]],
        ["a zone name that no node label can hold", { ...prod, zones: JSON.stringify(["eu-west-1a", "eu west 1b", "eu-west-1c"]) }, ['lgtm:zones.1 = "eu west 1b": expected a zone name', "topology.kubernetes.io/zone"]],
        ["zones as one name", { ...prod, zones: "eu-west-1a" }, ['lgtm:zones = "eu-west-1a": expected a list', "not JSON"]],
        ["zones as a map", { ...prod, zones: JSON.stringify({ a: "eu-west-1a" }) }, ["lgtm:zones = {\"a\":\"eu-west-1a\"}: expected a list (a YAML sequence"]],
        ["demo in prod", { ...prod, demo: JSON.stringify({ enabled: true }) }, ["lgtm:demo.enabled = true", "expected false in the prod profile", "only with profile dev"]],
        ["demo flag as text", { demo: JSON.stringify({ enabled: "yes" }) }, ['lgtm:demo.enabled = "yes"', "true or false"]],
        ["misspelled demo key", { demo: JSON.stringify({ enable: true }) }, ["lgtm:demo.enable: unknown key"]],
        ["demo namespace that is not a DNS label", { namespaces: JSON.stringify({ demo: "Demo" }) }, ['lgtm:namespaces.demo = "Demo"', "DNS label"]],
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
            { ...credentials, objectStorage: JSON.stringify({ type: "minio" }) },
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

    it("hands the credentials over as Pulumi secrets, and only for an external store", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const asked: string[] = [];
        const read = (key: string) => (key.startsWith("objectStorage") ? (asked.push(key), pulumi.secret(`value of ${key}`)) : undefined);
        const secrets = platformSecrets(parsePlatformConfig(prod), read);
        assert.deepEqual(asked, ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"]);
        assert.equal(await pulumi.isSecret(secrets.objectStorage!.secretAccessKey), true);
        assert.deepEqual(platformSecrets(parsePlatformConfig({}), read), {});
        assert.equal(asked.length, 2);
    });

    it("reports every problem at once", () => {
        rejects({ metrics: JSON.stringify({ retention: "5x", prometheusReplicas: 0 }) }, "lgtm:metrics.retention", "lgtm:metrics.prometheusReplicas");
    });

    async function programEntryRejects(config: Record<string, string>, fragment: string): Promise<void> {
        const pulumi = await import("@pulumi/pulumi");
        const registered: string[] = [];
        await pulumi.runtime.setMocks(
            { newResource: (a) => (registered.push(a.name), { id: a.name, state: a.inputs }), call: (a) => a.inputs },
            "lgtm",
            "dev",
            false,
        );
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

    it("the program entry rejects external storage without credentials before registering any resource", async () => {
        const config = { "lgtm:profile": "prod", "lgtm:grafana": prodHost, "lgtm:objectStorage": s3(), "lgtm:objectStorageAccessKeyId": accessKeyId };
        await programEntryRejects(config, "lgtm:objectStorageSecretAccessKey = (missing)");
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
            const storage = await new Promise<any>((resolve) => program.objectStorage.apply(resolve));
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
