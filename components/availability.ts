/**
 * Availability of multi-replica workloads: replicas on different nodes, and a PodDisruptionBudget
 * so that a drain or rolling node upgrade takes down at most one of them at a time.
 */

export const hostnameTopologyKey = "kubernetes.io/hostname";
/** The node label carrying a node's availability zone (set by the cloud provider or the installer). */
export const zoneTopologyKey = "topology.kubernetes.io/zone";

/**
 * Pod anti-affinity that keeps replicas of the pods matching `matchLabels` on different nodes.
 * Required, not preferred: two replicas on one node do not survive that node's loss, so a
 * cluster with fewer nodes than replicas should leave a pod Pending where someone sees it.
 */
export function onePerNode(matchLabels: Readonly<Record<string, string>>) {
    return {
        podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: hostnameTopologyKey, labelSelector: { matchLabels: { ...matchLabels } } }],
        },
    };
}

/** Scheduling and disruption values for a workload of `replicas` pods; nothing for a single pod. */
export function spreadValues(replicas: number, matchLabels: Readonly<Record<string, string>>): { affinity?: ReturnType<typeof onePerNode> } {
    return replicas > 1 ? { affinity: onePerNode(matchLabels) } : {};
}
