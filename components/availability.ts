/**
 * Availability of multi-replica workloads: replicas on different nodes (and, when the stack lists
 * the cluster's zones, spread over them), and a PodDisruptionBudget so that a drain or rolling node
 * upgrade takes down at most one of them at a time.
 */

/**
 * Fewest replicas of a part the prod profile makes highly available: with one pod or node lost,
 * another still serves. Config refuses fewer where the stack file sets the count; `npm run verify`
 * holds the rendered workloads to it (tools/render/checks/disruption.ts).
 */
export const haMinimumReplicas = 2;

export const hostnameTopologyKey = "kubernetes.io/hostname";
/** The node label carrying a node's availability zone (set by the cloud provider or the installer). */
export const zoneTopologyKey = "topology.kubernetes.io/zone";

/**
 * How strictly replicas keep to different nodes, as the profile decides. `required` (prod): two
 * replicas on one node do not survive that node's loss, so a cluster with fewer nodes than
 * replicas should leave a pod Pending where someone sees it. `preferred` (dev, a laptop cluster of
 * one node): replicas spread when there are nodes and share one otherwise, so trying several
 * replicas locally does not leave a rollout stuck until Helm's timeout.
 */
export type NodeSpread = "required" | "preferred";

/** Pod anti-affinity that keeps replicas of the pods matching `matchLabels` on different nodes (see `NodeSpread`). */
export function onePerNode(matchLabels: Readonly<Record<string, string>>, nodeSpread: NodeSpread) {
    const term = { topologyKey: hostnameTopologyKey, labelSelector: { matchLabels: { ...matchLabels } } };
    return {
        podAntiAffinity: nodeSpread === "required" ? { requiredDuringSchedulingIgnoredDuringExecution: [term] } : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    };
}

/** A topology spread constraint as Kubernetes takes it. */
export interface TopologySpreadConstraint {
    readonly maxSkew: number;
    readonly topologyKey: string;
    readonly whenUnsatisfiable: "ScheduleAnyway" | "DoNotSchedule";
    readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
}

/**
 * A spread of the pods matching `matchLabels` over the zones, for a workload of `replicas` pods
 * on a cluster whose zones the stack lists (`lgtm:zones`); none for a single pod or without zones.
 * Preferred, not required: with a zone down or full, a replica had better run in another zone than
 * stay Pending, and an even spread is not always possible (3 Alertmanagers over 4 zones). Keeping
 * replicas off one node stays the required rule (`onePerNode`).
 */
export function zoneSpread(replicas: number, zones: readonly string[], matchLabels: Readonly<Record<string, string>>): TopologySpreadConstraint[] {
    if (replicas < 2 || zones.length === 0) return [];
    return [{ maxSkew: 1, topologyKey: zoneTopologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...matchLabels } } }];
}

/** Scheduling values for a workload of `replicas` pods (see `onePerNode`, `zoneSpread`); nothing for a single pod. */
export function spreadValues(
    replicas: number,
    matchLabels: Readonly<Record<string, string>>,
    zones: readonly string[],
    nodeSpread: NodeSpread,
): { affinity?: ReturnType<typeof onePerNode>; topologySpreadConstraints?: TopologySpreadConstraint[] } {
    if (replicas < 2) return {};
    const spread = zoneSpread(replicas, zones, matchLabels);
    return { affinity: onePerNode(matchLabels, nodeSpread), ...(spread.length > 0 ? { topologySpreadConstraints: spread } : {}) };
}
