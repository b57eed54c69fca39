/**
 * What a central platform hands each member of its fleet (an edge cluster or a server outside
 * Kubernetes): where to send metrics, logs and traces, and the credentials that bind what it sends
 * to its own tenant. The central stack exports it as the secret output `fleet`; an edge stack reads it
 * through a StackReference, and `npm run agent-config` turns one entry into a server's Alloy config.
 */
export interface EdgeAccess {
    /** The member's name: an edge cluster's clusterName, or a server group's name. Also its tenant. */
    readonly name: string;
    /** `cluster`: a Kubernetes cluster running an edge stack; `server`: hosts outside Kubernetes running Alloy. */
    readonly kind: "cluster" | "server";
    /** Basic-auth user name at the ingest gateway; the gateway derives the tenant from it, never from the sender's headers. */
    readonly username: string;
    readonly password: string;
    /** Prometheus remote write (metrics). */
    readonly remoteWriteUrl: string;
    /** Loki push API (logs). */
    readonly lokiPushUrl: string;
    /** OTLP over HTTP base URL (traces); exporters append /v1/traces. */
    readonly otlpHttpEndpoint: string;
}

/** The central stack's `fleet` output: one entry per member, by name. */
export interface FleetAccess {
    /** The host name of the ingest Ingress every endpoint points at. */
    readonly ingestHost: string;
    readonly edges: Readonly<Record<string, EdgeAccess>>;
}
