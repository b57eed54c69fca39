import { strict as assert } from "assert";
import { checkFootprint, podFootprints, podTotals } from "../../tools/render/checks/footprint";
import { formatMemory, parseQuantity } from "../../tools/render/quantity";
import { K8sObject } from "../../tools/render/types";
import { checkInput, container, deployment, job, messages, release, stackModel } from "./fixtures";

const operator = deployment("kps-operator", {
    containers: [
        container("operator", {
            args: ["--config-reloader-cpu-request=10m", "--config-reloader-cpu-limit=20m", "--config-reloader-memory-request=16Mi", "--config-reloader-memory-limit=32Mi"],
        }),
    ],
});
const prometheus: K8sObject = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "Prometheus",
    metadata: { name: "kps-prometheus" },
    spec: {
        replicas: 2,
        resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        thanos: { resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } } },
    },
};

function verify(objects: K8sObject[], profile = "dev") {
    return checkFootprint(checkInput(stackModel({ profile, releases: [release("app")] }), [{ release: release("app"), objects }]));
}

describe("render check: footprint", () => {
    it("parses Kubernetes quantities", () => {
        assert.equal(parseQuantity("250m"), 0.25);
        assert.equal(parseQuantity("1.5"), 1.5);
        assert.equal(parseQuantity("512Mi"), 512 * 2 ** 20);
        assert.equal(parseQuantity("1G"), 1e9);
        assert.equal(parseQuantity("2k"), 2000);
        assert.equal(parseQuantity("1e3"), 1000);
        assert.equal(parseQuantity(2), 2);
        assert.equal(parseQuantity("lots"), undefined);
        assert.equal(formatMemory(2.5 * 2 ** 30), "2.50Gi");
    });

    it("counts replicas, operator pods with sidecar and config-reloader, and leaves hook Jobs out of the total", () => {
        const daemon = deployment("agent", { containers: [container("agent")] }, undefined, "DaemonSet");
        const app = deployment("app", { initContainers: [container("init", { resources: { requests: { cpu: "1", memory: "64Mi" }, limits: { cpu: "1", memory: "64Mi" } } })], containers: [container("app")] }, 2);
        const hook = job("make-bucket", { containers: [container("mc", { image: "mc" })] });
        const result = verify([operator, prometheus, daemon, app, hook]);
        // operator 100m + prometheus 2×(200m+10m+50m) + daemon 100m + app 2×max(100m, init 1000m) = 2720m: over the dev budget.
        assert.match(result.summary, /6 steady-state pod\(s\) request 2720m CPU/);
        assert.deepEqual(messages(result), ["dev profile requests 2720m CPU in total, over the budget of 1500m"]);
        const pods = podFootprints(checkInput(stackModel(), [{ release: release("app"), objects: [operator, prometheus] }]));
        const prom = pods.find((p) => p.workload === "Prometheus monitoring/kps-prometheus")!;
        assert.deepEqual(
            prom.containers.map((c) => c.name),
            ["prometheus", "config-reloader", "thanos-sidecar", "init-config-reloader"],
        );
        assert.equal(podTotals(prom.containers).requests.memory, (512 + 16 + 64) * 2 ** 20);
        assert.ok(
            result.details!.some((line) => /make-bucket/.test(line)),
            "hook Job listed apart",
        );
        assert.ok(
            result.details!.some((line) => line.trim() === "example/app:1.0"),
            "images listed",
        );
    });

    it("passes a small dev stack where every container is sized", () => {
        const result = verify([operator, deployment("app", { containers: [container("app")] }, 2)]);
        assert.deepEqual(messages(result), []);
        assert.match(result.details![0], /^release\s+pods\s+cpu req/);
        assert.match(result.details![1], /^app\s+3\s+300m\s+600m\s+384Mi\s+768Mi\s+0$/);
    });

    it("fails in dev when a container has no limits, naming it", () => {
        const [message] = messages(verify([deployment("app", { containers: [container("app", { resources: { requests: { cpu: "10m", memory: "10Mi" } } })] })]));
        assert.match(message, /release app: Deployment monitoring\/app container "app" has no cpu limit, memory limit/);
    });

    it("fails in dev when the total requests exceed the budget", () => {
        const big = deployment("app", { containers: [container("app", { resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "100m", memory: "200Mi" } } })] }, 13);
        const errors = messages(verify([big]));
        assert.deepEqual(errors, ["dev profile requests 2.54Gi memory in total, over the budget of 2.50Gi"]);
    });

    it("counts the program's own workloads in a row of their own, held to the same rules", () => {
        const own = { ...deployment("demo-app", { containers: [container("demo-app")] }), metadata: { name: "demo-app", namespace: "demo" } };
        const bare = { ...deployment("bare", { containers: [{ name: "bare", image: "x" }] }), metadata: { name: "bare", namespace: "demo" } };
        const input = (objects: K8sObject[]) => checkInput(stackModel({ releases: [release("app")], objects }), [{ release: release("app"), objects: [operator] }]);
        const result = checkFootprint(input([own]));
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /2 steady-state pod\(s\) request 200m CPU/);
        assert.ok(
            result.details!.some((line) => /^\(program\)\s+1\s+100m\s+200m\s+128Mi\s+256Mi\s+0$/.test(line)),
            result.details!.join("\n"),
        );
        assert.deepEqual(messages(checkFootprint(input([bare]))), [
            'program objects: Deployment demo/bare container "bare" has no cpu request, memory request, cpu limit, memory limit (every container needs CPU and memory requests and limits)',
        ]);
        assert.ok(!checkFootprint(input([])).details!.some((line) => line.startsWith("(program)")), "no row without program workloads");
    });

    it("fails in prod too, on run-once containers as well, and warns about unknown config-reloader resources", () => {
        const bare = deployment("app", { containers: [{ name: "bare", image: "x" }] });
        const hook = job("make-bucket", { containers: [container("mc", { resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m" } } })] });
        const result = verify([prometheus, bare, hook], "prod");
        assert.deepEqual(messages(result), [
            'release app: Deployment monitoring/app container "bare" has no cpu request, memory request, cpu limit, memory limit (every container needs CPU and memory requests and limits)',
            'release app: Job monitoring/make-bucket container "mc" has no memory limit (every container needs CPU and memory requests and limits)',
        ]);
        assert.ok(messages(result, "warning").some((w) => /config-reloader are unknown/.test(w)));
        assert.match(
            result.details!.find((line) => line.startsWith("app "))!,
            /\s2$/,
            "both gaps counted in the release's row",
        );
    });
});
