import { strict as assert } from "assert";
import { buildMonitor } from "../components/monitoredApp";

describe("onboarding an application for scraping", () => {
    it("a Service target becomes a ServiceMonitor limited to its namespace", () => {
        const m: any = buildMonitor("shop", "shop", { kind: "service", selector: { app: "shop" }, port: "http-metrics", interval: "15s" });
        assert.equal(m.kind, "ServiceMonitor");
        assert.deepEqual(m.spec.selector, { matchLabels: { app: "shop" } });
        assert.deepEqual(m.spec.namespaceSelector, { matchNames: ["shop"] });
        assert.deepEqual(m.spec.endpoints, [{ port: "http-metrics", path: "/metrics", interval: "15s" }]);
    });
    it("a pod target becomes a PodMonitor", () => {
        const m: any = buildMonitor("cni", "kube-system", { kind: "pod", selector: { "k8s-app": "cilium" }, port: "prometheus", path: "/stats" });
        assert.equal(m.kind, "PodMonitor");
        assert.deepEqual(m.spec.podMetricsEndpoints, [{ port: "prometheus", path: "/stats" }]);
    });
    it("refuses an empty selector, a bad interval and a bad name", () => {
        assert.throws(() => buildMonitor("a", "ns", { kind: "pod", selector: {}, port: "m" }), /at least one label/);
        assert.throws(() => buildMonitor("a", "ns", { kind: "pod", selector: { a: "b" }, port: "m", interval: "fast" }), /interval "fast"/);
        assert.throws(() => buildMonitor("Shop_App", "ns", { kind: "pod", selector: { a: "b" }, port: "m" }), /DNS label/);
    });
});
