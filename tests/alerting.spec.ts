import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
    AlertmanagerConfig,
    alertmanagerValues,
    alertmanagerWiring,
    buildAlertmanagerConfig,
    defaultRulesDir,
    loadRuleFiles,
    notificationReceivers,
    PlatformAlerts,
    runbookBaseUrl,
    runbookPage,
    withRunbookUrls,
} from "../components/alerting";
import { loadMetricSources, metricEntry, metricSourceProblems, promqlMetricNames, usedMetrics } from "../tools/alerting/metric-sources";
import { coverageMarkdown, coverageRows, loadUpstreamCoverage, notApplicable, ourAlertNames } from "../tools/alerting/upstream-coverage";

const slackFile = "/etc/alertmanager/secrets/alertmanager-notification-urls/slack-url";
const webhookFile = "/etc/alertmanager/secrets/alertmanager-notification-urls/webhook-url";
const slackUrl = "https://hooks.slack.com/services/T000/B000/SECRETSECRET";
const webhookUrl = "https://alerts.example.com/hook?token=SECRETSECRET";

/** Every key anywhere in a JSON-like value, with the string values. */
function walk(value: unknown, visit: (key: string, v: unknown) => void): void {
    if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
    else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            visit(k, v);
            walk(v, visit);
        }
    }
}

/** The receiver each route of the tree sends to. */
function routeReceivers(config: AlertmanagerConfig): string[] {
    return [config.route.receiver!, ...(config.route.routes ?? []).map((r) => r.receiver!)];
}

function assertNoUrlLiteral(value: unknown): void {
    const text = JSON.stringify(value);
    assert.doesNotMatch(text, /https?:\/\//, "no URL literal");
    assert.doesNotMatch(text, /SECRETSECRET/, "no secret");
    walk(value, (key) => {
        if (/url/i.test(key)) assert.match(key, /_file$/, `URL key ${key} must be a *_file path`);
    });
}

describe("alerting: Alertmanager configuration", () => {
    const none = buildAlertmanagerConfig({});
    const slack = buildAlertmanagerConfig({ slack: { channel: "#alerts", apiUrlFile: slackFile } });
    const webhook = buildAlertmanagerConfig({ webhook: { urlFile: webhookFile } });
    const both = buildAlertmanagerConfig({ slack: { channel: "#alerts", apiUrlFile: slackFile }, webhook: { urlFile: webhookFile } });

    it("without receivers, everything (critical included) goes to the null receiver", () => {
        assert.deepEqual(none.receivers, [{ name: "null" }]);
        assert.deepEqual(new Set(routeReceivers(none)), new Set(["null"]));
    });

    it("Slack only: one notifying receiver with api_url_file and the channel", () => {
        assert.deepEqual(
            slack.receivers.map((r) => r.name),
            ["null", "platform"],
        );
        const platform = slack.receivers[1];
        assert.equal(platform.slack_configs?.length, 1);
        assert.equal(platform.slack_configs![0].api_url_file, slackFile);
        assert.equal(platform.slack_configs![0].channel, "#alerts");
        assert.equal(platform.slack_configs![0].send_resolved, true);
        assert.match(platform.slack_configs![0].text, /\{\{ if \.Annotations\.runbook_url \}\} <\{\{ \.Annotations\.runbook_url \}\}\|runbook>\{\{ end \}\}/, "links each alert's runbook");
        assert.equal(platform.webhook_configs, undefined);
        assert.equal(slack.route.receiver, "platform");
    });

    it("webhook only: url_file, no Slack", () => {
        const platform = webhook.receivers.find((r) => r.name === "platform")!;
        assert.deepEqual(platform.webhook_configs, [{ url_file: webhookFile, send_resolved: true }]);
        assert.equal(platform.slack_configs, undefined);
    });

    it("both: one receiver notifying Slack and the webhook", () => {
        const platform = both.receivers.find((r) => r.name === "platform")!;
        assert.equal(platform.slack_configs?.length, 1);
        assert.equal(platform.webhook_configs?.length, 1);
        assert.deepEqual(routeReceivers(both), ["platform", "null", "platform"]);
    });

    it("routes: grouped by alertname, cluster, namespace; 30s / 5m / 4h; criticals repeat hourly", () => {
        for (const c of [none, slack, webhook, both]) {
            assert.deepEqual(c.route.group_by, ["alertname", "cluster", "namespace"]);
            assert.equal(c.route.group_wait, "30s");
            assert.equal(c.route.group_interval, "5m");
            assert.equal(c.route.repeat_interval, "4h");
            const critical = c.route.routes!.find((r) => r.matchers?.includes('severity = "critical"'));
            assert.ok(critical, "a critical sub-route");
            assert.equal(critical.repeat_interval, "1h");
            assert.equal(critical.receiver, c.route.receiver);
        }
    });

    it("Watchdog and InfoInhibitor go to null, before any other sub-route", () => {
        for (const c of [none, both]) {
            const first = c.route.routes![0];
            assert.equal(first.receiver, "null");
            assert.deepEqual(first.matchers, ['alertname =~ "Watchdog|InfoInhibitor"']);
        }
    });

    it("a critical alert inhibits the warning of the same alertname and namespace", () => {
        const rule = both.inhibit_rules.find((r) => r.source_matchers?.includes('severity = "critical"'));
        assert.ok(rule);
        assert.deepEqual(rule.target_matchers, ['severity =~ "warning|info"']);
        assert.deepEqual(rule.equal, ["alertname", "namespace"]);
    });

    it("sets every top-level key, so Helm's merge with the chart's default config changes nothing", () => {
        const chartDefaultKeys = ["global", "inhibit_rules", "route", "receivers", "templates"];
        for (const key of chartDefaultKeys) assert.ok(key in both, key);
        for (const key of ["group_by", "group_wait", "group_interval", "repeat_interval", "receiver", "routes"]) assert.ok(key in both.route, key);
    });

    it("never holds a URL literal, only *_file paths", () => {
        for (const c of [none, slack, webhook, both]) assertNoUrlLiteral(c);
    });
});

describe("alerting: kube-prometheus-stack wiring", () => {
    it("receivers read the files the operator mounts for the Secret", () => {
        assert.deepEqual(notificationReceivers("am-urls", { slackChannel: "#ops", webhook: true }), {
            slack: { channel: "#ops", apiUrlFile: "/etc/alertmanager/secrets/am-urls/slack-url" },
            webhook: { urlFile: "/etc/alertmanager/secrets/am-urls/webhook-url" },
        });
        assert.deepEqual(notificationReceivers("am-urls", { webhook: false }), {});
    });

    it("values mount the Secret only when a channel is configured", () => {
        const withChannels = alertmanagerValues({ slackChannel: "#ops", webhook: false });
        assert.deepEqual(withChannels.alertmanagerSpec, { secrets: ["alertmanager-notification-urls"] });
        assert.equal(withChannels.config.route.receiver, "platform");
        const without = alertmanagerValues({ webhook: false });
        assert.equal(without.alertmanagerSpec, undefined);
        assert.equal(without.config.route.receiver, "null");
    });
});

// ------------------------------------------------------------------------------------------------
// Under Pulumi mocks
// ------------------------------------------------------------------------------------------------

interface Registered {
    readonly type: string;
    readonly name: string;
    readonly inputs: any;
}
let registered: Registered[] = [];
const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
};
const settled = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const nextTicks = () => new Promise((r) => setTimeout(r, 50));
const isSecret = (v: unknown) => pulumi.runtime.isRpcSecret(v);

describe("alerting: notification Secret (Pulumi mocks)", () => {
    beforeEach(async () => {
        await pulumi.runtime.setMocks(mocks, "lgtm", "test", false);
        registered = [];
    });

    it("holds each configured URL as a secret, and the values only file paths", async () => {
        const wiring = alertmanagerWiring("am-notifications", {
            namespace: "monitoring",
            slackChannel: "#ops",
            slackWebhookUrl: pulumi.secret(slackUrl),
            webhookUrl: pulumi.secret(webhookUrl),
        });
        assert.ok(wiring.secret);
        await settled(wiring.secret.urn);
        await nextTicks();
        const secret = registered.find((r) => r.type === "kubernetes:core/v1:Secret");
        assert.ok(secret, "a Secret");
        assert.equal(secret.inputs.metadata.name, "alertmanager-notification-urls");
        assert.equal(secret.inputs.metadata.namespace, "monitoring");
        // The provider's SDK wraps stringData as a whole; either way no URL reaches the engine in clear.
        const stringData = isSecret(secret.inputs.stringData) ? pulumi.runtime.unwrapRpcSecret(secret.inputs.stringData) : secret.inputs.stringData;
        assert.deepEqual(Object.keys(stringData).sort(), ["slack-url", "webhook-url"]);
        for (const v of Object.values(stringData)) assert.ok(isSecret(secret.inputs.stringData) || isSecret(v), "URL stored as a secret");
        const clear = (v: unknown) => (isSecret(v) ? pulumi.runtime.unwrapRpcSecret(v) : v);
        assert.equal(clear(stringData["slack-url"]), slackUrl);
        assert.equal(clear(stringData["webhook-url"]), webhookUrl);
        assert.deepEqual(wiring.values.alertmanagerSpec, { secrets: ["alertmanager-notification-urls"] });
        const platform = wiring.values.config.receivers.find((r) => r.name === "platform")!;
        assert.equal(platform.slack_configs![0].api_url_file, slackFile);
        assert.equal(platform.webhook_configs![0].url_file, webhookFile);
        assertNoUrlLiteral(wiring.values);
    });

    it("creates no Secret and mounts none without URLs", () => {
        const wiring = alertmanagerWiring("am-notifications", { namespace: "monitoring" });
        assert.equal(wiring.secret, undefined);
        assert.equal(wiring.values.alertmanagerSpec, undefined);
        assert.deepEqual(wiring.values.config.receivers, [{ name: "null" }]);
    });

    it("refuses a Slack URL without a channel", () => {
        assert.throws(() => alertmanagerWiring("am", { namespace: "monitoring", slackWebhookUrl: pulumi.secret(slackUrl) }), /Slack channel/);
    });
});

describe("alerting: PlatformAlerts (Pulumi mocks)", () => {
    const ruleType = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
    /** In file-name order, as they are loaded (`loki-distributed.yaml` before `loki.yaml`). */
    const stems = fs
        .readdirSync(defaultRulesDir())
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => f.slice(0, -5));

    /** Stands in for the CRDs release: any resource can be depended on. */
    class CrdsStandIn extends pulumi.CustomResource {
        constructor(name: string) {
            super("test:index:PrometheusCrds", name, {});
        }
    }
    let crds: pulumi.CustomResource;
    let seen: { type: string; name: string; dependsOn: unknown }[];
    const capture: pulumi.ResourceTransformation = (a) => {
        seen.push({ type: a.type, name: a.name, dependsOn: a.opts.dependsOn });
        return undefined;
    };
    async function build(args: Partial<ConstructorParameters<typeof PlatformAlerts>[1]> = {}): Promise<PlatformAlerts> {
        const alerts = new PlatformAlerts("platform-alerts", { namespace: "monitoring", crds, ruleFiles: stems, ...args }, { transformations: [capture] });
        await Promise.all(alerts.rules.map((r) => settled(r.urn)));
        await nextTicks();
        return alerts;
    }

    beforeEach(async () => {
        await pulumi.runtime.setMocks(mocks, "lgtm", "test", false);
        registered = [];
        seen = [];
        crds = new CrdsStandIn("prometheus-crds");
    });

    it("creates one PrometheusRule per rule file, named lgtm-<stem>, with the file's groups and runbook links", async () => {
        const alerts = await build();
        const rules = registered.filter((r) => r.type === ruleType);
        assert.deepEqual(rules.map((r) => r.inputs.metadata.name).sort(), stems.map((s) => `lgtm-${s}`).sort());
        assert.deepEqual(
            alerts.ruleNames,
            stems.map((s) => `lgtm-${s}`),
        );
        for (const r of rules) {
            assert.equal(r.inputs.apiVersion, "monitoring.coreos.com/v1");
            assert.equal(r.inputs.kind, "PrometheusRule");
            assert.equal(r.inputs.metadata.namespace, "monitoring");
            const stem = r.inputs.metadata.name.replace(/^lgtm-/, "");
            const file = parse(fs.readFileSync(path.join(defaultRulesDir(), `${stem}.yaml`), "utf8"));
            const withoutRunbooks = (r.inputs.spec.groups as any[]).map((g) => ({
                ...g,
                rules: g.rules.map(({ annotations: { runbook_url, ...annotations }, ...rule }: any) => {
                    assert.equal(runbook_url, `${runbookBaseUrl}/${runbookPage(stem)}.md#${rule.alert.toLowerCase()}`);
                    return { ...rule, annotations };
                }),
            }));
            assert.deepEqual(withoutRunbooks, file.groups);
        }
    });

    it("makes every PrometheusRule depend on the CRDs, as a child of the component", async () => {
        await build();
        const children = seen.filter((s) => s.type === ruleType);
        assert.equal(children.length, stems.length);
        for (const c of children) {
            assert.ok(Array.isArray(c.dependsOn) && c.dependsOn.includes(crds), `${c.name} depends on the CRDs`);
            assert.match(c.name, /^platform-alerts-/);
        }
        assert.ok(
            seen.some((s) => s.type === "lgtm:alerting:PlatformAlerts"),
            "component token",
        );
    });

    it("deploys only the rule files it is given, and adds labels", async () => {
        await build({ ruleFiles: ["thanos", "minio"], labels: { team: "platform" } });
        const rules = registered.filter((r) => r.type === ruleType);
        assert.deepEqual(rules.map((r) => r.inputs.metadata.name).sort(), ["lgtm-minio", "lgtm-thanos"]);
        for (const r of rules) {
            assert.equal(r.inputs.metadata.labels.team, "platform");
            assert.equal(r.inputs.metadata.labels["app.kubernetes.io/part-of"], "lgtm");
        }
    });

    it("refuses a rule file that does not exist, and a file that is not a rule file", () => {
        assert.throws(() => new PlatformAlerts("x", { namespace: "monitoring", crds, ruleFiles: ["alloy", "aloy"] }), /not found.*aloy/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-rules-"));
        try {
            fs.writeFileSync(path.join(dir, "broken.yaml"), "rules: []\n");
            assert.throws(() => new PlatformAlerts("y", { namespace: "monitoring", crds, rulesDir: dir, ruleFiles: ["broken"] }), /groups/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

// ------------------------------------------------------------------------------------------------
// The rule files and their promtool tests (plain YAML checks; scripts/check-alerting.sh runs promtool)
// ------------------------------------------------------------------------------------------------

describe("alerting: rule files", () => {
    const files = loadRuleFiles(defaultRulesDir());
    const alerts = files.flatMap((f) => f.groups.flatMap((g) => g.rules.map((r) => ({ file: f.stem, group: g.name, rule: r }))));
    const testsDir = path.resolve(defaultRulesDir(), "..", "tests");

    it("has the expected areas", () => {
        assert.deepEqual(
            files.map((f) => f.stem),
            ["alloy", "grafana", "loki-distributed", "loki-monolithic", "loki", "metrics", "minio", "probes", "pushgateway", "tempo-distributed", "tempo-monolithic", "tempo", "thanos-receive", "thanos"],
        );
    });

    // info as upstream's mixins use it: notified only beside a warning or critical of its namespace (InfoInhibitor).
    it("every rule is an alert with for, severity info|warning|critical, summary and description", () => {
        assert.ok(alerts.length > 0);
        for (const { file, rule } of alerts) {
            const where = `${file}: ${rule.alert ?? rule.record}`;
            assert.ok(rule.alert, `${where}: is an alert`);
            assert.ok(typeof rule.expr === "string" && rule.expr.trim().length > 0, `${where}: expr`);
            assert.match(rule.for ?? "", /^(\d+[smh])+$/, `${where}: for`);
            assert.ok(["info", "warning", "critical"].includes(rule.labels?.severity ?? ""), `${where}: severity`);
            assert.ok((rule.annotations?.summary ?? "").trim().length > 0, `${where}: summary`);
            assert.ok((rule.annotations?.description ?? "").trim().length > 0, `${where}: description`);
        }
    });

    // PromQL's aggregation operators (prometheus/promql/parser/lex.go), called without a grouping clause before their arguments.
    const aggregationWithoutGrouping = /\b(?:sum|min|max|avg|group|stddev|stdvar|count|count_values|bottomk|topk|quantile|limitk|limit_ratio)\s*\(/;
    // A fleet's members write into the central platform with cluster=<name>: an aggregation that
    // dropped the label would merge clusters and leave the alert without the cluster it concerns.
    it("every aggregation keeps the cluster label", () => {
        for (const { file, rule } of alerts) {
            for (const [clause, labels] of rule.expr.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)) {
                assert.ok(
                    labels
                        .split(",")
                        .map((l) => l.trim())
                        .includes("cluster"),
                    `${file}: ${rule.alert}: ${clause} drops the cluster label`,
                );
            }
            assert.doesNotMatch(rule.expr, aggregationWithoutGrouping, `${file}: ${rule.alert}: an aggregation without "by" drops the cluster label`);
            for (const [clause, labels] of rule.expr.matchAll(/\bwithout\s*\(([^)]*)\)/g)) {
                assert.ok(!labels.split(",").some((l) => l.trim() === "cluster"), `${file}: ${rule.alert}: ${clause} drops the cluster label`);
            }
        }
    });

    it("group names are unique, and an alert name is reused only for another severity or topology", () => {
        const groups = files.flatMap((f) => f.groups.map((g) => g.name));
        assert.equal(new Set(groups).size, groups.length, groups.join(", "));
        // `<component>-monolithic` and `<component>-distributed` are never deployed together.
        for (const [kept, left] of [
            ["monolithic", "distributed"],
            ["distributed", "monolithic"],
        ]) {
            const keys = alerts.filter(({ file }) => !file.endsWith(`-${left}`)).map(({ rule }) => `${rule.alert}/${rule.labels?.severity}`);
            assert.deepEqual(
                keys.filter((k, i) => keys.indexOf(k) !== i),
                [],
                `with the ${kept} files`,
            );
        }
    });

    describe("runbooks (docs/runbooks)", () => {
        const runbooksDir = path.resolve(defaultRulesDir(), "..", "..", "docs", "runbooks");
        /** Each `## ` section of a page by its GitHub anchor, with its text. */
        const sections = (page: string): Map<string, string> =>
            new Map(
                fs
                    .readFileSync(path.join(runbooksDir, page), "utf8")
                    .split(/^## /m)
                    .slice(1)
                    .map((section) => {
                        const heading = section.slice(0, section.indexOf("\n")).trim();
                        return [
                            heading
                                .toLowerCase()
                                .replace(/[^a-z0-9 _-]/g, "")
                                .replace(/ /g, "-"),
                            section,
                        ];
                    }),
            );
        const linked = files.flatMap((f) => withRunbookUrls(f).flatMap((g) => g.rules.map((rule) => ({ file: f.stem, rule }))));

        it("every alert links, from one base URL, a section of its component's page", () => {
            assert.equal(linked.length, alerts.length);
            for (const { file, rule } of linked) {
                const url = rule.annotations?.runbook_url ?? "";
                assert.ok(url.startsWith(`${runbookBaseUrl}/`), `${rule.alert}: runbook_url ${url}`);
                const [page, anchor] = url.slice(runbookBaseUrl.length + 1).split("#");
                assert.equal(page, `${runbookPage(file)}.md`, `${rule.alert}: page`);
                assert.ok(fs.existsSync(path.join(runbooksDir, page)), `${rule.alert}: no docs/runbooks/${page}`);
                assert.ok(sections(page).has(anchor), `${rule.alert}: no section #${anchor} in docs/runbooks/${page}`);
            }
        });

        it("every section is an alert of its page, saying what it means, how to check and how to fix", () => {
            const pages = fs.readdirSync(runbooksDir).filter((f) => f.endsWith(".md") && f !== "README.md");
            assert.deepEqual(pages.sort(), [...new Set(files.map((f) => `${runbookPage(f.stem)}.md`))].sort());
            for (const page of pages) {
                const alertsOfPage = new Set(linked.filter(({ file }) => `${runbookPage(file)}.md` === page).map(({ rule }) => rule.alert!.toLowerCase()));
                for (const [anchor, text] of sections(page)) {
                    assert.ok(alertsOfPage.has(anchor), `docs/runbooks/${page}#${anchor} is no alert of ${page}`);
                    for (const part of ["**Means.**", "**Check.**", "**Fix.**"]) assert.ok(text.includes(part), `docs/runbooks/${page}#${anchor}: ${part}`);
                }
            }
        });
    });

    it("every rule file has a promtool test file that loads it; more test files of a rule file (<stem>.days.test.yaml) load it alone", () => {
        for (const f of files) assert.ok(fs.existsSync(path.join(testsDir, `${f.stem}.test.yaml`)), `${f.stem}.test.yaml`);
        for (const testFile of fs.readdirSync(testsDir).filter((t) => t.endsWith(".test.yaml"))) {
            const doc = parse(fs.readFileSync(path.join(testsDir, testFile), "utf8"));
            const loaded = (doc.rule_files as string[]).map((r) => path.resolve(testsDir, r));
            const stem = testFile.replace(/(\.days)?\.test\.yaml$/, "");
            assert.deepEqual(loaded, [path.join(defaultRulesDir(), `${stem}.yaml`)], testFile);
        }
    });

    it("every alert has a firing and a not-firing case in the promtool tests", () => {
        const firing = new Set<string>();
        const quiet = new Set<string>();
        for (const file of fs.readdirSync(testsDir).filter((f) => f.endsWith(".test.yaml"))) {
            const doc = parse(fs.readFileSync(path.join(testsDir, file), "utf8"));
            for (const t of doc.tests) {
                for (const c of t.alert_rule_test ?? []) (c.exp_alerts?.length ? firing : quiet).add(c.alertname);
            }
        }
        for (const { rule } of alerts) {
            assert.ok(firing.has(rule.alert!), `${rule.alert}: a firing case`);
            assert.ok(quiet.has(rule.alert!), `${rule.alert}: a not-firing case`);
        }
    });
});

describe("alerting: coverage of the upstream mixins' alerts (alerts/upstream-coverage.yaml)", () => {
    const table = loadUpstreamCoverage();
    const ours = ourAlertNames();
    const rows = coverageRows(table, ours);

    it("maps every upstream alert to an alert of ours, or says why it does not apply", () => {
        for (const [component, { alerts }] of Object.entries(table)) {
            for (const [upstream, mapped] of Object.entries(alerts)) {
                if (mapped.startsWith(notApplicable)) assert.ok(mapped.length > notApplicable.length + 10, `${component}: ${upstream}: say why it does not apply`);
                else assert.ok(ours.has(mapped), `${component}: ${upstream} is mapped to ${mapped}, which is no alert of alerts/rules`);
            }
        }
    });

    it("covers at least 90 % of the applicable upstream alerts", () => {
        const total = rows[rows.length - 1];
        assert.equal(total.component, "total");
        assert.ok(total.covered >= 0.9 * total.applicable, `${total.covered} of ${total.applicable}`);
    });

    it("docs/runbooks/README.md shows the figures of the table now", () => {
        const readme = fs.readFileSync(path.resolve(defaultRulesDir(), "..", "..", "docs", "runbooks", "README.md"), "utf8");
        // The docs add a "before" column; drop it to compare with the current figures.
        const documented = readme
            .split("\n")
            .filter((line) => line.startsWith("| ") && line.split(" | ").length === 5)
            .map((line) =>
                line
                    .split(" | ")
                    .filter((_, i) => i !== 3)
                    .join(" | "),
            );
        for (const line of coverageMarkdown(rows).split("\n")) assert.ok(documented.includes(line), `docs/runbooks/README.md lacks: ${line}`);
    });
});

describe("alerting: every metric a rule or a dashboard reads is defined by its program (alerts/metric-sources.yaml)", () => {
    const table = loadMetricSources();

    it("reads the metric names of PromQL, not its functions, labels, keywords or durations", () => {
        assert.deepEqual(
            [
                ...promqlMetricNames(
                    'histogram_quantile(0.99, sum by (cluster, le) (rate(a_bucket{job="x", route!~"tail|b_c"}[5m]))) > 2 and on (cluster) max_over_time(b[1h] offset 7d) / ignoring (tenant) group_left c unless absent(up{job="d"} == 1)',
                ),
            ].sort(),
            ["a_bucket", "b", "c", "up"],
        );
        assert.deepEqual([...promqlMetricNames("time() - min(x > 0) > 3 * 3600 or vector(0)")], ["x"]);
    });

    it("has an entry for every metric used, and uses every entry", () => {
        const used = usedMetrics();
        assert.ok(used.size > 100, `${used.size} metrics used`);
        assert.deepEqual(metricSourceProblems(table, used), []);
        assert.deepEqual(metricSourceProblems(table, new Map([["no_such_metric_total", ["a rule"]]])).slice(0, 1), ["no_such_metric_total (used by a rule) has no entry in alerts/metric-sources.yaml"]);
    });

    it("a histogram's series fall under its entry", () => {
        assert.equal(metricEntry("loki_request_duration_seconds_bucket", table), "loki_request_duration_seconds");
        assert.equal(metricEntry("loki_request_duration_seconds_total", table), undefined);
    });

    it("every entry spells its metric: prefix, the name on the quoted source line, suffix", () => {
        for (const [metric, e] of Object.entries(table)) {
            assert.equal(`${e.prefix}${e.name}${e.suffix ?? ""}`, metric, `${metric}: prefix + name + suffix`);
            // Without a note the name is a string literal on the line; a note says how it is composed.
            if (e.note === undefined) assert.ok(e.line.includes(`"${e.name}"`), `${metric}: the line ${e.at} does not hold "${e.name}"`);
        }
    });
});
