import { strict as assert } from "assert";
import { ConfigError, parsePlatformConfig, RawConfig } from "../stacks/config";
import { durationSeconds } from "../stacks/durations";

const prodHost = JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com" } });

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

    it("prod with a Grafana host takes the prod profile", () => {
        const c = parsePlatformConfig({ profile: "prod", grafana: prodHost });
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
        ["prod without ingress host", { profile: "prod" }, ["lgtm:grafana.ingress.host = (missing)"]],
        ["prod with ingress off", { profile: "prod", grafana: JSON.stringify({ ingress: { enabled: false } }) }, ["lgtm:grafana.ingress.enabled = false", "prod"]],
        ["sub-path with trailing slash", { grafana: JSON.stringify({ subPath: "/grafana/" }) }, ['lgtm:grafana.subPath = "/grafana/"']],
        ["namespace that is not a DNS label", { namespaces: JSON.stringify({ logs: "Logs_NS" }) }, ['lgtm:namespaces.logs = "Logs_NS"', "DNS label"]],
        ["bucket name with capitals", { objectStorage: JSON.stringify({ buckets: { tempo: "Tempo" } }) }, ['lgtm:objectStorage.buckets.tempo = "Tempo"', "S3 bucket name"]],
        ["two consumers sharing a bucket", { objectStorage: JSON.stringify({ buckets: { tempo: "loki-chunks" } }) }, ["lgtm:objectStorage.buckets", "four distinct bucket names"]],
        ["distributed MinIO with too few pods", { objectStorage: JSON.stringify({ minio: { mode: "distributed", replicas: 2 } }) }, ["lgtm:objectStorage.minio.replicas = 2", "at least 4"]],
        ["replication in Monolithic Loki", { loki: JSON.stringify({ replicationFactor: 3 }) }, ["lgtm:loki.replicationFactor = 3", "Monolithic"]],
        ["volume size that is not a quantity", { loki: JSON.stringify({ volumeSize: "ten gigs" }) }, ['lgtm:loki.volumeSize = "ten gigs"', "Kubernetes quantity"]],
        ["multi-tenancy flag as text", { loki: JSON.stringify({ multiTenancy: "yes" }) }, ['lgtm:loki.multiTenancy = "yes"', "true or false"]],
        ["storage class with capitals", { storageClass: "Fast_SSD" }, ['lgtm:storageClass = "Fast_SSD"']],
        ["cluster name with spaces", { clusterName: "my cluster" }, ['lgtm:clusterName = "my cluster"']],
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
        ["NetworkPolicies switch as text", { network: JSON.stringify({ policies: "yes" }) }, ['lgtm:network.policies = "yes"', "true or false"]],
        ["an API server range with host bits", { network: JSON.stringify({ apiServerCidrs: ["10.0.0.1/24"] }) }, ['lgtm:network.apiServerCidrs.0 = "10.0.0.1/24"', "not 10.0.0.1/24"]],
        ["an API server address without a prefix", { network: JSON.stringify({ apiServerCidrs: ["172.18.0.2"] }) }, ['lgtm:network.apiServerCidrs.0 = "172.18.0.2"', "IPv4 or IPv6 CIDR"]],
        ["no API server range at all", { network: JSON.stringify({ apiServerCidrs: [] }) }, ["lgtm:network.apiServerCidrs = []", "at least one CIDR"]],
        ["API server ranges as one string", { network: JSON.stringify({ apiServerCidrs: "10.0.0.0/8" }) }, ['lgtm:network.apiServerCidrs = "10.0.0.0/8"', "a list of CIDRs"]],
        ["an ingress namespace label key with spaces", { network: JSON.stringify({ ingressNamespaceSelector: { "my team": "x" } }) }, ["lgtm:network.ingressNamespaceSelector.my team: not a valid key", "a label key"]],
        ["an ingress namespace label value starting with '-'", { network: JSON.stringify({ ingressNamespaceSelector: { team: "-web" } }) }, ['lgtm:network.ingressNamespaceSelector.team = "-web"', "a label value"]],
        ["Slack channel that is not a channel", { alerting: JSON.stringify({ slackChannel: "Platform Alerts" }) }, ['lgtm:alerting.slackChannel = "Platform Alerts"', "a Slack channel"]],
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

    it("accepts notification URLs as secret keys next to a Slack channel", () => {
        const c = parsePlatformConfig({ slackWebhookUrl: "https://hooks.slack.example/T1", alertWebhookUrl: "http://receiver.ops:8080/alerts", alerting: JSON.stringify({ slackChannel: "#platform-alerts" }) });
        assert.equal(c.alerting.slackChannel, "#platform-alerts");
    });

    it("turns NetworkPolicies on in prod and off in dev, open to the API server anywhere until narrowed", () => {
        const dev = parsePlatformConfig({});
        assert.equal(dev.network.policies, false);
        assert.deepEqual(dev.network.apiServerCidrs, ["0.0.0.0/0", "::/0"]);
        assert.equal(parsePlatformConfig({ profile: "prod", grafana: prodHost }).network.policies, true);
        const narrowed = parsePlatformConfig({
            network: JSON.stringify({ policies: true, apiServerCidrs: ["172.18.0.2/32", "fd00:10:96::1/128"], ingressNamespaceSelector: { "kubernetes.io/metadata.name": "ingress-nginx" } }),
        });
        assert.deepEqual(narrowed.network.apiServerCidrs, ["172.18.0.2/32", "fd00:10:96::1/128"]);
        assert.deepEqual(narrowed.network.ingressNamespaceSelector, { "kubernetes.io/metadata.name": "ingress-nginx" });
    });

    it("accepts keeping every resolution forever (0), and equal retentions", () => {
        parsePlatformConfig({ thanos: JSON.stringify({ retention: { raw: "0d", fiveMinutes: "0d", oneHour: "0d" } }) });
        parsePlatformConfig({ thanos: JSON.stringify({ retention: { raw: "30d", fiveMinutes: "30d", oneHour: "30d" } }) });
    });

    it("measures Prometheus and Go durations", () => {
        assert.equal(durationSeconds("1w2d"), 9 * 86400);
        assert.equal(durationSeconds("1h30m"), 5400);
        assert.equal(durationSeconds("1500ms"), 1.5);
        assert.throws(() => durationSeconds("1h30"), /not a duration/);
    });

    it("reports every problem at once", () => {
        rejects({ metrics: JSON.stringify({ retention: "5x", prometheusReplicas: 0 }) }, "lgtm:metrics.retention", "lgtm:metrics.prometheusReplicas");
    });

    it("the program entry rejects bad config before registering any resource", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const registered: string[] = [];
        await pulumi.runtime.setMocks(
            { newResource: (a) => (registered.push(a.name), { id: a.name, state: a.inputs }), call: (a) => a.inputs },
            "lgtm",
            "dev",
            false,
        );
        pulumi.runtime.setAllConfig({ "lgtm:metrics": JSON.stringify({ retention: "5x" }) });
        try {
            await assert.rejects(import("../index"), (err: unknown) => err instanceof ConfigError && err.message.includes("lgtm:metrics.retention"));
        } finally {
            pulumi.runtime.setAllConfig({});
        }
        assert.deepEqual(registered, []);
    });
});
