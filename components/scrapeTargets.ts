import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A key of a Secret in the namespace of the ScrapeConfig (the operator reads it from there). */
export interface SecretKeyRef {
    readonly name: string;
    readonly key: string;
}

/** One job of static targets outside the cluster's service discovery (machines, appliances, other clusters' exporters). */
export interface StaticScrapeJob {
    /** The `job` label of its series; also names its ScrapeConfig (`lgtm-scrape-<name>`). */
    readonly name: string;
    /** `host:port` of each target (`[v6]:port` for IPv6). */
    readonly targets: readonly string[];
    /** Labels added to every series of the job (never `job`, `instance` or a label the platform sets). */
    readonly labels: Readonly<Record<string, string>>;
    /** Scrape interval; default: Prometheus' own. */
    readonly interval?: string;
    readonly scheme: "http" | "https";
    /** HTTP path of the metrics, such as `/metrics`. */
    readonly path: string;
    /** TLS towards the targets (scheme https). */
    readonly tls?: { readonly caSecret?: SecretKeyRef; readonly insecureSkipVerify?: boolean; readonly serverName?: string };
    /** Basic auth from a Secret of the user's: the name and the keys of the user name and the password. */
    readonly basicAuth?: { readonly secretName: string; readonly usernameKey: string; readonly passwordKey: string };
}

export interface StaticScrapeTargetsArgs {
    /**
     * Namespace of the ScrapeConfigs: Prometheus' (it selects ScrapeConfigs in every namespace), where
     * the Secrets the jobs name must be, since the operator reads them from the ScrapeConfig's namespace.
     */
    readonly namespace: pulumi.Input<string>;
    readonly jobs: readonly StaticScrapeJob[];
    /** The Prometheus Operator CRDs, which must exist first. */
    readonly crds: pulumi.Resource;
}

/** Labels on every ScrapeConfig and Probe the platform creates for its config, so they can be listed together. */
export const collectionObjectLabels = { "app.kubernetes.io/part-of": "lgtm-stack", "app.kubernetes.io/component": "collection" } as const;

/** A static target group's `labels`, left out when the job declares none, so the object holds only what was declared. */
export function staticLabels(labels: Readonly<Record<string, string>>): { labels?: Record<string, string> } {
    return Object.keys(labels).length > 0 ? { labels: { ...labels } } : {};
}

export const scrapeConfigName = (job: string) => `lgtm-scrape-${job}`;

/** The ScrapeConfig of one job (monitoring.coreos.com/v1alpha1). Pure, so tests read exactly what is applied. */
export function buildScrapeConfig(job: StaticScrapeJob, namespace: string) {
    const { tls, basicAuth } = job;
    return {
        apiVersion: "monitoring.coreos.com/v1alpha1",
        kind: "ScrapeConfig",
        metadata: { name: scrapeConfigName(job.name), namespace, labels: { ...collectionObjectLabels } },
        spec: {
            // The operator names the Prometheus job after the object; jobName is the `job` label of the series.
            jobName: job.name,
            staticConfigs: [{ targets: [...job.targets], ...staticLabels(job.labels) }],
            scheme: job.scheme,
            metricsPath: job.path,
            ...(job.interval ? { scrapeInterval: job.interval } : {}),
            ...(tls
                ? {
                      tlsConfig: {
                          ...(tls.caSecret ? { ca: { secret: { name: tls.caSecret.name, key: tls.caSecret.key } } } : {}),
                          ...(tls.insecureSkipVerify !== undefined ? { insecureSkipVerify: tls.insecureSkipVerify } : {}),
                          ...(tls.serverName ? { serverName: tls.serverName } : {}),
                      },
                  }
                : {}),
            ...(basicAuth
                ? {
                      basicAuth: {
                          username: { name: basicAuth.secretName, key: basicAuth.usernameKey },
                          password: { name: basicAuth.secretName, key: basicAuth.passwordKey },
                      },
                  }
                : {}),
        },
    };
}

/**
 * Static scrape targets (`lgtm:scrapeTargets`): one Prometheus Operator ScrapeConfig per job, which
 * the platform's Prometheus selects (kube-prometheus-stack's `scrapeConfigSelector: {}`, any namespace).
 */
export class StaticScrapeTargets extends pulumi.ComponentResource {
    /** One per job, in the order of the jobs. */
    public readonly scrapeConfigs: k8s.apiextensions.CustomResource[];

    constructor(name: string, args: StaticScrapeTargetsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:collection:StaticScrapeTargets", name, {}, opts);
        this.scrapeConfigs = args.jobs.map((job) => {
            const manifest = pulumi.output(args.namespace).apply((namespace) => buildScrapeConfig(job, namespace));
            return new k8s.apiextensions.CustomResource(
                `${name}-${job.name}`,
                { apiVersion: "monitoring.coreos.com/v1alpha1", kind: "ScrapeConfig", metadata: manifest.metadata, spec: manifest.spec },
                { parent: this, dependsOn: [args.crds] },
            );
        });
        this.registerOutputs({ scrapeConfigs: this.scrapeConfigs.map((c) => c.metadata.name) });
    }
}
