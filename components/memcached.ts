/**
 * The memcached caches that Loki's and tempo-distributed's charts run, sized one way for both so that
 * the item memory and the pod's requests stay consistent.
 */

/** A memcached's size. */
export interface CacheSizing {
    /** Item memory in MB (memcached `-m`); the pod requests 1.2 times that. */
    readonly allocatedMemoryMb: number;
    readonly cpu: string;
}

/** memcached resources consistent with its item memory, so requests never undershoot what it uses. */
export function cacheValues(c: CacheSizing) {
    const memory = `${Math.ceil(c.allocatedMemoryMb * 1.2)}Mi`;
    return {
        allocatedMemory: c.allocatedMemoryMb,
        allocatedCPU: c.cpu,
        resources: { requests: { cpu: c.cpu, memory }, limits: { cpu: c.cpu, memory } },
    };
}
