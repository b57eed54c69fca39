import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AlertedComponent } from "./alerting";
import { hostnameTopologyKey, zoneSpread } from "./availability";
import { ChartSource, charts } from "./charts";
import { BucketNames, ObjectStore, ObjectStoreCredentials } from "./objectStore";
import { restrictedContainer, restrictedPod } from "./podSecurity";
import { platformRelease, serviceHost } from "./release";
import { chartPersistence, ComputeResources, keptClaimAnnotations, Persistence } from "./resources";

/** S3 API port we pin in the chart values (and so in the endpoint consumers receive). */
export const minioApiPort = 9000;
/** Keys the MinIO chart reads from `existingSecret`. */
const rootUserKey = "rootUser";
const rootPasswordKey = "rootPassword";

/**
 * Labels the MinIO chart puts on its server pods and on its hook Jobs' pods: the chart's name
 * (`app`, fixed) and the release.
 */
export function minioPodSelectors(releaseName: string) {
    return {
        server: { app: "minio", release: releaseName },
        /** The post-install Job that creates the buckets. */
        jobs: { app: "minio-job", release: releaseName },
    } as const;
}
export type MinioPodSelectors = ReturnType<typeof minioPodSelectors>;

/** MinIO's root user and password (Pulumi secrets); consumers sign their S3 requests with them. */
export interface MinioRootCredentials {
    readonly user: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
}

export interface MinioArgs {
    /** Namespace for MinIO and its credentials Secret. */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /** The Prometheus Operator CRDs release: the chart's ServiceMonitor needs them first. */
    readonly crds: pulumi.Resource;
    /** Helm release name (also the fullname, so the S3 Service is named after it). */
    readonly releaseName: string;
    /** `standalone` (one pod, dev) or `distributed` (erasure-coded, at least 4 pods). */
    readonly mode: "standalone" | "distributed";
    /** Pods in distributed mode; ignored in standalone mode. */
    readonly replicas: number;
    /** Bucket of each consumer, created by the release's post-install hook. */
    readonly buckets: BucketNames;
    /** Whether buckets keep object versions (protects against deletes by mistake). */
    readonly versioning: boolean;
    /** Region consumers sign requests with. */
    readonly region: string;
    /** Data volume of each pod. */
    readonly persistence: Persistence;
    /** Resources of the MinIO server container. */
    readonly resources: ComputeResources;
    /** Resources of the bucket-creating hook Job. */
    readonly jobResources: ComputeResources;
    /** The cluster's availability zones (`lgtm:zones`), to spread distributed MinIO's pods over; none to spread over nodes only. */
    readonly zones: readonly string[];
    /**
     * Root credentials the operator brings (at least 3 and 8 characters, MinIO's limits); undefined
     * generates them here, with `@pulumi/random`, and the Pulumi state keeps the only copy.
     */
    readonly rootCredentials?: MinioRootCredentials;
}

export interface MinioValuesInput {
    readonly releaseName: string;
    readonly mode: MinioArgs["mode"];
    readonly replicas: number;
    readonly bucketNames: string[];
    readonly versioning: boolean;
    readonly persistence: Persistence;
    readonly resources: ComputeResources;
    readonly jobResources: ComputeResources;
    readonly zones: readonly string[];
    /** Name of the Secret holding the root credentials. */
    readonly credentialsSecretName: string;
}

/** The user MinIO's images run as. */
const minioUid = 1000;

/** A post-install hook Job's values: sized, and with the container context "restricted" requires. */
function hookJob(resources: ComputeResources) {
    return { resources, securityContext: { enabled: true, runAsUser: minioUid, runAsGroup: minioUid }, containerSecurityContext: restrictedContainer };
}

/** Fewest pods (one drive each) of distributed MinIO: its erasure coding needs 4 drives. */
export const minioErasureMinimumDrives = 4;

/** Values of the MinIO chart. Credentials reach it only as the name of an existing Secret. */
export function buildMinioValues(v: MinioValuesInput): Record<string, unknown> {
    const distributed = v.mode === "distributed";
    return {
        fullnameOverride: v.releaseName,
        mode: v.mode,
        // One pool of `replicas` pods with one drive (PVC) each: MinIO erasure-codes objects across them.
        replicas: distributed ? v.replicas : 1,
        pools: 1,
        drivesPerNode: 1,
        ...(distributed
            ? {
                  // Erasure coding survives losing drives, not losing them all at once: one pod down at a
                  // time for voluntary disruptions, and pods spread over nodes (and zones) where the cluster allows.
                  podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
                  topologySpreadConstraints: [
                      {
                          maxSkew: 1,
                          topologyKey: hostnameTopologyKey,
                          whenUnsatisfiable: "ScheduleAnyway",
                          labelSelector: { matchLabels: { release: v.releaseName } },
                      },
                      ...zoneSpread(v.replicas, v.zones, { release: v.releaseName }),
                  ],
              }
            : {}),
        existingSecret: v.credentialsSecretName,
        // The chart's default user is console/console123; no user beyond root, whose secret we own.
        users: [],
        policies: [],
        svcaccts: [],
        buckets: v.bucketNames.map((name) => ({ name, policy: "none", purge: false, versioning: v.versioning })),
        minioAPIPort: String(minioApiPort),
        service: { type: "ClusterIP", port: String(minioApiPort) },
        // Standalone, the chart creates the claim itself; distributed, a StatefulSet's claims outlive the release anyway.
        persistence: { ...chartPersistence(v.persistence), ...(distributed ? {} : { annotations: keptClaimAnnotations }) },
        resources: v.resources,
        // Pod Security "restricted"; the chart applies the server's contexts only with persistence on,
        // which MinIO always has here.
        securityContext: { enabled: true, ...restrictedPod(minioUid), fsGroupChangePolicy: "OnRootMismatch" },
        containerSecurityContext: { ...restrictedContainer, readOnlyRootFilesystem: false },
        postJob: { securityContext: { enabled: true, ...restrictedPod(minioUid) } },
        makeBucketJob: hookJob(v.jobResources),
        makePolicyJob: hookJob(v.jobResources),
        makeUserJob: hookJob(v.jobResources),
        makeServiceAccountJob: hookJob(v.jobResources),
        customCommandJob: hookJob(v.jobResources),
        // A Probe scrapes the cluster metrics as job "<release>" without a bearer token (MINIO_PROMETHEUS_AUTH_TYPE=public).
        metrics: { serviceMonitor: { enabled: true, public: true } },
    };
}

/** Root credentials of MinIO's own, for a stack that brings none. */
function generatedRootCredentials(name: string, parent: pulumi.Resource): MinioRootCredentials {
    const user = new random.RandomString(`${name}-root-user`, { length: 16, special: false, upper: false }, { parent });
    const password = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, { parent, additionalSecretOutputs: ["result"] });
    return { user: user.result, password: password.result };
}

/** MinIO as the platform's object store: root credentials brought or generated, buckets created by the release. */
export class Minio extends pulumi.ComponentResource implements ObjectStore, AlertedComponent {
    public readonly endpoint: pulumi.Output<string>;
    public readonly region: pulumi.Output<string>;
    public readonly tls = false;
    // A Service name carries no bucket subdomains, so buckets are addressed by path.
    public readonly forcePathStyle = true;
    public readonly buckets: BucketNames<pulumi.Output<string>>;
    public readonly credentials: ObjectStoreCredentials;
    public readonly release: k8s.helm.v3.Release;
    /** Labels of the server and hook pods (for NetworkPolicies). */
    public readonly podSelectors: MinioPodSelectors;
    /** Whether its pods form one distributed store (and so talk to each other). */
    public readonly distributed: boolean;
    /** Its rule files in alerts/rules. */
    public readonly alertRuleFiles: readonly string[] = ["minio"];

    constructor(name: string, args: MinioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:storage:Minio", name, {}, opts);

        const root = args.rootCredentials ?? generatedRootCredentials(name, this);
        const credentialsSecretName = `${args.releaseName}-root-credentials`;
        const credentialsSecret = new k8s.core.v1.Secret(
            `${name}-root-credentials`,
            {
                metadata: { name: credentialsSecretName, namespace: args.namespace },
                type: "Opaque",
                stringData: { [rootUserKey]: root.user, [rootPasswordKey]: root.password },
            },
            { parent: this },
        );

        this.release = platformRelease(
            name,
            {
                chart: charts.minio,
                chartSource: args.chartSource,
                releaseName: args.releaseName,
                namespace: args.namespace,
                values: buildMinioValues({
                    releaseName: args.releaseName,
                    mode: args.mode,
                    replicas: args.replicas,
                    bucketNames: Object.values(args.buckets),
                    versioning: args.versioning,
                    persistence: args.persistence,
                    resources: args.resources,
                    jobResources: args.jobResources,
                    zones: args.zones,
                    credentialsSecretName,
                }),
            },
            { parent: this, dependsOn: [credentialsSecret, args.crds] },
        );

        this.podSelectors = minioPodSelectors(args.releaseName);
        this.distributed = args.mode === "distributed";
        this.endpoint = pulumi.interpolate`${serviceHost(this.release)}:${minioApiPort}`;
        this.region = pulumi.output(args.region);
        // Buckets exist once the release (and its post-install hook) has finished.
        const afterRelease = <T>(value: T) => this.release.status.apply(() => value);
        this.buckets = {
            lokiChunks: afterRelease(args.buckets.lokiChunks),
            lokiRuler: afterRelease(args.buckets.lokiRuler),
            tempo: afterRelease(args.buckets.tempo),
            thanos: afterRelease(args.buckets.thanos),
        };
        this.credentials = { accessKeyId: pulumi.secret(root.user), secretAccessKey: pulumi.secret(root.password) };

        this.registerOutputs({
            endpoint: this.endpoint,
            region: this.region,
            buckets: this.buckets,
            credentialsSecretName: credentialsSecret.metadata.name,
        });
    }
}
