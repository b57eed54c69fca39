import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** How Prometheus finds the application's metrics. */
export interface ScrapeTarget {
    /** `service` scrapes the endpoints of matching Services (ServiceMonitor); `pod` scrapes matching pods directly (PodMonitor). */
    readonly kind: "service" | "pod";
    /** Labels the Services (or pods) carry. */
    readonly selector: Record<string, string>;
    /** Name of the Service port (or container port) that serves metrics. */
    readonly port: string;
    /** HTTP path of the metrics, default `/metrics`. */
    readonly path?: string;
    /** Scrape interval, default: Prometheus' own. */
    readonly interval?: string;
}

export interface MonitoredAppArgs {
    /** Namespace of the application; the monitor is created there (Prometheus selects monitors in every namespace). */
    readonly namespace: pulumi.Input<string>;
    /** What to scrape. */
    readonly scrape: ScrapeTarget;
    /** The Prometheus Operator CRDs (the platform's `components.crds.release`), which must exist first. */
    readonly crds: pulumi.Resource;
}

/** The ServiceMonitor or PodMonitor for an application (pure, so users and tests can inspect it). */
export function buildMonitor(name: string, namespace: string, scrape: ScrapeTarget): Record<string, unknown> {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new Error(`monitor name "${name}" must be a DNS label`);
    if (Object.keys(scrape.selector).length === 0) throw new Error(`monitor "${name}": selector must name at least one label, or it would scrape everything`);
    if (scrape.interval !== undefined && !/^(\d+(ms|s|m|h))+$/.test(scrape.interval)) throw new Error(`monitor "${name}": interval "${scrape.interval}" must be a duration such as 30s or 1m`);
    const endpoint = { port: scrape.port, path: scrape.path ?? "/metrics", ...(scrape.interval ? { interval: scrape.interval } : {}) };
    const service = scrape.kind === "service";
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: service ? "ServiceMonitor" : "PodMonitor",
        metadata: { name, namespace },
        spec: {
            selector: { matchLabels: scrape.selector },
            namespaceSelector: { matchNames: [namespace] },
            [service ? "endpoints" : "podMetricsEndpoints"]: [endpoint],
        },
    };
}

/**
 * Registers an application with the platform: Prometheus scrapes it. Its logs are collected by the
 * agent on every node without any registration, and its traces go to the stack's
 * `otlpGrpcEndpoint`/`otlpHttpEndpoint` outputs (set `OTEL_EXPORTER_OTLP_ENDPOINT` to one of them).
 */
export class MonitoredApp extends pulumi.ComponentResource {
    public readonly monitor: k8s.apiextensions.CustomResource;

    constructor(name: string, args: MonitoredAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:apps:MonitoredApp", name, {}, opts);
        const manifest = pulumi.output(args.namespace).apply((namespace) => buildMonitor(name, namespace, args.scrape));
        this.monitor = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: args.scrape.kind === "service" ? "ServiceMonitor" : "PodMonitor",
                metadata: manifest.apply((m) => m.metadata as k8s.types.input.meta.v1.ObjectMeta),
                spec: manifest.apply((m) => m.spec),
            },
            { parent: this, dependsOn: [args.crds] },
        );
        this.registerOutputs({ monitor: this.monitor.metadata.name });
    }
}
