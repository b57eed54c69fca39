import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, charts } from "./charts";
import { restrictedContainer, restrictedPod } from "./podSecurity";
import { platformRelease, serviceUrl } from "./release";
import { chartPersistence, ComputeResources, Persistence } from "./resources";

/** The Pushgateway's port (the chart's Service and container port). */
export const pushgatewayPort = 9091;
/** The image runs as nobody (the chart's default). */
const pushgatewayUid = 65534;
/** Where the chart mounts the volume (its default `persistentVolume.mountPath`). */
const dataDirectory = "/data";

/** Labels of the Pushgateway's pods (the chart's selector labels). */
export function pushgatewayPodSelectors(releaseName: string) {
    return { server: { "app.kubernetes.io/name": "prometheus-pushgateway", "app.kubernetes.io/instance": releaseName } } as const;
}
export type PushgatewayPodSelectors = ReturnType<typeof pushgatewayPodSelectors>;

export interface PushgatewayValuesInput {
    readonly releaseName: string;
    /** The release's namespace, where its ServiceMonitor goes (the chart's default is a fixed `monitoring`). */
    readonly namespace: string;
    readonly resources: ComputeResources;
    /** With a volume, pushed groups survive a restart (`--persistence.file`); without, a restart forgets them. */
    readonly persistence: Persistence;
}

/** Values of prometheus-pushgateway. */
export function buildPushgatewayValues(v: PushgatewayValuesInput): Record<string, unknown> {
    return {
        fullnameOverride: v.releaseName,
        resources: v.resources,
        securityContext: restrictedPod(pushgatewayUid),
        containerSecurityContext: { ...restrictedContainer, readOnlyRootFilesystem: true },
        // It calls no Kubernetes API.
        automountServiceAccountToken: false,
        persistentVolume: chartPersistence(v.persistence),
        ...(v.persistence.enabled ? { extraArgs: [`--persistence.file=${dataDirectory}/pushgateway.db`] } : {}),
        // honorLabels: a pushed series keeps its own job and instance (the job that pushed it), not the Pushgateway's.
        serviceMonitor: { enabled: true, namespace: v.namespace, honorLabels: true },
    };
}

export interface PushgatewayArgs {
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** Helm release name (also the fullname: the Service is `<name>`). */
    readonly releaseName: string;
    /** The Prometheus Operator CRDs (its ServiceMonitor needs them). */
    readonly crds: pulumi.Resource;
    readonly resources: ComputeResources;
    readonly persistence: Persistence;
}

/**
 * A Prometheus Pushgateway (`lgtm:pushgateway`): where batch jobs that end before they could be
 * scraped push their last results, for Prometheus to scrape with the jobs' own labels.
 */
export class Pushgateway extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** In-cluster URL jobs push to (`<url>/metrics/job/<job>`). */
    public readonly url: pulumi.Output<string>;
    public readonly podSelectors: PushgatewayPodSelectors;
    /** Its rule file in alerts/rules. */
    public readonly alertRuleFiles: readonly string[] = ["pushgateway"];

    constructor(name: string, args: PushgatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:collection:Pushgateway", name, {}, opts);
        const values = pulumi.output(args.namespace).apply((namespace) => buildPushgatewayValues({ ...args, namespace }));
        this.release = platformRelease(name, { chart: charts.pushgateway, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values }, { parent: this, dependsOn: [args.crds] });
        this.podSelectors = pushgatewayPodSelectors(args.releaseName);
        this.url = serviceUrl(this.release, undefined, pushgatewayPort);
        this.registerOutputs({ url: this.url });
    }
}
