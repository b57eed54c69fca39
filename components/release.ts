import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartRef, ChartSource, releaseChartArgs } from "./charts";

/** What every platform release needs: a pinned chart, a stable name, a namespace and its values. */
export interface PlatformReleaseArgs {
    /** The pinned chart (from `charts`). */
    readonly chart: ChartRef;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /**
     * Helm release name. Our values also pin `fullnameOverride` to it, so every object the chart
     * names after its fullname (Services first of all) is `<name>` or `<name>-<suffix>`.
     */
    readonly releaseName: string;
    /** Namespace the release is installed into; it must exist (the stack creates namespaces). */
    readonly namespace: pulumi.Input<string>;
    /** Fully built chart values. */
    readonly values: pulumi.Input<Record<string, unknown>>;
    /** How long Helm may wait for the release to become ready, in seconds. */
    readonly timeoutSeconds?: number;
}

/**
 * A `helm.v3.Release` with the platform's conventions. Release (not Chart v4) because the charts'
 * Helm hooks must run: MinIO creates its buckets and kube-prometheus-stack its webhook certificates
 * in hook Jobs, which Chart v4 never runs.
 */
export function platformRelease(resourceName: string, args: PlatformReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        resourceName,
        {
            ...releaseChartArgs(args.chart, args.chartSource),
            name: args.releaseName,
            namespace: args.namespace,
            createNamespace: false,
            values: args.values,
            timeout: args.timeoutSeconds ?? 600,
            maxHistory: 10,
        },
        opts,
    );
}

/** A Service by name and namespace, as `kubectl` addresses it. */
export interface ServiceName {
    readonly name: string;
    readonly namespace: string;
}

/**
 * A Service that a release names after its fullname (`<release>` or `<release>-<suffix>`), derived
 * from the release's status so consumers wait for the release and follow its namespace.
 */
export function serviceName(release: k8s.helm.v3.Release, suffix?: string): pulumi.Output<ServiceName> {
    return pulumi.all([release.status.name, release.status.namespace]).apply(([name, namespace]) => ({ name: suffix ? `${name}-${suffix}` : name, namespace }));
}

/** In-cluster DNS name of the Service `name` in `namespace`. */
export function clusterDnsName({ name, namespace }: { readonly name: string; readonly namespace: string }): string {
    return `${name}.${namespace}.svc.cluster.local`;
}

/** In-cluster DNS name of a Service of a release (see `serviceName`). */
export function serviceHost(release: k8s.helm.v3.Release, suffix?: string): pulumi.Output<string> {
    return serviceName(release, suffix).apply(clusterDnsName);
}

/** `http://<service host>:<port><path>` for a Service of a release. */
export function serviceUrl(release: k8s.helm.v3.Release, suffix: string | undefined, port: number, path = ""): pulumi.Output<string> {
    return pulumi.interpolate`http://${serviceHost(release, suffix)}:${port}${path}`;
}
