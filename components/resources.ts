/** CPU and memory for one container, in Kubernetes quantities. */
export interface ComputeResources {
    /** What the scheduler reserves. */
    readonly requests: { readonly cpu: string; readonly memory: string };
    /** The ceiling; memory over it gets the container OOM-killed, CPU over it is throttled. */
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Shorthand for profiles: `size("50m", "64Mi", "200m", "128Mi")` = requests 50m/64Mi, limits 200m/128Mi. */
export function size(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): ComputeResources {
    return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/** The `{ enabled, size, storageClass }` block most charts take for a workload's volume. */
export function chartPersistence(p: Persistence): { enabled: boolean; size: string; storageClass?: string } {
    return { enabled: p.enabled, size: p.size, ...(p.storageClass ? { storageClass: p.storageClass } : {}) };
}

/**
 * Annotations of a claim a chart creates itself (a Deployment's, not a StatefulSet's): Helm then
 * leaves the claim when the release is uninstalled or stops rendering it (Grafana moved to a
 * database), so the data outlives the release. Never for a StatefulSet's volumeClaimTemplates,
 * which cannot change once created (and which Helm does not delete anyway).
 */
export const keptClaimAnnotations = { "helm.sh/resource-policy": "keep" } as const;

/** Persistent storage of one workload. */
export interface Persistence {
    /** Whether a PersistentVolumeClaim is used instead of an emptyDir. */
    readonly enabled: boolean;
    /** Volume size as a Kubernetes quantity, e.g. `10Gi`. */
    readonly size: string;
    /** Storage class; undefined uses the cluster's default class. */
    readonly storageClass?: string;
}
