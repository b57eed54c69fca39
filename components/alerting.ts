import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

// ---------------------------------------------------------------------------------------------
// Alertmanager configuration
// ---------------------------------------------------------------------------------------------

/**
 * Where notifications go. Secret URLs never appear here: Alertmanager reads each one from a file
 * (`api_url_file` for Slack, since Alertmanager 0.22; `url_file` for webhooks, since 0.26) that the
 * operator mounts from a Kubernetes Secret.
 */
export interface AlertReceivers {
    /** Slack incoming webhook: the channel to post to and the file holding the webhook URL. */
    readonly slack?: { readonly channel: string; readonly apiUrlFile: string };
    /** Generic webhook (JSON POST of every notification): the file holding its URL. */
    readonly webhook?: { readonly urlFile: string };
}

/** One Alertmanager route (the subset of fields we generate). */
export interface AlertmanagerRoute {
    readonly receiver?: string;
    readonly matchers?: readonly string[];
    readonly group_by?: readonly string[];
    readonly group_wait?: string;
    readonly group_interval?: string;
    readonly repeat_interval?: string;
    readonly routes?: readonly AlertmanagerRoute[];
}

export interface SlackConfig {
    readonly api_url_file: string;
    readonly channel: string;
    readonly send_resolved: boolean;
    readonly title: string;
    readonly text: string;
}

export interface WebhookConfig {
    readonly url_file: string;
    readonly send_resolved: boolean;
}

export interface AlertmanagerReceiver {
    readonly name: string;
    readonly slack_configs?: readonly SlackConfig[];
    readonly webhook_configs?: readonly WebhookConfig[];
}

export interface InhibitRule {
    readonly source_matchers?: readonly string[];
    readonly target_matchers: readonly string[];
    readonly equal?: readonly string[];
}

/** An Alertmanager configuration document (`alertmanager.yaml`). */
export interface AlertmanagerConfig {
    readonly global: { readonly resolve_timeout: string };
    readonly route: AlertmanagerRoute;
    readonly inhibit_rules: readonly InhibitRule[];
    readonly receivers: readonly AlertmanagerReceiver[];
    readonly templates: readonly string[];
}

/** Receiver that drops what it gets; the only receiver when no channel is configured. */
export const nullReceiver = "null";
/** Receiver that notifies every configured channel (Slack and/or the webhook). */
export const platformReceiver = "platform";
/** Alerts that are always firing by design (kube-prometheus-stack's rules) and must never notify. */
export const silencedAlerts = ["Watchdog", "InfoInhibitor"] as const;
/** Labels notifications are grouped by. */
export const alertGroupBy = ["alertname", "cluster", "namespace"] as const;

const slackTitle = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}';
// Each alert with its runbook link when it has one (ours always do; kube-prometheus-stack's too).
const slackText =
    "{{ range .Alerts }}*{{ .Labels.severity }}* {{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ if .Labels.cluster }}cluster {{ .Labels.cluster }} {{ end }}{{ if .Labels.namespace }}namespace {{ .Labels.namespace }}{{ end }}{{ if .Annotations.runbook_url }} <{{ .Annotations.runbook_url }}|runbook>{{ end }}\n{{ end }}";

/**
 * The Alertmanager configuration of the platform. Notifications are grouped by alert name, cluster
 * and namespace; warnings repeat every 4h, criticals every hour; `Watchdog` and `InfoInhibitor` go
 * to the `null` receiver; a critical alert mutes the warning (and info) of the same name in the
 * same namespace. Without any receiver, every alert goes to `null`: Alertmanager still groups,
 * inhibits and shows alerts (UI, API, Grafana) but sends nothing.
 *
 * Every top-level key is set, so Helm's merge with kube-prometheus-stack's default `config` leaves
 * this document unchanged.
 */
export function buildAlertmanagerConfig(receivers: AlertReceivers): AlertmanagerConfig {
    const notifying = receivers.slack !== undefined || receivers.webhook !== undefined;
    const target = notifying ? platformReceiver : nullReceiver;
    const platform: AlertmanagerReceiver = {
        name: platformReceiver,
        ...(receivers.slack
            ? {
                  slack_configs: [{ api_url_file: receivers.slack.apiUrlFile, channel: receivers.slack.channel, send_resolved: true, title: slackTitle, text: slackText }],
              }
            : {}),
        ...(receivers.webhook ? { webhook_configs: [{ url_file: receivers.webhook.urlFile, send_resolved: true }] } : {}),
    };
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: target,
            group_by: [...alertGroupBy],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [
                { receiver: nullReceiver, matchers: [`alertname =~ "${silencedAlerts.join("|")}"`] },
                { receiver: target, matchers: ['severity = "critical"'], repeat_interval: "1h" },
            ],
        },
        inhibit_rules: [
            { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["alertname", "namespace"] },
            { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ["alertname", "namespace"] },
            // kube-prometheus-stack's InfoInhibitor fires while info alerts are alone in a namespace.
            { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ["namespace"] },
        ],
        receivers: notifying ? [{ name: nullReceiver }, platform] : [{ name: nullReceiver }],
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}

// ---------------------------------------------------------------------------------------------
// Wiring into kube-prometheus-stack
// ---------------------------------------------------------------------------------------------

/** Where the Prometheus Operator mounts each Secret listed in `alertmanagerSpec.secrets`. */
export const alertmanagerSecretsMountDir = "/etc/alertmanager/secrets";
/** Keys of the notification URLs in their Secret (and so the file names Alertmanager reads). */
export const notificationSecretKeys = { slack: "slack-url", webhook: "webhook-url" } as const;
/** Default name of the Secret with the notification URLs. */
export const defaultNotificationSecretName = "alertmanager-notification-urls";

/** Which channels are configured; the URLs themselves stay in the Secret. */
export interface NotificationChannels {
    /** Slack channel (e.g. `#alerts`) when a Slack webhook URL is configured. */
    readonly slackChannel?: string;
    /** Whether a generic webhook URL is configured. */
    readonly webhook: boolean;
}

/**
 * Receivers reading their URLs from the files the operator mounts for `secretName`:
 * `<mountDir>/<secretName>/slack-url` and `.../webhook-url`.
 */
export function notificationReceivers(secretName: string, channels: NotificationChannels, mountDir = alertmanagerSecretsMountDir): AlertReceivers {
    const file = (key: string) => path.posix.join(mountDir, secretName, key);
    return {
        ...(channels.slackChannel !== undefined ? { slack: { channel: channels.slackChannel, apiUrlFile: file(notificationSecretKeys.slack) } } : {}),
        ...(channels.webhook ? { webhook: { urlFile: file(notificationSecretKeys.webhook) } } : {}),
    };
}

/** The `alertmanager` values fragment of kube-prometheus-stack that this module owns. */
export interface AlertmanagerValues {
    /** The whole Alertmanager configuration (`alertmanager.config`). */
    readonly config: AlertmanagerConfig;
    /** `alertmanager.alertmanagerSpec.secrets`: present only when a notification Secret exists. */
    readonly alertmanagerSpec?: { readonly secrets: readonly string[] };
}

/**
 * Values fragment for `alertmanager`: the configuration, and the Secret to mount when any channel
 * is configured. Merge `alertmanagerSpec` into the chart's other `alertmanagerSpec` values.
 */
export function alertmanagerValues(channels: NotificationChannels, secretName = defaultNotificationSecretName): AlertmanagerValues {
    const receivers = notificationReceivers(secretName, channels);
    const config = buildAlertmanagerConfig(receivers);
    const mounted = receivers.slack !== undefined || receivers.webhook !== undefined;
    return mounted ? { config, alertmanagerSpec: { secrets: [secretName] } } : { config };
}

export interface AlertmanagerWiringArgs {
    /** Namespace of Alertmanager; the operator mounts only Secrets of the Alertmanager's namespace. */
    readonly namespace: pulumi.Input<string>;
    /** Name of the Secret holding the URLs (default `alertmanager-notification-urls`). */
    readonly secretName?: string;
    /** Slack channel to post to; required together with `slackWebhookUrl`. */
    readonly slackChannel?: string;
    /** Slack incoming-webhook URL, a Pulumi secret. */
    readonly slackWebhookUrl?: pulumi.Output<string>;
    /** Generic webhook URL, a Pulumi secret. */
    readonly webhookUrl?: pulumi.Output<string>;
}

/** What kube-prometheus-stack needs from the alerting module. */
export interface AlertmanagerWiring {
    /** `alertmanager` values fragment (configuration and, with any channel, the Secret to mount). */
    readonly values: AlertmanagerValues;
    /** The Secret with the URLs; undefined without channels. The release should depend on it. */
    readonly secret?: k8s.core.v1.Secret;
}

/**
 * The Secret Alertmanager reads its notification URLs from, one key per configured channel. The
 * URLs enter it only as Pulumi secrets; undefined when no URL is given.
 */
export function notificationSecret(
    name: string,
    args: { readonly namespace: pulumi.Input<string>; readonly secretName: string; readonly slackWebhookUrl?: pulumi.Output<string>; readonly webhookUrl?: pulumi.Output<string> },
    opts?: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret | undefined {
    const stringData: Record<string, pulumi.Output<string>> = {};
    if (args.slackWebhookUrl !== undefined) stringData[notificationSecretKeys.slack] = pulumi.secret(args.slackWebhookUrl);
    if (args.webhookUrl !== undefined) stringData[notificationSecretKeys.webhook] = pulumi.secret(args.webhookUrl);
    if (Object.keys(stringData).length === 0) return undefined;
    return new k8s.core.v1.Secret(name, { metadata: { name: args.secretName, namespace: args.namespace }, type: "Opaque", stringData }, opts);
}

/**
 * Wires notifications: creates the URL Secret (when any URL is given) and returns the
 * kube-prometheus-stack `alertmanager` values that mount it and point the receivers at its files.
 */
export function alertmanagerWiring(name: string, args: AlertmanagerWiringArgs, opts?: pulumi.CustomResourceOptions): AlertmanagerWiring {
    if (args.slackWebhookUrl !== undefined && !args.slackChannel) {
        throw new Error("alerting: a Slack webhook URL is configured without a Slack channel (set the channel too)");
    }
    const secretName = args.secretName ?? defaultNotificationSecretName;
    const channels: NotificationChannels = {
        ...(args.slackWebhookUrl !== undefined ? { slackChannel: args.slackChannel } : {}),
        webhook: args.webhookUrl !== undefined,
    };
    const secret = notificationSecret(name, { namespace: args.namespace, secretName, slackWebhookUrl: args.slackWebhookUrl, webhookUrl: args.webhookUrl }, opts);
    return { values: alertmanagerValues(channels, secretName), ...(secret ? { secret } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The platform's own alert rules
// ---------------------------------------------------------------------------------------------

/** A rule as written in a Prometheus rule file (alerting or recording). */
export interface PrometheusRuleEntry {
    readonly alert?: string;
    readonly record?: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
}

export interface PrometheusRuleGroup {
    readonly name: string;
    readonly interval?: string;
    readonly rules: readonly PrometheusRuleEntry[];
}

/** One rule file of the repository, parsed. */
export interface RuleFile {
    /** File name without `.yaml`; the PrometheusRule is named `lgtm-<stem>`. */
    readonly stem: string;
    readonly path: string;
    readonly groups: readonly PrometheusRuleGroup[];
}

/** The repository's rule files (`alerts/rules`), also when running from a compiled `bin/`. */
export function defaultRulesDir(): string {
    const candidates = [path.resolve(__dirname, "..", "alerts", "rules"), path.resolve(__dirname, "..", "..", "alerts", "rules")];
    return candidates.find((d) => fs.existsSync(d)) ?? candidates[0];
}

const stemPattern = /^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/;

/**
 * Where the runbooks (`docs/runbooks/` of this repository) are read from a notification: the one
 * place to change when the repository lives elsewhere. Alertmanager and Grafana need an absolute
 * URL; a path relative to the repository would lead nowhere.
 */
export const runbookBaseUrl = "https://github.com/your-org/lgtm-stack/blob/main/docs/runbooks";

/**
 * The runbook page of a rule file: its component's. A topology's file (`tempo-distributed`) shares
 * the page of its component (`tempo`), as its alerts share their names.
 */
export function runbookPage(stem: string): string {
    return stem.replace(/-(monolithic|distributed)$/, "");
}

/** The `runbook_url` of an alert of a rule file: its section (GitHub's anchor of the alert name) on the component's page. */
export function runbookUrl(stem: string, alert: string): string {
    return `${runbookBaseUrl}/${runbookPage(stem)}.md#${alert.toLowerCase()}`;
}

/** The groups of a rule file as deployed: every alert annotated with its `runbook_url`. */
export function withRunbookUrls(file: RuleFile): PrometheusRuleGroup[] {
    return file.groups.map((group) => ({
        ...group,
        rules: group.rules.map((rule) => (rule.alert === undefined ? rule : { ...rule, annotations: { ...rule.annotations, runbook_url: runbookUrl(file.stem, rule.alert) } })),
    }));
}

/**
 * Reads the `*.yaml` rule files of `dir` (sorted by name): every one, or only the stems in `only`.
 * Throws on a file that is not a `groups:` document, on a stem that cannot name a Kubernetes
 * object, and on an `only` entry that matches no file (a typo would otherwise deploy nothing).
 */
export function loadRuleFiles(dir: string, only?: readonly string[]): RuleFile[] {
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml"))
        .sort();
    const stems = files.map((f) => f.slice(0, -".yaml".length));
    const unknown = (only ?? []).filter((o) => !stems.includes(o));
    if (unknown.length > 0) throw new Error(`alerting: rule files not found in ${dir}: ${unknown.join(", ")}`);

    const loaded: RuleFile[] = [];
    for (const [i, file] of files.entries()) {
        const stem = stems[i];
        if (only !== undefined && !only.includes(stem)) continue;
        const filePath = path.join(dir, file);
        if (!stemPattern.test(stem)) throw new Error(`alerting: ${filePath}: file name must be lower-case letters, digits and '-' (it names a Kubernetes object)`);
        const doc = parse(fs.readFileSync(filePath, "utf8")) as { groups?: unknown } | null;
        if (!doc || !Array.isArray(doc.groups) || doc.groups.length === 0) throw new Error(`alerting: ${filePath}: expected a rule file with a non-empty "groups" list`);
        loaded.push({ stem, path: filePath, groups: doc.groups as PrometheusRuleGroup[] });
    }
    if (loaded.length === 0) throw new Error(`alerting: no rule files (*.yaml) in ${dir}`);
    return loaded;
}

/**
 * A component that brings alert rules of its own: the rule files watching what it deploys. A part
 * the stack does not deploy (MinIO with an external store, the other Tempo or Loki topology) has no
 * component, so its rules are not deployed either; MinioDown can then not fire for a store that
 * does not exist.
 */
export interface AlertedComponent {
    /** Stems of its rule files in `alerts/rules` (`minio` for `minio.yaml`). */
    readonly alertRuleFiles: readonly string[];
}

export interface PlatformAlertsArgs {
    /** Namespace of the PrometheusRule objects (Prometheus selects rules in every namespace). */
    readonly namespace: pulumi.Input<string>;
    /** The Prometheus Operator CRDs release; PrometheusRule objects need it first. */
    readonly crds: pulumi.Resource;
    /** Folder of rule files, one PrometheusRule per file (default: the repository's `alerts/rules`). */
    readonly rulesDir?: string;
    /** Rule files (stems) to deploy: the `alertRuleFiles` of the deployed components. */
    readonly ruleFiles: readonly string[];
    /** Extra labels on every PrometheusRule object. */
    readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The platform's own alert rules, loaded from the repository's rule files (which `promtool` checks
 * and unit-tests) into one PrometheusRule per file, named `lgtm-<file stem>`; only the files the
 * deployed components name. Every alert links its runbook (`runbook_url`).
 */
export class PlatformAlerts extends pulumi.ComponentResource {
    /** The PrometheusRule objects, in file-name order. */
    public readonly rules: k8s.apiextensions.CustomResource[];
    /** Their object names (`lgtm-<stem>`). */
    public readonly ruleNames: string[];

    constructor(name: string, args: PlatformAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:alerting:PlatformAlerts", name, {}, opts);

        const files = loadRuleFiles(args.rulesDir ?? defaultRulesDir(), args.ruleFiles);
        const labels = { "app.kubernetes.io/part-of": "lgtm", "app.kubernetes.io/managed-by": "pulumi", ...args.labels };
        this.ruleNames = files.map((f) => `lgtm-${f.stem}`);
        this.rules = files.map(
            (f, i) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${f.stem}`,
                    {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "PrometheusRule",
                        metadata: { name: this.ruleNames[i], namespace: args.namespace, labels },
                        spec: { groups: withRunbookUrls(f) },
                    },
                    { parent: this, dependsOn: [args.crds] },
                ),
        );

        this.registerOutputs({ ruleNames: this.ruleNames });
    }
}
