import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ObjectStore } from "./objectStore";

/** Plain inputs of a Thanos S3 objstore document. */
export interface ThanosS3Settings {
    readonly bucket: string;
    /** `host:port`; Thanos refuses a scheme ("Endpoint url cannot have fully qualified paths"). */
    readonly endpoint: string;
    readonly region: string;
    readonly tls: boolean;
    /** Bucket in the path; otherwise Thanos' `auto` lookup (host names on AWS, the path elsewhere), as Loki and Tempo do. */
    readonly forcePathStyle: boolean;
    readonly accessKey: string;
    readonly secretKey: string;
}

/** Key under which the objstore document is stored in its Secret. */
export const objstoreSecretKey = "objstore.yml";

/**
 * The Thanos objstore document. Thanos parses it strictly (unknown keys fail every component), so
 * only keys of its S3 client appear here.
 */
export function buildThanosObjstoreConfig(s: ThanosS3Settings): string {
    if (/^[a-z]+:\/\//i.test(s.endpoint)) {
        throw new Error(`Thanos objstore endpoint must be host:port without a scheme, got "${s.endpoint}"`);
    }
    return stringify({
        type: "S3",
        config: {
            bucket: s.bucket,
            endpoint: s.endpoint,
            region: s.region,
            insecure: !s.tls,
            bucket_lookup_type: s.forcePathStyle ? "path" : "auto",
            access_key: s.accessKey,
            secret_key: s.secretKey,
        },
    });
}

/**
 * A Secret holding the objstore document for the Thanos bucket of `store`, in `namespace`. The
 * sidecar and the Thanos components each get one in their own namespace, built by this function.
 */
export function thanosObjstoreSecret(resourceName: string, store: ObjectStore, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
    const document = pulumi
        .all([store.buckets.thanos, store.endpoint, store.region, store.credentials.accessKeyId, store.credentials.secretAccessKey])
        .apply(([bucket, endpoint, region, accessKey, secretKey]) => buildThanosObjstoreConfig({ bucket, endpoint, region, tls: store.tls, forcePathStyle: store.forcePathStyle, accessKey, secretKey }));
    return new k8s.core.v1.Secret(
        resourceName,
        {
            metadata: { name: resourceName, namespace },
            type: "Opaque",
            stringData: { [objstoreSecretKey]: pulumi.secret(document) },
        },
        opts,
    );
}
