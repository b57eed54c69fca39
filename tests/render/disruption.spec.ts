import { strict as assert } from "assert";
import { allowedDisruptions, checkDisruption } from "../../tools/render/checks/disruption";
import { K8sObject } from "../../tools/render/types";
import { checkInput, container, messages, ns, operatorResource, release, stackModel, workload } from "./fixtures";

function pdb(name: string, selector: Record<string, unknown>, budget: Record<string, unknown> = { maxUnavailable: 1 }): K8sObject {
    return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, namespace: ns }, spec: { ...budget, selector } };
}

const antiAffinity = (matchLabels: Record<string, string>, topologyKey = "kubernetes.io/hostname") => ({
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey, labelSelector: { matchLabels } } }] },
});

function web(podSpecExtra: Record<string, unknown> = { affinity: antiAffinity({ app: "web" }) }, replicas = 2): K8sObject {
    return workload("Deployment", "web", { containers: [container("web")], ...podSpecExtra }, { replicas });
}

function verify(objects: K8sObject[], profile = "prod") {
    return checkDisruption(checkInput(stackModel({ profile, releases: [release("app")] }), [{ release: release("app"), objects }]));
}

const subject = "release app: Deployment monitoring/web (2 replicas)";

describe("render check: disruption", () => {
    it("passes a replicated workload with one PodDisruptionBudget and anti-affinity on the node", () => {
        const result = verify([web(), pdb("web", { matchLabels: { app: "web" } }), workload("Deployment", "single", { containers: [container("single")] }, { replicas: 1 })]);
        assert.deepEqual(messages(result), []);
        assert.equal(result.summary, "1 of 1 multi-replica workload(s) have a PodDisruptionBudget and spread over nodes; 1 PodDisruptionBudget(s)");
    });

    it("fails without a PodDisruptionBudget, or with one whose selector does not match the pods", () => {
        const expected = `${subject}: no PodDisruptionBudget selects its pods (labels app=web): a node drain may evict every replica at once`;
        assert.deepEqual(messages(verify([web()])), [expected]);
        assert.deepEqual(messages(verify([web(), pdb("web", { matchLabels: { app: "wbe" } })])), [expected]);
    });

    it("fails on a budget that allows no eviction, and on two budgets for the same pods", () => {
        assert.deepEqual(messages(verify([web(), pdb("web", { matchLabels: { app: "web" } }, { minAvailable: 2 })])), [
            `${subject}: PodDisruptionBudget web allows 0 of 2 pod(s) to be evicted: node drains block forever`,
        ]);
        assert.deepEqual(messages(verify([web(), pdb("web", { matchLabels: { app: "web" } }, { maxUnavailable: "0%" })])), [
            `${subject}: PodDisruptionBudget web allows 0 of 2 pod(s) to be evicted: node drains block forever`,
        ]);
        assert.deepEqual(messages(verify([web(), pdb("a", { matchLabels: { app: "web" } }), pdb("b", { matchExpressions: [{ key: "app", operator: "Exists" }] })])), [
            `${subject}: 2 PodDisruptionBudgets select its pods (a, b); the eviction API refuses pods covered by more than one`,
        ]);
    });

    it("fails without spread, or when the spread term is on another key or selects other pods", () => {
        const budget = pdb("web", { matchLabels: { app: "web" } });
        const noSpread = `${subject}: no podAntiAffinity or topologySpreadConstraints on kubernetes.io/hostname or topology.kubernetes.io/zone that selects its own pods: all replicas may land on one node`;
        assert.deepEqual(messages(verify([web({}), budget])), [noSpread]);
        assert.deepEqual(messages(verify([web({ affinity: antiAffinity({ app: "web" }, "kubernetes.io/os") }), budget])), [
            `${noSpread}; it has preferred podAntiAffinity on kubernetes.io/os selecting app=web, which does not spread its own pods over nodes or zones`,
        ]);
        assert.deepEqual(messages(verify([web({ affinity: antiAffinity({ app: "api" }) }), budget])), [
            `${noSpread}; it has preferred podAntiAffinity on kubernetes.io/hostname selecting app=api, which does not spread its own pods over nodes or zones`,
        ]);
    });

    it("accepts topologySpreadConstraints on the zone instead of anti-affinity", () => {
        const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }] };
        assert.deepEqual(messages(verify([web(spread), pdb("web", { matchLabels: { app: "web" } })])), []);
    });

    it("checks the Prometheus Operator's resources against the labels the operator gives their pods", () => {
        const prometheus = operatorResource("Prometheus", "kps-prometheus", {
            replicas: 2,
            affinity: {
                podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                        { topologyKey: "kubernetes.io/hostname", labelSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["prometheus"] }] } },
                    ],
                },
            },
        });
        const budget = pdb("kps-prometheus", { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kps-prometheus" } });
        assert.deepEqual(messages(verify([prometheus, budget])), []);
        assert.match(
            messages(verify([prometheus]))[0],
            /^release app: Prometheus monitoring\/kps-prometheus \(2 replicas\): no PodDisruptionBudget selects its pods \(labels app\.kubernetes\.io\/instance=kps-prometheus, app\.kubernetes\.io\/name=prometheus, operator\.prometheus\.io\/name=kps-prometheus/,
        );
    });

    it("treats zone StatefulSets of one rollout-group as one replicated workload", () => {
        const zone = (z: string) =>
            workload(
                "StatefulSet",
                `ingester-zone-${z}`,
                {
                    containers: [container("ingester")],
                    affinity: {
                        podAntiAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: [
                                {
                                    topologyKey: "kubernetes.io/hostname",
                                    labelSelector: {
                                        matchExpressions: [
                                            { key: "rollout-group", operator: "In", values: ["ingester"] },
                                            { key: "name", operator: "NotIn", values: [`ingester-zone-${z}`] },
                                        ],
                                    },
                                },
                            ],
                        },
                    },
                },
                { replicas: 1, labels: { "rollout-group": "ingester", name: `ingester-zone-${z}` } },
            );
        const zones = ["a", "b", "c"].map(zone);
        const budget = pdb("ingester-rollout", { matchLabels: { "rollout-group": "ingester" } });
        const result = verify([...zones, budget]);
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /^1 of 1 multi-replica workload/);
        const errors = messages(verify(zones));
        assert.equal(errors.length, 3, errors.join("\n"));
        ["a", "b", "c"].forEach((z, i) => assert.match(errors[i], new RegExp(`StatefulSet monitoring/ingester-zone-${z} \\(3 replicas in rollout-group ingester\\): no PodDisruptionBudget`)));
    });

    it("counts allowed evictions as Kubernetes does", () => {
        const budget = (spec: Record<string, unknown>) => pdb("x", {}, spec);
        assert.equal(allowedDisruptions(budget({ maxUnavailable: 1 }), 3), 1);
        assert.equal(allowedDisruptions(budget({ maxUnavailable: "34%" }), 3), 2);
        assert.equal(allowedDisruptions(budget({ minAvailable: "50%" }), 3), 1);
        assert.equal(allowedDisruptions(budget({ minAvailable: 3 }), 3), 0);
    });

    it("requires nothing in dev", () => {
        const result = verify([web({})], "dev");
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /not required by the dev profile/);
    });
});
