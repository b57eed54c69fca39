/**
 * Pod Security Standards: the platform's namespaces enforce "restricted"; only the agents
 * namespace (node-exporter and Alloy, which read the host) is "privileged". Charts that do not set
 * the contexts "restricted" requires get them from these values.
 */

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** Namespace labels that enforce `level` (and warn and audit at the same level). */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": level,
        "pod-security.kubernetes.io/audit": level,
    };
}

export const runtimeDefaultSeccomp = { type: "RuntimeDefault" } as const;

/** Container securityContext that "restricted" requires (the pod adds runAsNonRoot and seccomp). */
export const restrictedContainer = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: runtimeDefaultSeccomp,
} as const;

/** Pod securityContext for an image that runs as `uid`, owning its volumes through fsGroup. */
export function restrictedPod(uid: number) {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: runtimeDefaultSeccomp };
}
