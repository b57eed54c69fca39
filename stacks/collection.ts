import * as pulumi from "@pulumi/pulumi";
import type { ChartSource } from "../components/charts";
import { Flow, PortSpec, tcp, Workload } from "../components/networkPolicies";
import { BlackboxProbes, blackboxPort } from "../components/probes";
import { Pushgateway, pushgatewayPort } from "../components/pushgateway";
import { Persistence } from "../components/resources";
import { StaticScrapeTargets } from "../components/scrapeTargets";
import { Endpoint, parseHostPort } from "./grammar";
import type { PlatformSizing } from "./profiles";
import { PlatformConfig, probeTargets } from "./schema";

/**
 * Release names of the exporter and the Pushgateway; each is also the job of its own metrics, which
 * its alert rules watch (alerts/rules/probes.yaml, pushgateway.yaml), so no scrape or probe job may take one.
 */
export const collectionReleaseNames = { blackboxExporter: "blackbox-exporter", pushgateway: "pushgateway" } as const;

/** What the collection extras need from the stack that deploys them. */
export interface CollectionDeps {
    /** Prometheus' namespace (the metrics release's): ScrapeConfigs, Probes, the exporter and the Pushgateway go there. */
    readonly metricsNamespace: pulumi.Input<string>;
    /** The Prometheus Operator CRDs release. */
    readonly crds: pulumi.Resource;
    /** Where charts come from (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** The profile's resources of the exporter and the Pushgateway. */
    readonly sizing: PlatformSizing["collection"];
    /** The Pushgateway's volume (the profile decides whether it has one). */
    readonly pushgatewayPersistence: Persistence;
    /** Options of parts that hold no state. */
    readonly inCluster: pulumi.ComponentResourceOptions;
    /** Options of parts that hold state (the Pushgateway: prod protects it). */
    readonly stateful: pulumi.ComponentResourceOptions;
}

/** The parts config asked for (each absent when it did not), and their traffic. */
export interface CollectionExtras {
    /** `lgtm:scrapeTargets`, when it lists a job. */
    readonly scrapeTargets?: StaticScrapeTargets;
    /** `lgtm:probes`, when it lists a probe: the blackbox exporter and the Probes. */
    readonly probes?: BlackboxProbes;
    /** `lgtm:pushgateway`, when enabled. */
    readonly pushgateway?: Pushgateway;
    /** Their workloads and flows for the platform's NetworkPolicies; undefined when `network.policies` is off. */
    readonly network?: { readonly workloads: Workload<pulumi.Input<string>>[]; readonly flows: Flow[] };
}

/** A job's targets where the NetworkPolicies meet them: an address or the job's CIDRs, and the ports. */
interface TargetJob {
    readonly name: string;
    readonly endpoints: readonly Endpoint[];
    readonly cidrs?: readonly string[];
}

/**
 * Egress from `from` (a workload) to exactly a job's targets: an IP target as its /32 (/128), a
 * target named by DNS name as the job's CIDRs, each on its own port, or on every port and protocol
 * when `ports` says so (ICMP, which a NetworkPolicy cannot name). One flow per set of ports. Pure.
 */
export function targetFlows(from: string, job: TargetJob, ports: (e: Endpoint) => PortSpec[] | "any", why: string): Flow[] {
    const byPorts = new Map<string, { ports: PortSpec[] | "any"; cidrs: Set<string> }>();
    for (const e of job.endpoints) {
        const cidrs = e.family === 4 ? [`${e.host}/32`] : e.family === 6 ? [`${e.host}/128`] : job.cidrs;
        // An address peer without CIDRs would be a rule without peers, which allows every destination.
        if (cidrs === undefined || cidrs.length === 0) throw new Error(`job ${job.name}: target ${e.host} is named by DNS name, and the job has no cidrs (validation should have said so)`);
        const p = ports(e);
        const key = JSON.stringify(p);
        const entry = byPorts.get(key) ?? { ports: p, cidrs: new Set<string>() };
        for (const cidr of cidrs) entry.cidrs.add(cidr);
        byPorts.set(key, entry);
    }
    return [...byPorts.values()].map(({ ports: p, cidrs }) => ({ from, to: { kind: "addresses", name: `targets of ${job.name}`, cidrs: [...cidrs] }, ports: p, why: `${why} ${job.name}` }));
}

/** Workload names of the parts here (the platform's Prometheus is `prometheus` in components/networkPolicies.ts). */
const workloadNames = { prometheus: "prometheus", blackboxExporter: "blackbox-exporter", pushgateway: "pushgateway" } as const;

/** The traffic of the parts deployed: Prometheus to its static targets, to the exporter and the Pushgateway; the exporter to its targets; jobs to the Pushgateway. */
function collectionNetwork(config: PlatformConfig, parts: Omit<CollectionExtras, "network">): NonNullable<CollectionExtras["network"]> {
    const workloads: Workload<pulumi.Input<string>>[] = [];
    const flows: Flow[] = [];
    for (const job of config.scrapeTargets) {
        const endpoints = job.targets.flatMap((t) => parseHostPort(t) ?? []);
        flows.push(...targetFlows(workloadNames.prometheus, { name: job.name, endpoints, cidrs: job.cidrs }, (e) => tcp(e.port!), "scrape"));
    }
    if (parts.probes) {
        workloads.push({ name: workloadNames.blackboxExporter, namespace: parts.probes.release.status.namespace, selector: parts.probes.podSelectors.exporter });
        flows.push({ from: workloadNames.prometheus, to: workloadNames.blackboxExporter, ports: tcp(blackboxPort), why: "probe through the blackbox exporter; scrape its metrics" });
        for (const probe of config.probes) {
            const endpoints = probe.targets.flatMap((t) => probeTargets[probe.module].endpoint(t) ?? []);
            // ICMP has no port, and a NetworkPolicy names only TCP, UDP and SCTP: the addresses are allowed on every protocol.
            const ports = (e: Endpoint): PortSpec[] | "any" => (probe.module === "icmp" ? "any" : tcp(e.port!));
            flows.push(...targetFlows(workloadNames.blackboxExporter, { name: probe.name, endpoints, cidrs: probe.cidrs }, ports, "probe"));
        }
    }
    if (parts.pushgateway) {
        const { clientNamespaces, clientNamespaceSelector } = config.pushgateway;
        workloads.push({ name: workloadNames.pushgateway, namespace: parts.pushgateway.release.status.namespace, selector: parts.pushgateway.podSelectors.server });
        flows.push({ from: workloadNames.prometheus, to: workloadNames.pushgateway, ports: tcp(pushgatewayPort), why: "scrape pushed metrics" });
        if (clientNamespaces.length > 0) {
            const namespaceSelector = { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In" as const, values: [...clientNamespaces] }] };
            flows.push({ from: { kind: "pods", name: "pushing jobs", namespaceSelector, podSelector: {} }, to: workloadNames.pushgateway, ports: tcp(pushgatewayPort), why: "jobs in pushgateway.clientNamespaces push" });
        }
        if (clientNamespaceSelector !== undefined) {
            flows.push({
                from: { kind: "pods", name: "pushing jobs (selected namespaces)", namespaceSelector: { matchLabels: clientNamespaceSelector }, podSelector: {} },
                to: workloadNames.pushgateway,
                ports: tcp(pushgatewayPort),
                why: "jobs in namespaces of pushgateway.clientNamespaceSelector push",
            });
        }
    }
    return { workloads, flows };
}

/**
 * Collection beyond the platform's own parts, each only when config asks for it: static scrape
 * targets (ScrapeConfigs), blackbox probes (the exporter and Probes) and the Pushgateway, all
 * beside Prometheus. The stack passes `network` on to its NetworkPolicies.
 */
export function deployCollectionExtras(config: PlatformConfig, deps: CollectionDeps): CollectionExtras {
    const { metricsNamespace: namespace, crds, chartSource } = deps;
    const scrapeTargets = config.scrapeTargets.length > 0 ? new StaticScrapeTargets("scrape-targets", { namespace, crds, jobs: config.scrapeTargets }, deps.inCluster) : undefined;
    const probes =
        config.probes.length > 0
            ? new BlackboxProbes("probes", { namespace, chartSource, releaseName: collectionReleaseNames.blackboxExporter, crds, probes: config.probes, resources: deps.sizing.blackboxExporter }, deps.inCluster)
            : undefined;
    const pushgateway = config.pushgateway.enabled
        ? new Pushgateway("pushgateway", { namespace, chartSource, releaseName: collectionReleaseNames.pushgateway, crds, resources: deps.sizing.pushgateway, persistence: deps.pushgatewayPersistence }, deps.stateful)
        : undefined;
    const parts = { ...(scrapeTargets ? { scrapeTargets } : {}), ...(probes ? { probes } : {}), ...(pushgateway ? { pushgateway } : {}) };
    return { ...parts, ...(config.network.policies ? { network: collectionNetwork(config, parts) } : {}) };
}
