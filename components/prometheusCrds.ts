import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, charts } from "./charts";
import { platformRelease } from "./release";

export interface PrometheusCrdsArgs {
    /** Namespace that records the Helm release (CRDs themselves are cluster-scoped). */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** Helm release name. */
    readonly releaseName: string;
}

/**
 * The Prometheus Operator CRDs as a release of their own: Helm never upgrades CRDs shipped in a
 * chart's `crds/` folder, and a separate release lets everything that creates ServiceMonitors,
 * PodMonitors or PrometheusRules depend on it explicitly.
 */
export class PrometheusCrds extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: PrometheusCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:metrics:PrometheusCrds", name, {}, opts);
        this.release = platformRelease(name, { chart: charts.prometheusOperatorCrds, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values: {} }, { parent: this });
        this.registerOutputs({ releaseName: this.release.status.name });
    }
}
