/**
 * The data the render/verify library works on. `tools/render/collect.ts` evaluates the Pulumi
 * program under mocks and produces a `StackModel`; everything here consumes it offline.
 */

export interface ChartRef {
    readonly name: string;
    readonly version: string;
    /** Helm repository URL, or an `oci://` registry path that holds the chart. */
    readonly repository: string;
}

export interface CollectedRelease {
    /** Pulumi resource name. */
    resourceName: string;
    chart: ChartRef;
    releaseName: string;
    namespace: string;
    /** Fully resolved values; secret values already unwrapped to plain strings. */
    values: Record<string, unknown>;
}

export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
    };
    [k: string]: unknown;
}

export interface StackModel {
    /** "dev" | "prod" */
    stack: string;
    /** "dev" | "prod" */
    profile: string;
    releases: CollectedRelease[];
    /** Plain k8s objects the program creates itself (Secrets with stringData, Namespaces, ConfigMaps…). */
    objects: K8sObject[];
    /** Buckets of the object store: those MinIO's release creates, or those an external store declares (they must exist). */
    buckets: string[];
    /** The object store every consumer should be configured for; none on an edge, which stores nothing. */
    objectStore?: ObjectStoreModel;
    /** An edge stack: its member's endpoints at the central platform (from the central outputs), the only places its agents may send to. */
    central?: { lokiPushUrl: string; remoteWriteUrl: string; otlpHttpEndpoint: string };
    /**
     * The namespace of each part of the platform, keyed by its role in config `lgtm:namespaces`
     * (`metrics`, `logs`, `agents`…). Tells the checks which namespace holds the node agents.
     */
    namespaces: Record<string, string>;
    /** Optional hints; the addresses check also finds addresses itself by scanning values and objects. */
    addresses: { value: string; where: string }[];
    /**
     * Every secret value the program handles (generated passwords, access keys…), unwrapped. Used to
     * mask written manifests and to find credentials that leaked into plaintext.
     */
    secretValues: string[];
}

export interface ObjectStoreModel {
    /** `minio` (deployed by the stack) or `external` (an S3 service run elsewhere). */
    type: "minio" | "external";
    /** `host` or `host:port`. */
    endpoint: string;
    tls: boolean;
    forcePathStyle: boolean;
    /** Secret config keys the store needs that the stack file does not set yet; verified with stand-ins. */
    unsetSecretKeys: string[];
}

/** One release after `helm template`: every document it would apply, hooks included. */
export interface RenderedRelease {
    release: CollectedRelease;
    objects: K8sObject[];
    /** Where the chart was found (directory or .tgz); lets callers load its default values. */
    chartPath?: string;
    /** Why `helm template` failed (then `objects` is empty); the other releases are still rendered and checked. */
    error?: string;
}

/** The Kubernetes API schema of one minor version: OpenAPI v2 `definitions` (kind → JSON schema). */
export interface KubeSchemaVersion {
    /** `1.34` */
    version: string;
    /** The file they were read from. */
    file: string;
    definitions: Record<string, unknown>;
}

/** Kubernetes API schemas found for the versions the stack is validated against. */
export interface KubeSchemas {
    /** Where they were looked for. */
    dir: string;
    versions: KubeSchemaVersion[];
    /** Versions asked for and not found there. */
    missing: string[];
}

/** What the values check needs to know about a chart. */
export interface ChartInfo {
    /** values.yaml, with each subchart's values.yaml merged in under its alias (as Helm does). */
    defaultValues: any;
    /** values.schema.json of the chart, when it ships one. */
    schema?: any;
    /** Every `.Values.<path>` its templates read (dotted), for keys values.yaml leaves out. */
    templateValuePaths?: string[];
}
