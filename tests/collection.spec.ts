import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { buildBlackboxValues } from "../components/probes";
import { buildPushgatewayValues } from "../components/pushgateway";
import { buildScrapeConfig } from "../components/scrapeTargets";
import { targetFlows } from "../stacks/collection";
import { parsePlatformConfig, RawConfig } from "../stacks/config";
import { parseHost, parseHostPort, parseHttpUrl } from "../stacks/grammar";
import { evaluatePlatform, Evaluation, RegisteredResource, valueOf } from "../tools/render/evaluate";
import { projectDir } from "./support/charts";
import { rejects } from "./support/config";

const prodIngress = { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" };
/** prod with MinIO (no credentials to set): NetworkPolicies on. */
const prod: RawConfig = { profile: "prod", grafana: JSON.stringify({ ingress: prodIngress }), objectStorage: JSON.stringify({ type: "minio" }) };
const list = (items: unknown[]) => JSON.stringify(items);
const lab = { name: "lab-servers", targets: ["10.0.0.5:9100", "[2001:db8::7]:9100"], labels: { team: "payments", class: "batch" } };

describe("collection: target grammar", () => {
    it("host:port: a DNS name or an IP address (IPv6 in brackets), a port 1-65535", () => {
        assert.deepEqual(parseHostPort("10.0.0.5:9100"), { host: "10.0.0.5", family: 4, port: 9100 });
        assert.deepEqual(parseHostPort("[2001:db8::1]:443"), { host: "2001:db8::1", family: 6, port: 443 });
        assert.deepEqual(parseHostPort("node-a.lab.example.com:65535"), { host: "node-a.lab.example.com", port: 65535 });
        for (const bad of ["10.0.0.5", "10.0.0.5:0", "10.0.0.5:65536", "10.0.0.256:80", "2001:db8::1:443", "[node-a]:80", "Node-A:80", "a_b:80", "http://x:80", ":80", "x:80/metrics", "[fe80::1%eth0]:9100"]) {
            assert.equal(parseHostPort(bad), undefined, bad);
        }
    });
    it("a bare host for ICMP; http(s) URLs with their port, never with credentials or a host written otherwise than dialled", () => {
        assert.deepEqual(parseHost("192.0.2.1"), { host: "192.0.2.1", family: 4 });
        assert.equal(parseHost("192.0.2.1:80"), undefined);
        assert.deepEqual(parseHttpUrl("https://www.example.com/health"), { host: "www.example.com", port: 443 });
        assert.deepEqual(parseHttpUrl("http://[2001:db8::1]:8080/x?y=1"), { host: "2001:db8::1", family: 6, port: 8080 });
        assert.deepEqual(parseHttpUrl("http://example.com:80/"), { host: "example.com", port: 80 });
        for (const bad of ["ftp://example.com/", "https://user:pw@example.com/", "http://Example.com/", "http://10.1/", "http://[2001:0db8::1]/", "www.example.com", "https://example.com:99999/"]) {
            assert.equal(parseHttpUrl(bad), undefined, bad);
        }
    });
});

describe("collection: config", () => {
    it("declares nothing by default: no scrape targets, no probes, no Pushgateway", () => {
        for (const c of [parsePlatformConfig({}), parsePlatformConfig(prod)]) {
            assert.deepEqual([c.scrapeTargets, c.probes, c.pushgateway.enabled, c.pushgateway.clientNamespaces], [[], [], false, []]);
        }
    });
    it("fills a job's defaults: scheme http, path /metrics, no labels", () => {
        const c = parsePlatformConfig({ scrapeTargets: list([{ name: "lab", targets: ["10.0.0.5:9100"] }]) });
        assert.deepEqual(c.scrapeTargets[0], { name: "lab", targets: ["10.0.0.5:9100"], labels: {}, scheme: "http", path: "/metrics" });
    });
    it("refuses a list key given as an object, and unknown fields", () => {
        rejects({ scrapeTargets: JSON.stringify({ name: "lab" }) }, "scrapeTargets = ", "expected a list");
        rejects({ scrapeTargets: list([{ ...lab, port: 9100 }]) }, "scrapeTargets.0.port: unknown key");
    });
    it("refuses malformed targets, naming the job's key and the value", () => {
        rejects({ scrapeTargets: list([{ name: "lab", targets: ["10.0.0.5"] }]) }, 'scrapeTargets.0.targets.0 = "10.0.0.5": expected host:port');
        rejects({ scrapeTargets: list([{ name: "lab", targets: ["10.0.0.300:9100"] }]) }, 'scrapeTargets.0.targets.0 = "10.0.0.300:9100"');
        rejects({ scrapeTargets: list([{ name: "lab", targets: ["node:70000"] }]) }, "the port 1 to 65535");
        rejects({ scrapeTargets: list([{ name: "lab", targets: [] }]) }, "scrapeTargets.0.targets = []: expected at least one target");
        rejects({ scrapeTargets: list([{ name: "lab", targets: ["10.0.0.5:9100", "10.0.0.5:9100"] }]) }, "expected each target once (10.0.0.5:9100 listed more than once)");
    });
    it("refuses job names that cannot be a job label and a resource name, duplicates, and the platform's own jobs", () => {
        rejects({ scrapeTargets: list([{ ...lab, name: "Lab_Servers" }]) }, 'scrapeTargets.0.name = "Lab_Servers": expected a job name');
        rejects(
            { scrapeTargets: list([lab]), probes: list([{ name: "lab-servers", module: "icmp", targets: ["10.0.0.5"] }]) },
            "probes.0.name = lab-servers: expected a name no other scrape target or probe has (scrapeTargets.0",
        );
        rejects({ scrapeTargets: list([lab, lab]) }, "scrapeTargets.1.name = lab-servers");
        rejects({ scrapeTargets: list([{ ...lab, name: "pushgateway" }]) }, "scrapeTargets.0.name = pushgateway: expected another name");
    });
    it("refuses label names Prometheus or the platform owns, and empty values", () => {
        for (const reserved of ["job", "instance", "cluster", "namespace", "prometheus_replica"]) {
            rejects(
                { scrapeTargets: list([{ ...lab, labels: { [reserved]: "x" } }]) },
                `scrapeTargets.0.labels.${reserved} = "${reserved}": expected a label name other than job, instance, namespace, cluster, prometheus_replica`,
            );
        }
        rejects({ scrapeTargets: list([{ ...lab, labels: { __scheme__: "https" } }]) }, "not starting with __");
        rejects({ scrapeTargets: list([{ ...lab, labels: { "team-name": "x" } }]) }, 'labels.team-name = "team-name": expected a Prometheus label name');
        rejects({ probes: list([{ name: "web", module: "http", targets: ["https://example.com/"], labels: { team: "" } }]) }, 'probes.0.labels.team = "": expected a label value: not empty');
    });
    it("takes intervals as Prometheus durations of at least a second", () => {
        assert.equal(parsePlatformConfig({ scrapeTargets: list([{ ...lab, interval: "1m30s" }]) }).scrapeTargets[0].interval, "1m30s");
        rejects({ scrapeTargets: list([{ ...lab, interval: "90 seconds" }]) }, 'scrapeTargets.0.interval = "90 seconds": expected an interval such as 30s');
        rejects({ probes: list([{ name: "web", module: "http", targets: ["https://example.com/"], interval: "500ms" }]) }, "an interval of at least 1s");
    });
    it("checks probe targets by module", () => {
        const probe = (module: string, target: string) => ({ probes: list([{ name: "p", module, targets: [target] }]) });
        assert.doesNotThrow(() => parsePlatformConfig(probe("http", "https://www.example.com/health")));
        assert.doesNotThrow(() => parsePlatformConfig(probe("tcp", "db.example.com:5432")));
        assert.doesNotThrow(() => parsePlatformConfig(probe("icmp", "2001:db8::1")));
        rejects(probe("http", "www.example.com"), 'probes.0.targets.0 = "www.example.com": expected an http:// or https:// URL', "for module http");
        rejects(probe("tcp", "https://db.example.com/"), "expected host:port", "for module tcp");
        rejects(probe("icmp", "10.0.0.5:22"), "expected a host: a DNS name or an IP address, without a port");
        rejects(probe("dns", "10.0.0.5"), 'probes.0.module = "dns": expected one of http, tcp, icmp');
    });
    it("with NetworkPolicies, requires cidrs for targets named by DNS name, and refuses cidrs nothing uses", () => {
        const named = { name: "lab", targets: ["node-a.lab.example.com:9100", "10.0.0.5:9100"] };
        rejects({ ...prod, scrapeTargets: list([named]) }, "scrapeTargets.0.cidrs = (missing): expected the CIDRs where node-a.lab.example.com may resolve, since network.policies is on", "let Prometheus reach");
        rejects({ ...prod, probes: list([{ name: "site", module: "http", targets: ["https://www.example.com/"] }]) }, "probes.0.cidrs = (missing)", "the blackbox exporter");
        assert.doesNotThrow(() => parsePlatformConfig({ ...prod, scrapeTargets: list([{ ...named, cidrs: ["10.20.0.0/24"] }]) }));
        // Without policies nothing is enforced, so nothing needs the addresses.
        assert.doesNotThrow(() => parsePlatformConfig({ scrapeTargets: list([named]) }));
        rejects({ ...prod, scrapeTargets: list([{ ...lab, cidrs: ["10.0.0.0/24"] }]) }, 'scrapeTargets.0.cidrs = ["10.0.0.0/24"]: expected no cidrs when every target is an IP address');
        rejects({ scrapeTargets: list([{ ...named, cidrs: ["10.0.0.1/24"] }]) }, 'scrapeTargets.0.cidrs.0 = "10.0.0.1/24": expected an IPv4 or IPv6 CIDR');
    });
    it("takes TLS only with https, and basic auth only over https in prod", () => {
        rejects({ scrapeTargets: list([{ ...lab, tls: { insecureSkipVerify: true } }]) }, 'scrapeTargets.0.tls = {"insecureSkipVerify":true}: expected scheme: https with tls');
        const auth = { secretName: "lab-scrape", usernameKey: "username", passwordKey: "password" };
        assert.doesNotThrow(() => parsePlatformConfig({ scrapeTargets: list([{ ...lab, basicAuth: auth }]) }));
        rejects({ ...prod, scrapeTargets: list([{ ...lab, basicAuth: auth }]) }, "scrapeTargets.0.scheme = http: expected https with basicAuth in the prod profile");
        rejects({ scrapeTargets: list([{ ...lab, scheme: "https", basicAuth: { ...auth, passwordKey: "pass word" } }]) }, 'basicAuth.passwordKey = "pass word": expected a key of the Secret');
        rejects({ scrapeTargets: list([{ ...lab, scheme: "https", tls: { caSecret: { name: "Lab CA", key: "ca.crt" } } }]) }, "tls.caSecret.name");
    });
    it("Pushgateway: client namespaces are applications', and only with enabled", () => {
        const c = parsePlatformConfig({ pushgateway: JSON.stringify({ enabled: true, clientNamespaces: ["batch"] }) });
        assert.deepEqual([c.pushgateway.enabled, c.pushgateway.clientNamespaces, c.pushgateway.volumeSize], [true, ["batch"], "2Gi"]);
        rejects({ pushgateway: JSON.stringify({ clientNamespaces: ["batch"] }) }, "pushgateway.enabled = false: expected true when pushgateway.clientNamespaces");
        rejects({ pushgateway: JSON.stringify({ enabled: true, clientNamespaces: ["monitoring"] }) }, 'pushgateway.clientNamespaces = ["monitoring"]: expected namespaces of the jobs that push, not the platform\'s');
        rejects({ pushgateway: JSON.stringify({ enabled: true, clientNamespaces: ["kube-system"] }) }, "pushgateway.clientNamespaces.0");
    });
});

describe("collection: the examples", () => {
    /** Raw config of a YAML map of `lgtm:` keys, as Pulumi hands structured values over (JSON). */
    const rawOf = (doc: Record<string, unknown>): RawConfig => Object.fromEntries(Object.entries(doc).map(([k, v]) => [k.replace(/^lgtm:/, ""), JSON.stringify(v)]));
    it("docs/configuration.md: each example of Collecting beyond the platform is valid in prod, NetworkPolicies on", () => {
        const text = fs.readFileSync(path.join(projectDir, "docs", "configuration.md"), "utf8");
        const section = text.slice(text.indexOf("## Collecting beyond the platform"), text.indexOf("## Object storage"));
        const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]) as Record<string, unknown>);
        assert.deepEqual(
            examples.map((e) => Object.keys(e)),
            [["lgtm:scrapeTargets"], ["lgtm:probes"], ["lgtm:pushgateway"]],
        );
        const c = parsePlatformConfig({ ...prod, ...rawOf(Object.assign({}, ...examples)) });
        assert.deepEqual([c.scrapeTargets.length, c.probes.length, c.pushgateway.enabled], [2, 2, true]);
    });
    it("Pulumi.prod.yaml: the commented example, uncommented, is valid", () => {
        const text = fs.readFileSync(path.join(projectDir, "Pulumi.prod.yaml"), "utf8");
        const block = text
            .slice(text.indexOf("  # lgtm:scrapeTargets:"))
            .split("\n")
            .filter((l) => l.startsWith("  # "))
            .map((l) => l.slice(4))
            .join("\n");
        const doc = parse(block) as Record<string, unknown>;
        assert.deepEqual(Object.keys(doc), ["lgtm:scrapeTargets", "lgtm:probes", "lgtm:pushgateway"]);
        assert.doesNotThrow(() => parsePlatformConfig({ ...prod, ...rawOf(doc) }));
    });
});

describe("collection: values and objects", () => {
    it("a ScrapeConfig carries the job name, its targets and labels, and Secret references only", () => {
        const job = {
            ...lab,
            scheme: "https" as const,
            path: "/metrics",
            interval: "1m",
            tls: { caSecret: { name: "lab-ca", key: "ca.crt" }, serverName: "lab.example.com" },
            basicAuth: { secretName: "lab-scrape", usernameKey: "u", passwordKey: "p" },
        };
        assert.deepEqual(buildScrapeConfig(job, "monitoring"), {
            apiVersion: "monitoring.coreos.com/v1alpha1",
            kind: "ScrapeConfig",
            metadata: { name: "lgtm-scrape-lab-servers", namespace: "monitoring", labels: { "app.kubernetes.io/part-of": "lgtm-stack", "app.kubernetes.io/component": "collection" } },
            spec: {
                jobName: "lab-servers",
                staticConfigs: [{ targets: ["10.0.0.5:9100", "[2001:db8::7]:9100"], labels: { team: "payments", class: "batch" } }],
                scheme: "https",
                metricsPath: "/metrics",
                scrapeInterval: "1m",
                tlsConfig: { ca: { secret: { name: "lab-ca", key: "ca.crt" } }, serverName: "lab.example.com" },
                basicAuth: { username: { name: "lab-scrape", key: "u" }, password: { name: "lab-scrape", key: "p" } },
            },
        });
    });
    it("the exporter pings without NET_RAW: the ping sysctl for its group, only when a probe pings", () => {
        const resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
        const pod = (icmp: boolean) => buildBlackboxValues({ releaseName: "blackbox-exporter", resources, icmp }).podSecurityContext as Record<string, unknown>;
        assert.deepEqual(pod(true).sysctls, [{ name: "net.ipv4.ping_group_range", value: "1000 1000" }]);
        assert.equal(pod(false).sysctls, undefined);
        assert.equal(pod(true).runAsGroup, 1000);
    });
    it("the Pushgateway keeps pushed groups in a file only with a volume", () => {
        const resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
        const values = (enabled: boolean) => buildPushgatewayValues({ releaseName: "pushgateway", namespace: "metrics", resources, persistence: { enabled, size: "2Gi" } });
        assert.deepEqual(values(true).extraArgs, ["--persistence.file=/data/pushgateway.db"]);
        assert.equal(values(false).extraArgs, undefined);
        assert.deepEqual(values(true).serviceMonitor, { enabled: true, namespace: "metrics", honorLabels: true });
    });
    it("egress to a job's targets: each IP as /32 or /128 on its port, names as the job's CIDRs, ICMP on every protocol", () => {
        const endpoints = [parseHostPort("10.0.0.5:9100")!, parseHostPort("10.0.0.6:9100")!, parseHostPort("[2001:db8::7]:9182")!, parseHostPort("a.example.com:9100")!];
        const flows = targetFlows("prometheus", { name: "lab", endpoints, cidrs: ["10.20.0.0/24"] }, (e) => [{ port: e.port!, protocol: "TCP" }], "scrape");
        assert.deepEqual(
            flows.map((f) => [f.to, f.ports]),
            [
                [{ kind: "addresses", name: "targets of lab", cidrs: ["10.0.0.5/32", "10.0.0.6/32", "10.20.0.0/24"] }, [{ port: 9100, protocol: "TCP" }]],
                [{ kind: "addresses", name: "targets of lab", cidrs: ["2001:db8::7/128"] }, [{ port: 9182, protocol: "TCP" }]],
            ],
        );
        const icmp = targetFlows("blackbox-exporter", { name: "ping", endpoints: [parseHost("192.0.2.1")!] }, () => "any", "probe");
        assert.deepEqual(
            icmp.map((f) => [f.to, f.ports]),
            [[{ kind: "addresses", name: "targets of ping", cidrs: ["192.0.2.1/32"] }, "any"]],
        );
        assert.throws(() => targetFlows("prometheus", { name: "lab", endpoints: [parseHostPort("a.example.com:9100")!] }, () => "any", "scrape"), /no cidrs/);
    });
});

const byType = (e: Evaluation, type: string): RegisteredResource[] => e.resources.filter((r) => r.type === type);
/** Registration order follows when outputs resolve: compare by object name. */
const sortedByName = (rs: RegisteredResource[]) => [...rs].sort((a, b) => a.inputs.metadata.name.localeCompare(b.inputs.metadata.name));
const releaseNamed = (e: Evaluation, name: string) => e.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === name);

describe("collection: the platform under mocks", function () {
    this.timeout(60_000);
    let none: Evaluation;
    let all: Evaluation;
    before(async () => {
        none = await evaluatePlatform({});
        all = await evaluatePlatform(
            {
                ...prod,
                namespaces: JSON.stringify({ metrics: "metrics" }),
                scrapeTargets: list([
                    { ...lab, interval: "1m" },
                    { name: "appliances", targets: ["switch-1.lab.example.com:9116"], labels: { site: "lab" }, cidrs: ["10.30.0.0/24"] },
                ]),
                probes: list([
                    { name: "website", module: "http", targets: ["https://www.example.com/health"], labels: { team: "web" }, cidrs: ["203.0.113.0/24"] },
                    { name: "gateway-ping", module: "icmp", targets: ["192.0.2.1"] },
                ]),
                pushgateway: JSON.stringify({ enabled: true, clientNamespaces: ["batch"], clientNamespaceSelector: { team: "payments" } }),
            },
            "prod",
        );
    });

    it("deploys none of them by default", () => {
        assert.deepEqual(byType(none, "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig"), []);
        assert.deepEqual(byType(none, "kubernetes:monitoring.coreos.com/v1:Probe"), []);
        assert.equal(releaseNamed(none, "blackbox-exporter"), undefined);
        assert.equal(releaseNamed(none, "pushgateway"), undefined);
        assert.equal(none.outputs.pushgatewayUrl, undefined);
    });
    it("one ScrapeConfig per job beside Prometheus, labelled as declared, after the CRDs", () => {
        const configs = sortedByName(byType(all, "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig"));
        assert.deepEqual(
            configs.map((c) => [c.inputs.metadata.name, c.inputs.metadata.namespace, c.inputs.spec.jobName, c.inputs.spec.staticConfigs, c.inputs.spec.scrapeInterval]),
            [
                ["lgtm-scrape-appliances", "metrics", "appliances", [{ targets: ["switch-1.lab.example.com:9116"], labels: { site: "lab" } }], undefined],
                ["lgtm-scrape-lab-servers", "metrics", "lab-servers", [{ targets: ["10.0.0.5:9100", "[2001:db8::7]:9100"], labels: { team: "payments", class: "batch" } }], "1m"],
            ],
        );
        for (const c of configs) assert.deepEqual(c.dependsOn, ["kubernetes:helm.sh/v3:Release::prometheus-crds"]);
    });
    it("the blackbox exporter, pinned, and one Probe per job sent to its Service, labelled as declared", () => {
        const release = releaseNamed(all, "blackbox-exporter")!;
        assert.deepEqual([release.inputs.chart, release.inputs.version, release.inputs.namespace], ["prometheus-blackbox-exporter", "11.17.2", "metrics"]);
        assert.deepEqual(release.inputs.values.podSecurityContext.sysctls, [{ name: "net.ipv4.ping_group_range", value: "1000 1000" }], "an ICMP probe is declared");
        const probes = sortedByName(byType(all, "kubernetes:monitoring.coreos.com/v1:Probe"));
        assert.deepEqual(
            probes.map((p) => [p.inputs.metadata.name, p.inputs.spec.jobName, p.inputs.spec.module, p.inputs.spec.prober.url, p.inputs.spec.targets.staticConfig]),
            [
                ["lgtm-probe-gateway-ping", "gateway-ping", "icmp", "blackbox-exporter.metrics.svc.cluster.local:9115", { static: ["192.0.2.1"] }],
                ["lgtm-probe-website", "website", "http", "blackbox-exporter.metrics.svc.cluster.local:9115", { static: ["https://www.example.com/health"], labels: { team: "web" } }],
            ],
        );
    });
    it("the Pushgateway: pinned, requests resources, on a volume in prod, scraped with honorLabels; its URL from its Service is an output", async () => {
        const release = releaseNamed(all, "pushgateway")!;
        assert.deepEqual([release.inputs.chart, release.inputs.version, release.protect], ["prometheus-pushgateway", "3.8.0", true]);
        assert.deepEqual(release.inputs.values.persistentVolume, { enabled: true, size: "2Gi", annotations: { "helm.sh/resource-policy": "keep" } }, "the chart's own claim, kept when the release goes");
        assert.equal(release.inputs.values.serviceMonitor.honorLabels, true);
        assert.ok(release.inputs.values.resources.requests.cpu && release.inputs.values.resources.requests.memory);
        assert.equal(await valueOf(all.outputs.pushgatewayUrl!), "http://pushgateway.metrics.svc.cluster.local:9091");
        assert.equal(releaseNamed(await evaluatePlatform({ pushgateway: JSON.stringify({ enabled: true }) }), "pushgateway")!.inputs.values.persistentVolume.enabled, false, "dev keeps no volume");
    });
    it("deploys the alert rules of the exporter and the Pushgateway with them", () => {
        const rules = (e: Evaluation) => byType(e, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").map((r) => r.inputs.metadata.name);
        assert.ok(rules(all).includes("lgtm-probes") && rules(all).includes("lgtm-pushgateway"));
        assert.ok(!rules(none).includes("lgtm-probes") && !rules(none).includes("lgtm-pushgateway"));
    });
    it("NetworkPolicies: Prometheus and the exporter reach exactly their targets; jobs reach the Pushgateway", () => {
        const policy = (name: string) => byType(all, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.inputs.metadata.name === `lgtm-allow-${name}`)!.inputs.spec;
        const prometheus = policy("prometheus");
        const egressTo = (spec: any, cidr: string) => spec.egress.filter((r: any) => r.to.some((p: any) => p.ipBlock?.cidr === cidr)).map((r: any) => r.ports ?? "any");
        assert.deepEqual(egressTo(prometheus, "10.0.0.5/32"), [[{ protocol: "TCP", port: 9100 }]]);
        assert.deepEqual(egressTo(prometheus, "2001:db8::7/128"), [[{ protocol: "TCP", port: 9100 }]]);
        assert.deepEqual(egressTo(prometheus, "10.30.0.0/24"), [[{ protocol: "TCP", port: 9116 }]]);
        const exporter = policy("blackbox-exporter");
        assert.deepEqual(egressTo(exporter, "203.0.113.0/24"), [[{ protocol: "TCP", port: 443 }]]);
        assert.deepEqual(egressTo(exporter, "192.0.2.1/32"), ["any"]);
        assert.deepEqual(
            exporter.ingress.map((r: any) => r.ports),
            [[{ protocol: "TCP", port: 9115 }]],
        );
        const pushgateway = policy("pushgateway");
        assert.deepEqual(
            pushgateway.ingress.map((r: any) => r.from.map((p: any) => p.namespaceSelector)),
            [[{ matchLabels: { "kubernetes.io/metadata.name": "metrics" } }], [{ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["batch"] }] }], [{ matchLabels: { team: "payments" } }]],
        );
        assert.deepEqual(pushgateway.egress, []);
    });
});
