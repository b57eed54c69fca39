import * as pulumi from "@pulumi/pulumi";
import { Alloy } from "../components/alloy";
import { EdgeNetworkPolicies } from "../components/edgeNetworkPolicies";
import { centralFleetOutput, edgeEntry, FleetAccess, memberDelivery } from "../components/fleetAccess";
import { MetricsAgent } from "../components/metricsAgent";
import { PrometheusCrds } from "../components/prometheusCrds";
import { clusterProvider, createNamespaces, sharedReleaseNames } from "./cluster";
import { profileSizing } from "./profiles";
import { PlatformConfig } from "./schema";

/** What an edge stack exports. */
export interface EdgeOutputs {
    /** The central platform it ships to, as named in `lgtm:central`. */
    readonly central: string;
    /** Where its data goes: the central ingest host (not a secret, unlike the login). */
    readonly ingestHost: pulumi.Output<string>;
    readonly components: {
        readonly crds: PrometheusCrds;
        readonly metrics: MetricsAgent;
        readonly collect: Alloy;
        /** Undefined when `network.policies` is off. */
        readonly network?: EdgeNetworkPolicies;
    };
}

/**
 * An edge cluster, wired in one place: the central platform's `fleet` output (read through a
 * StackReference, never copied) gives this cluster's endpoints and login; the Prometheus agent
 * sends metrics, Alloy sends pod logs and traces, all under `cluster=<clusterName>`.
 */
export function deployEdge(config: PlatformConfig): EdgeOutputs {
    const sizing = profileSizing(config.profile).edge;
    const provider = clusterProvider(config);
    const inCluster: pulumi.ComponentResourceOptions = { providers: { kubernetes: provider } };
    // Both Namespaces, before anything goes in them. The agent's WAL is the only data an edge holds:
    // its Namespace (true: holds volumes) and release are protected as a platform's are (lgtm:protectData).
    const { ns, byName: namespaces } = createNamespaces(config, { metrics: true, agents: false }, provider, config.protectData);
    const chartSource = config.charts;

    const centralStack = new pulumi.StackReference(config.central);
    const fleet = centralStack.requireOutput(centralFleetOutput) as pulumi.Output<FleetAccess>;
    const entry = fleet.apply((f) => edgeEntry(f, config.clusterName, config.central));
    // The endpoints are host names, not secrets; only the login stays secret (it reaches the cluster as Secrets).
    const endpoints = pulumi.unsecret(entry.apply(({ remoteWriteUrl, lokiPushUrl, otlpHttpEndpoint }) => ({ remoteWriteUrl, lokiPushUrl, otlpHttpEndpoint })));
    const login = pulumi.secret(entry.apply(({ username, password }) => ({ username, password })));

    const crds = new PrometheusCrds("prometheus-crds", { namespace: ns.metrics, releaseName: sharedReleaseNames.crds, chartSource }, inCluster);

    const metrics = new MetricsAgent(
        "metrics",
        {
            namespace: ns.metrics,
            agentsNamespace: ns.agents,
            releaseName: sharedReleaseNames.metrics,
            chartSource,
            crds: crds.release,
            clusterName: config.clusterName,
            scrapeInterval: config.metrics.scrapeInterval,
            remoteWriteUrl: endpoints.remoteWriteUrl,
            login,
            delivery: memberDelivery,
            // Unsent samples must outlive a restart of the agent: its WAL is always on a volume.
            walStorage: { enabled: true, size: config.metrics.volumeSize, storageClass: config.storageClass || undefined },
            sizing: sizing.metrics,
        },
        { ...inCluster, protect: config.protectData },
    );

    const collect = new Alloy(
        "collect",
        {
            namespace: ns.agents,
            releaseName: sharedReleaseNames.agents,
            chartSource,
            clusterName: config.clusterName,
            destination: endpoints.apply(({ lokiPushUrl, otlpHttpEndpoint, remoteWriteUrl }) => ({ central: { lokiPushUrl, otlpHttpEndpoint, remoteWriteUrl, delivery: memberDelivery } })),
            centralLogin: login,
            crds: crds.release,
            resources: sizing.alloy,
        },
        inCluster,
    );

    // Last: the policies need both releases' namespaces and pod labels.
    const network = config.network.policies
        ? new EdgeNetworkPolicies(
              "network",
              {
                  namespaces: Object.fromEntries([...namespaces].map(([name, ns]) => [name, ns.metadata.name])),
                  edge: {
                      metrics: { namespace: metrics.namespace, pods: metrics.podSelectors },
                      agents: { namespace: collect.release.status.namespace, pods: collect.podSelectors },
                      apiServerCidrs: config.network.apiServerCidrs,
                  },
              },
              inCluster,
          )
        : undefined;

    return {
        central: config.central,
        ingestHost: pulumi.unsecret(fleet.apply((f) => f.ingestHost)),
        components: { crds, metrics, collect, ...(network ? { network } : {}) },
    };
}
