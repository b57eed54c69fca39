import { strict as assert } from "assert";
import { allowedDisruptions, checkDisruption, redundantParts } from "../../tools/render/checks/disruption";
import { K8sObject, RenderedRelease } from "../../tools/render/types";
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
        assert.equal(result.summary, "0 of 0 highly available part(s) run enough replicas; 1 of 1 multi-replica workload(s) have a PodDisruptionBudget and spread over nodes; 1 PodDisruptionBudget(s)");
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
        assert.match(result.summary, /; 1 of 1 multi-replica workload/);
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

    describe("replicas of the parts prod makes highly available", () => {
        /** One release of `chart`: each of its workloads given as [name, container, replicas] (Prometheus Operator kinds by kind). */
        function chartRelease(name: string, chart: string, workloads: [string, string, number][], values: Record<string, unknown> = {}): RenderedRelease {
            const objects = workloads.map(([object, c, replicas]) =>
                ["Prometheus", "Alertmanager"].includes(c) ? operatorResource(c, object, { replicas }) : workload("StatefulSet", object, { containers: [container(c)] }, { replicas }),
            );
            return { release: release(name, values, chart), objects };
        }
        const replicaErrors = (rendered: RenderedRelease[], profile = "prod") =>
            messages(checkDisruption(checkInput(stackModel({ profile, releases: rendered.map((r) => r.release) }), rendered))).filter((m) => !/PodDisruptionBudget|podAntiAffinity/.test(m));
        const thanos = (queryReplicas: number) =>
            chartRelease("thanos", "thanos", [
                ["thanos-query", "thanos-query", queryReplicas],
                ["thanos-store-gateway", "thanos-store-gateway", 2],
            ]);

        it("fails a part that runs fewer than 2 pods in prod, and says why", () => {
            assert.deepEqual(replicaErrors([thanos(2)]), []);
            assert.deepEqual(replicaErrors([thanos(1)]), ["release thanos: Thanos query runs 1 pod(s) (thanos-query); prod needs at least 2: with its one pod down, e.g. during a node drain, nothing serves"]);
            const kps = chartRelease("kps", "kube-prometheus-stack", [
                ["kps-prometheus", "Prometheus", 1],
                ["kps-alertmanager", "Alertmanager", 3],
            ]);
            assert.deepEqual(replicaErrors([kps]), ["release kps: Prometheus runs 1 pod(s) (kps-prometheus); prod needs at least 2: with its one pod down, e.g. during a node drain, nothing serves"]);
            assert.deepEqual(replicaErrors([thanos(1), kps], "dev"), []);
        });

        it("holds MinIO to its erasure set of 4 pods", () => {
            assert.deepEqual(replicaErrors([chartRelease("minio", "minio", [["minio", "minio", 4]])]), []);
            assert.deepEqual(replicaErrors([chartRelease("minio", "minio", [["minio", "minio", 1]])]), [
                "release minio: MinIO runs 1 pod(s) (minio); prod needs at least 4: distributed MinIO erasure-codes objects over 4 drives, one per pod",
            ]);
        });

        it("counts the zone StatefulSets of one part together, and the parts of Loki's mode only", () => {
            const distributed = ["ingester", "distributor", "querier", "query-frontend", "query-scheduler", "index-gateway", "ruler"];
            const zones: [string, string, number][] = ["a", "b", "c"].map((z) => [`loki-ingester-zone-${z}`, "ingester", 1]);
            const loki = chartRelease("loki", "loki", [...zones, ...distributed.slice(1).map((t): [string, string, number] => [`loki-${t}`, t, 2]), ["loki-gateway", "nginx", 2]], { deploymentMode: "Distributed" });
            assert.deepEqual(replicaErrors([loki]), []);
            const oneZone = chartRelease("loki", "loki", [zones[0], ...distributed.slice(1).map((t): [string, string, number] => [`loki-${t}`, t, 2]), ["loki-gateway", "nginx", 2]], { deploymentMode: "Distributed" });
            assert.deepEqual(replicaErrors([oneZone]), ["release loki: Loki ingester runs 1 pod(s) (loki-ingester-zone-a); prod needs at least 2: with its one pod down, e.g. during a node drain, nothing serves"]);
            const monolithic = chartRelease(
                "loki",
                "loki",
                [
                    ["loki", "loki", 1],
                    ["loki-gateway", "nginx", 2],
                ],
                { deploymentMode: "Monolithic" },
            );
            assert.deepEqual(replicaErrors([monolithic]), ["release loki: Loki single binary runs 1 pod(s) (loki); prod needs at least 2: with its one pod down, e.g. during a node drain, nothing serves"]);
        });

        it("reports a part the chart should render and does not; optional parts only when rendered", () => {
            const noStore = chartRelease("thanos", "thanos", [["thanos-query", "thanos-query", 2]]);
            assert.deepEqual(replicaErrors([noStore]), [
                'release thanos (chart thanos 1.0.0): Thanos store gateway: no workload with a container "thanos-store-gateway" in the render (chart changed? the check cannot find how many replicas it runs)',
            ]);
            const withRuler = chartRelease("thanos", "thanos", [
                ["thanos-query", "thanos-query", 2],
                ["thanos-store-gateway", "thanos-store-gateway", 2],
                ["thanos-rule", "thanos-rule", 1],
            ]);
            assert.deepEqual(replicaErrors([withRuler]), ["release thanos: Thanos ruler runs 1 pod(s) (thanos-rule); prod needs at least 2: with its one pod down, e.g. during a node drain, nothing serves"]);
        });

        it("knows every chart part the policy pack's replica rule knew", () => {
            // What docs/prod.md promises to keep highly available (the policy pack checked these on values before this check owned the rule).
            const roles = redundantParts.map((p) => `${p.chart}/${p.role}/${p.minimum}`);
            for (const role of [
                "kube-prometheus-stack/Prometheus/2",
                "kube-prometheus-stack/Alertmanager/2",
                "minio/MinIO/4",
                "thanos/Thanos query/2",
                "thanos/Thanos query frontend/2",
                "thanos/Thanos store gateway/2",
                "thanos/Thanos ruler/2",
                "loki/Loki single binary/2",
                "loki/Loki gateway/2",
                "tempo-distributed/Tempo memcached/2",
                ...["ingester", "distributor", "querier", "query frontend", "query scheduler", "index gateway", "ruler"].map((t) => `loki/Loki ${t}/2`),
                ...["distributor", "ingester", "querier", "query frontend"].map((t) => `tempo-distributed/Tempo ${t}/2`),
            ]) {
                assert.ok(roles.includes(role), role);
            }
        });
    });

    it("requires nothing in dev", () => {
        const result = verify([web({})], "dev");
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /not required by the dev profile/);
    });
});
