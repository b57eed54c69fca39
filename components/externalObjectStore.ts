import * as pulumi from "@pulumi/pulumi";
import { BucketNames, ObjectStore, ObjectStoreCredentials } from "./objectStore";

export interface ExternalObjectStoreArgs {
    /** S3 endpoint as `host` or `host:port`, without a scheme, e.g. `s3.eu-west-1.amazonaws.com`. */
    readonly endpoint: string;
    /** Region requests are signed for; on AWS, the region of the buckets. */
    readonly region: string;
    /** Whether the endpoint speaks TLS (HTTPS). */
    readonly tls: boolean;
    /** Address buckets by path instead of host name (S3-compatible services without wildcard DNS). */
    readonly forcePathStyle: boolean;
    /** The bucket of each consumer. They must exist: this component creates nothing in the service. */
    readonly buckets: BucketNames;
    /** Static credentials with read, write, list and delete on the buckets (Pulumi secrets). */
    readonly credentials: ObjectStoreCredentials;
}

/** `s3.eu-west-1.amazonaws.com` (also `s3-`, FIPS, dual-stack and China forms) → `eu-west-1`. */
const awsRegionalEndpoint = /^s3(?:-fips)?[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?(?::\d+)?$/;

/**
 * The region an AWS S3 endpoint serves, or undefined for other services and the global endpoint
 * `s3.amazonaws.com`. AWS refuses requests signed for another region than the endpoint's.
 */
export function awsS3EndpointRegion(endpoint: string): string | undefined {
    return awsRegionalEndpoint.exec(endpoint)?.[1];
}

/** Throws unless `endpoint` is `host` or `host:port`: a scheme or path would reach every consumer's config. */
export function assertBareEndpoint(endpoint: string): string {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(endpoint)) {
        throw new Error(`object storage endpoint must be host or host:port, without a scheme or path (TLS is a separate setting), got "${endpoint}"`);
    }
    return endpoint;
}

/** The TCP port consumers connect to: the endpoint's own, else HTTPS's or HTTP's default. */
export function endpointPort(endpoint: string, tls: boolean): number {
    const port = /:(\d+)$/.exec(assertBareEndpoint(endpoint))?.[1];
    return port === undefined ? (tls ? 443 : 80) : Number(port);
}

/**
 * An S3 service run outside the platform (AWS S3, or any S3-compatible service) as the platform's
 * object store. It deploys nothing: the buckets must already exist, and the credentials come from
 * secret config. Consumers copy the credentials into Secrets of their own namespaces, exactly as
 * they do for MinIO.
 */
export class ExternalObjectStore extends pulumi.ComponentResource implements ObjectStore {
    public readonly endpoint: pulumi.Output<string>;
    public readonly region: pulumi.Output<string>;
    public readonly tls: boolean;
    public readonly forcePathStyle: boolean;
    /** The port consumers connect to (for NetworkPolicies). */
    public readonly port: number;
    public readonly buckets: BucketNames<pulumi.Output<string>>;
    public readonly credentials: ObjectStoreCredentials;

    constructor(name: string, args: ExternalObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:storage:ExternalObjectStore", name, {}, opts);

        this.endpoint = pulumi.output(assertBareEndpoint(args.endpoint));
        this.region = pulumi.output(args.region);
        this.tls = args.tls;
        this.forcePathStyle = args.forcePathStyle;
        this.port = endpointPort(args.endpoint, args.tls);
        this.buckets = {
            lokiChunks: pulumi.output(args.buckets.lokiChunks),
            lokiRuler: pulumi.output(args.buckets.lokiRuler),
            tempo: pulumi.output(args.buckets.tempo),
            thanos: pulumi.output(args.buckets.thanos),
        };
        // Whatever the caller passed, the credentials stay secret from here on.
        this.credentials = { accessKeyId: pulumi.secret(args.credentials.accessKeyId), secretAccessKey: pulumi.secret(args.credentials.secretAccessKey) };

        this.registerOutputs({ endpoint: this.endpoint, region: this.region, tls: this.tls, buckets: this.buckets });
    }
}
