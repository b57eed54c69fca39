import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, charts } from "./charts";
import { restrictedPod } from "./podSecurity";
import { platformRelease, serviceHost } from "./release";
import { ComputeResources } from "./resources";
import { collectionObjectLabels, staticLabels } from "./scrapeTargets";

/** What a probe checks: an HTTP(S) answer of 2xx, a TCP connection, an ICMP echo. Each is a blackbox exporter module of that name. */
export const probeModules = ["http", "tcp", "icmp"] as const;
export type ProbeModule = (typeof probeModules)[number];

/** The exporter's port (its and the chart's default): `/probe` for Prometheus' probes, `/metrics` for its own metrics. */
export const blackboxPort = 9115;
/** User and group the chart runs the exporter as (its default); ICMP's sysctl must include the group. */
const blackboxUid = 1000;

/** Labels of the exporter's pods (the chart's selector labels). */
export function blackboxPodSelectors(releaseName: string) {
    return { exporter: { "app.kubernetes.io/name": "prometheus-blackbox-exporter", "app.kubernetes.io/instance": releaseName } } as const;
}
export type BlackboxPodSelectors = ReturnType<typeof blackboxPodSelectors>;

/** One probe job: the same module against each target. */
export interface BlackboxProbe {
    /** The `job` label of its series (`probe_success`, `probe_duration_seconds`, …); also names its Probe (`lgtm-probe-<name>`). */
    readonly name: string;
    readonly module: ProbeModule;
    /** URLs (http), `host:port` (tcp) or hosts (icmp). */
    readonly targets: readonly string[];
    /** Labels added to every series of the job. */
    readonly labels: Readonly<Record<string, string>>;
    /** Probe interval; default: Prometheus' scrape interval. */
    readonly interval?: string;
}

/**
 * The exporter's modules, named after `ProbeModule`. IPv4 first, IPv6 when a name has no IPv4
 * address (the exporter's fallback). HTTP follows redirects, which must then stay within the
 * addresses the NetworkPolicies allow.
 */
export const blackboxModules: Record<ProbeModule, Record<string, unknown>> = {
    http: { prober: "http", timeout: "5s", http: { valid_http_versions: ["HTTP/1.1", "HTTP/2.0"], follow_redirects: true, preferred_ip_protocol: "ip4" } },
    tcp: { prober: "tcp", timeout: "5s", tcp: { preferred_ip_protocol: "ip4" } },
    icmp: { prober: "icmp", timeout: "5s", icmp: { preferred_ip_protocol: "ip4" } },
};

export interface BlackboxValuesInput {
    readonly releaseName: string;
    readonly resources: ComputeResources;
    /** Whether any probe pings: the pod then gets the ping sysctl (see `buildBlackboxValues`). */
    readonly icmp: boolean;
}

/**
 * Values of prometheus-blackbox-exporter. ICMP without NET_RAW: Pod Security "restricted" allows
 * no capability but NET_BIND_SERVICE, so the exporter pings through Linux's unprivileged ICMP
 * sockets instead (it tries them first), which the namespaced, "safe" sysctl
 * `net.ipv4.ping_group_range` opens to the exporter's group only. Kubelets allow safe sysctls by
 * default and "restricted" admits them.
 */
export function buildBlackboxValues(v: BlackboxValuesInput): Record<string, unknown> {
    return {
        fullnameOverride: v.releaseName,
        config: { modules: blackboxModules },
        resources: v.resources,
        podSecurityContext: {
            ...restrictedPod(blackboxUid),
            ...(v.icmp ? { sysctls: [{ name: "net.ipv4.ping_group_range", value: `${blackboxUid} ${blackboxUid}` }] } : {}),
        },
        // Its own metrics (probe counts, config reloads); the probes themselves are Probe objects.
        serviceMonitor: { selfMonitor: { enabled: true, port: "http" } },
    };
}

export const probeName = (job: string) => `lgtm-probe-${job}`;

/** The Probe of one job (monitoring.coreos.com/v1), sent to the exporter at `proberAddress` (`host:port`). Pure. */
export function buildProbe(probe: BlackboxProbe, namespace: string, proberAddress: string) {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "Probe",
        metadata: { name: probeName(probe.name), namespace, labels: { ...collectionObjectLabels } },
        spec: {
            jobName: probe.name,
            module: probe.module,
            prober: { url: proberAddress, scheme: "http", path: "/probe" },
            ...(probe.interval ? { interval: probe.interval } : {}),
            targets: { staticConfig: { static: [...probe.targets], ...staticLabels(probe.labels) } },
        },
    };
}

export interface BlackboxProbesArgs {
    /** Namespace of the exporter and the Probes (Prometheus' own, where Prometheus selects Probes). */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** Helm release name (also the fullname: the Service is `<name>`). */
    readonly releaseName: string;
    /** The Prometheus Operator CRDs (the chart's ServiceMonitor and the Probes need them). */
    readonly crds: pulumi.Resource;
    /** At least one. */
    readonly probes: readonly BlackboxProbe[];
    readonly resources: ComputeResources;
}

/**
 * Probes of endpoints from outside (`lgtm:probes`): a blackbox exporter, and one Prometheus Operator
 * Probe per job. Probe objects rather than the chart's `serviceMonitor.targets`: a Probe carries
 * the job name, the module and the job's labels as they are declared (the chart makes one
 * ServiceMonitor per target and relabels its way to the same), and ScrapeConfigs and Probes then
 * share one shape and one set of rules.
 */
export class BlackboxProbes extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** `host:port` of the exporter's Service, as a Probe's `prober.url` takes it. */
    public readonly proberAddress: pulumi.Output<string>;
    public readonly podSelectors: BlackboxPodSelectors;
    /** One per probe job, in the order of the jobs. */
    public readonly probes: k8s.apiextensions.CustomResource[];
    /** Its rule file in alerts/rules. */
    public readonly alertRuleFiles: readonly string[] = ["probes"];

    constructor(name: string, args: BlackboxProbesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:collection:BlackboxProbes", name, {}, opts);
        if (args.probes.length === 0) throw new Error("BlackboxProbes: no probes (deploy the exporter only when probes are declared)");
        const values = buildBlackboxValues({ releaseName: args.releaseName, resources: args.resources, icmp: args.probes.some((p) => p.module === "icmp") });
        this.release = platformRelease(name, { chart: charts.blackboxExporter, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values }, { parent: this, dependsOn: [args.crds] });
        this.podSelectors = blackboxPodSelectors(args.releaseName);
        this.proberAddress = pulumi.interpolate`${serviceHost(this.release)}:${blackboxPort}`;
        const manifests = pulumi.all([this.release.status.namespace, this.proberAddress]);
        this.probes = args.probes.map((probe) => {
            const manifest = manifests.apply(([namespace, address]) => buildProbe(probe, namespace, address));
            return new k8s.apiextensions.CustomResource(
                `${name}-${probe.name}`,
                { apiVersion: "monitoring.coreos.com/v1", kind: "Probe", metadata: manifest.metadata, spec: manifest.spec },
                { parent: this, dependsOn: [args.crds] },
            );
        });
        this.registerOutputs({ proberAddress: this.proberAddress, probes: this.probes.map((p) => p.metadata.name) });
    }
}
