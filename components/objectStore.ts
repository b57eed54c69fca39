import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The buckets of the platform, one per consumer, so retention and access can differ per signal. */
export interface BucketNames<T = string> {
    /** Loki chunks and index. */
    readonly lokiChunks: T;
    /** Loki ruler state. */
    readonly lokiRuler: T;
    /** Tempo trace blocks. */
    readonly tempo: T;
    /** Thanos metric blocks (sidecar uploads, store gateway and compactor read). */
    readonly thanos: T;
}

/**
 * S3 credentials of the object store. The values are Pulumi secrets; consumers copy them into a
 * Secret of their own namespace (a pod can only reference Secrets of its namespace), so the store
 * itself needs no Secret that consumers read.
 */
export interface ObjectStoreCredentials {
    /** Access key id (secret output). */
    readonly accessKeyId: pulumi.Output<string>;
    /** Secret access key (secret output). */
    readonly secretAccessKey: pulumi.Output<string>;
}

/**
 * What every consumer needs to know about object storage. `Minio` (deployed with the platform) and
 * `ExternalObjectStore` (an S3 service run elsewhere) implement it; consumers cannot tell them apart.
 */
export interface ObjectStore {
    /** S3 API endpoint as `host` or `host:port`, without a scheme (the form Thanos, Loki and Tempo all take). */
    readonly endpoint: pulumi.Output<string>;
    /** S3 region (MinIO accepts any; signatures still need one). */
    readonly region: pulumi.Output<string>;
    /** Whether the endpoint speaks TLS; false means plain HTTP. */
    readonly tls: boolean;
    /**
     * Whether requests name the bucket in the path (`host/bucket/key`) rather than in the host name
     * (`bucket.host/key`). MinIO and most S3-compatible services need it; AWS S3 prefers host names.
     */
    readonly forcePathStyle: boolean;
    /** The bucket of each consumer. */
    readonly buckets: BucketNames<pulumi.Output<string>>;
    /** How to authenticate. */
    readonly credentials: ObjectStoreCredentials;
}

/** Environment variable names a consumer reads its S3 credentials from. */
export interface CredentialEnvNames {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
}

/**
 * Copies the store's credentials into a Secret in a consumer's namespace, keyed by environment
 * variable names, so the chart can mount it with `envFrom` and its config refers to `${VAR}`.
 */
export function credentialsSecret(resourceName: string, store: ObjectStore, namespace: pulumi.Input<string>, env: CredentialEnvNames, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        resourceName,
        {
            metadata: { name: resourceName, namespace },
            type: "Opaque",
            stringData: {
                [env.accessKeyId]: store.credentials.accessKeyId,
                [env.secretAccessKey]: store.credentials.secretAccessKey,
            },
        },
        opts,
    );
}
