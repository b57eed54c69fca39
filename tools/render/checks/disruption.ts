/**
 * Replicas protect against losing a node only if there are enough of them, they are on different
 * nodes and a drain cannot take them all at once (prod). Each part the prod profile makes highly
 * available must run at least `haMinimumReplicas` pods (MinIO: its erasure set). Every workload
 * that runs two or more pods must be selected by exactly one PodDisruptionBudget that still allows
 * an eviction, and spread its pods with podAntiAffinity or topologySpreadConstraints on the node or
 * zone label. Zone-aware StatefulSets that form one group (the `rollout-group` label of the Loki
 * and Tempo charts: one StatefulSet per zone) count as one workload.
 */
import { haMinimumReplicas, hostnameTopologyKey, zoneTopologyKey } from "../../../components/availability";
import { minioErasureMinimumDrives } from "../../../components/minio";
import { allObjects, formatSelector, selectorMatches, Workload, workloadsOf } from "../objects";
import { isPlainObject } from "../paths";
import { K8sObject } from "../types";
import { always, lokiMode, missingPart, notAgentMode, optional, Part, partWorkloads } from "./parts";
import { CheckInput, CheckResult, FindingList } from "./types";

/** Topology keys that put replicas on different failure domains. */
export const spreadKeys = [hostnameTopologyKey, zoneTopologyKey];

/** A part prod runs redundantly, and the fewest pods that keep it serving with one of them lost. */
export interface RedundantPart extends Part {
    minimum: number;
    /** Why it needs that many, when it is more than `haMinimumReplicas`. */
    because?: string;
}

const redundant = (chart: string, expected: Part["expected"], containers: Record<string, string>): RedundantPart[] =>
    Object.entries(containers).map(([container, role]) => ({ role, chart, container, expected, minimum: haMinimumReplicas }));

/**
 * What the prod profile makes highly available. Compactors stay single (tools/render/checks/singletons.ts);
 * Grafana on SQLite, monolithic Tempo, Loki's caches, the operator and the agents' exporters run one
 * pod by design, and DaemonSets one per node.
 */
export const redundantParts: readonly RedundantPart[] = [
    { role: "Prometheus", chart: "kube-prometheus-stack", kind: "Prometheus", expected: notAgentMode, minimum: haMinimumReplicas },
    { role: "Alertmanager", chart: "kube-prometheus-stack", kind: "Alertmanager", expected: notAgentMode, minimum: haMinimumReplicas },
    { role: "MinIO", chart: "minio", container: "minio", expected: always, minimum: minioErasureMinimumDrives, because: `distributed MinIO erasure-codes objects over ${minioErasureMinimumDrives} drives, one per pod` },
    ...redundant("thanos", always, { "thanos-query": "Thanos query", "thanos-store-gateway": "Thanos store gateway" }),
    ...redundant("thanos", optional, { "thanos-query-frontend": "Thanos query frontend", "thanos-rule": "Thanos ruler" }),
    ...redundant("loki", lokiMode("Monolithic"), { loki: "Loki single binary" }),
    ...redundant("loki", lokiMode("Distributed"), {
        ingester: "Loki ingester",
        distributor: "Loki distributor",
        querier: "Loki querier",
        "query-frontend": "Loki query frontend",
        "query-scheduler": "Loki query scheduler",
        "index-gateway": "Loki index gateway",
        ruler: "Loki ruler",
    }),
    ...redundant("loki", always, { nginx: "Loki gateway" }),
    ...redundant("tempo-distributed", always, { distributor: "Tempo distributor", ingester: "Tempo ingester", querier: "Tempo querier", "query-frontend": "Tempo query frontend", memcached: "Tempo memcached" }),
];

/** Each redundant part the releases render, with its pods (zone StatefulSets summed); a missing expected part is an error. */
function checkReplicas(input: CheckInput, workloads: Workload[], findings: FindingList): { checked: number; enough: number } {
    let checked = 0;
    let enough = 0;
    for (const release of input.model.releases) {
        for (const part of redundantParts.filter((p) => p.chart === release.chart.name)) {
            const matches = partWorkloads(workloads, release, part);
            if (matches.length === 0) {
                if (part.expected(release)) findings.error(missingPart(input, release, part, "how many replicas it runs"));
                continue;
            }
            checked++;
            const pods = matches.reduce((n, w) => n + w.template.replicas, 0);
            if (pods >= part.minimum) enough++;
            else {
                const why = part.because ?? "with its one pod down, e.g. during a node drain, nothing serves";
                findings.error(`release ${release.releaseName}: ${part.role} runs ${pods} pod(s) (${matches.map((w) => w.object.metadata.name).join(", ")}); prod needs at least ${part.minimum}: ${why}`);
            }
        }
    }
    return { checked, enough };
}

const scaledKinds = new Set(["Deployment", "StatefulSet", "ReplicaSet", "Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent"]);

interface Group {
    members: Workload[];
    replicas: number;
}

/** Multi-replica workloads, zone groups merged. */
function replicatedGroups(workloads: Workload[]): Group[] {
    const groups = new Map<string, Group>();
    for (const w of workloads) {
        if (w.runsToCompletion || !scaledKinds.has(w.object.kind)) continue;
        const rollout = w.labels["rollout-group"];
        const key = rollout ? `${w.namespace}/rollout-group=${rollout}` : `${w.namespace}/${w.object.kind}/${w.object.metadata.name}`;
        const group = groups.get(key) ?? { members: [], replicas: 0 };
        group.members.push(w);
        group.replicas += w.template.replicas;
        groups.set(key, group);
    }
    return [...groups.values()].filter((g) => g.replicas >= 2);
}

/** How many of `selected` pods a PDB lets a drain evict at once (Kubernetes rounds percentages up). */
export function allowedDisruptions(pdb: K8sObject, selected: number): number {
    const spec = (isPlainObject(pdb.spec) ? pdb.spec : {}) as Record<string, unknown>;
    const amount = (value: unknown) => {
        const text = String(value);
        return text.endsWith("%") ? Math.ceil((Number(text.slice(0, -1)) / 100) * selected) : Number(value);
    };
    if (spec.maxUnavailable !== undefined) return amount(spec.maxUnavailable);
    if (spec.minAvailable !== undefined) return selected - amount(spec.minAvailable);
    return selected; // Neither set: the API server rejects such a PDB; nothing protects the pods.
}

/** Spread terms of a pod spec: anti-affinity terms (required and preferred) and topology spread constraints. */
function spreadTerms(podSpec: Record<string, unknown>): { what: string; topologyKey: string; selector: unknown; ownPods: boolean }[] {
    const terms: { what: string; topologyKey: string; selector: unknown; ownPods: boolean }[] = [];
    const antiAffinity = isPlainObject(podSpec.affinity) && isPlainObject(podSpec.affinity.podAntiAffinity) ? podSpec.affinity.podAntiAffinity : {};
    for (const term of Array.isArray(antiAffinity.requiredDuringSchedulingIgnoredDuringExecution) ? antiAffinity.requiredDuringSchedulingIgnoredDuringExecution : []) {
        if (isPlainObject(term)) terms.push({ what: "required podAntiAffinity", topologyKey: String(term.topologyKey), selector: term.labelSelector, ownPods: false });
    }
    for (const weighted of Array.isArray(antiAffinity.preferredDuringSchedulingIgnoredDuringExecution) ? antiAffinity.preferredDuringSchedulingIgnoredDuringExecution : []) {
        const term = isPlainObject(weighted) && isPlainObject(weighted.podAffinityTerm) ? weighted.podAffinityTerm : undefined;
        if (term) terms.push({ what: "preferred podAntiAffinity", topologyKey: String(term.topologyKey), selector: term.labelSelector, ownPods: false });
    }
    for (const constraint of Array.isArray(podSpec.topologySpreadConstraints) ? podSpec.topologySpreadConstraints.filter(isPlainObject) : []) {
        // The operator adds the pods' own selector labels when `additionalLabelSelectors` is set.
        terms.push({ what: "topologySpreadConstraint", topologyKey: String(constraint.topologyKey), selector: constraint.labelSelector, ownPods: constraint.additionalLabelSelectors !== undefined });
    }
    return terms;
}

export function checkDisruption(input: CheckInput): CheckResult {
    const findings = new FindingList("disruption");
    if (input.model.profile === "dev") return findings.result("not required by the dev profile (one replica of everything)");
    const workloads = workloadsOf(input.rendered);
    const pdbs = allObjects(input.model, input.rendered).filter(({ object }) => object.kind === "PodDisruptionBudget");
    const groups = replicatedGroups(workloads);
    const steady = workloads.filter((w) => !w.runsToCompletion);
    const replicas = checkReplicas(input, workloads, findings);
    let covered = 0;
    for (const group of groups) {
        let ok = true;
        for (const w of group.members) {
            const subject = `${w.name} (${group.replicas} replicas${group.members.length > 1 ? ` in rollout-group ${w.labels["rollout-group"]}` : ""})`;
            const selecting = pdbs.filter((p) => p.namespace === w.namespace && selectorMatches((p.object.spec as any)?.selector, w.labels));
            if (selecting.length === 0) {
                ok = false;
                findings.error(`${subject}: no PodDisruptionBudget selects its pods (labels ${formatLabels(w.labels)}): a node drain may evict every replica at once`);
            } else if (selecting.length > 1) {
                ok = false;
                findings.error(`${subject}: ${selecting.length} PodDisruptionBudgets select its pods (${selecting.map((p) => p.object.metadata.name).join(", ")}); the eviction API refuses pods covered by more than one`);
            } else {
                const pdb = selecting[0].object;
                const selected = steady.filter((o) => o.namespace === w.namespace && selectorMatches((pdb.spec as any)?.selector, o.labels)).reduce((n, o) => n + o.template.replicas, 0);
                const allowed = allowedDisruptions(pdb, selected);
                if (!(allowed >= 1)) {
                    ok = false;
                    findings.error(`${subject}: PodDisruptionBudget ${pdb.metadata.name} allows ${allowed} of ${selected} pod(s) to be evicted: node drains block forever`);
                }
            }
            const terms = spreadTerms(w.template.spec);
            const groupLabels = group.members.map((m) => m.labels);
            const spreading = terms.filter((t) => spreadKeys.includes(t.topologyKey) && (t.ownPods || groupLabels.some((labels) => selectorMatches(t.selector, labels))));
            if (spreading.length === 0) {
                ok = false;
                const near = terms.length ? `; it has ${terms.map((t) => `${t.what} on ${t.topologyKey} selecting ${formatSelector(t.selector)}`).join("; ")}, which does not spread its own pods over nodes or zones` : "";
                findings.error(`${subject}: no podAntiAffinity or topologySpreadConstraints on ${spreadKeys.join(" or ")} that selects its own pods: all replicas may land on one node${near}`);
            }
        }
        if (ok) covered++;
    }
    return findings.result(
        `${replicas.enough} of ${replicas.checked} highly available part(s) run enough replicas; ${covered} of ${groups.length} multi-replica workload(s) have a PodDisruptionBudget and spread over nodes; ${pdbs.length} PodDisruptionBudget(s)`,
    );
}

function formatLabels(labels: Record<string, string>): string {
    const entries = Object.entries(labels).filter(([k]) => !["helm.sh/chart", "app.kubernetes.io/version", "app.kubernetes.io/managed-by"].includes(k));
    return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(", ") : "none";
}
