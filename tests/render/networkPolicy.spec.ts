import { strict as assert } from "assert";
import { checkNetworkPolicy } from "../../tools/render/checks/networkPolicy";
import { K8sObject } from "../../tools/render/types";
import { checkInput, container, messages, ns, operatorResource, release, stackModel, workload } from "./fixtures";

function policy(name: string, spec: Record<string, unknown>): K8sObject {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: ns }, spec };
}

const denyAll = policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
const dnsEgress = { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ port: 53, protocol: "UDP" }] };
const webAllow = policy("web", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: {} }] }], egress: [dnsEgress] });
const jobAllow = policy("jobs", { podSelector: { matchLabels: { app: "setup" } }, policyTypes: ["Egress"], egress: [dnsEgress] });
const webService: K8sObject = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: ns }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };

const web = workload("Deployment", "web", { containers: [container("web")] }, { replicas: 2 });
const setup = workload("Job", "setup", { containers: [container("setup")], restartPolicy: "Never" });
const nodeExporter = workload("DaemonSet", "node-exporter", { hostNetwork: true, containers: [container("node-exporter")] });

function verify(objects: K8sObject[], profile = "prod") {
    return checkNetworkPolicy(checkInput(stackModel({ profile, releases: [release("app")] }), [{ release: release("app"), objects: [web, setup, nodeExporter, webService, ...objects] }]));
}

describe("render check: networkPolicy", () => {
    it("passes with a default deny and an allow policy for every pod, ingress for pods behind a Service", () => {
        const result = verify([denyAll, webAllow, jobAllow]);
        assert.deepEqual(messages(result), []);
        assert.equal(result.summary, "2 of 2 pod template(s) covered by allow policies in 1 namespace(s); 3 NetworkPolicy(ies); 1 host-network pod template(s) exempt");
    });

    it("fails without a default deny, naming the directions missing", () => {
        assert.deepEqual(messages(verify([webAllow, jobAllow])), [
            'namespace "monitoring": no default-deny NetworkPolicy for Ingress and Egress (podSelector {} with policyTypes Ingress, Egress and no rules); its policies: web, jobs',
        ]);
        // Without policyTypes a policy with no egress rules only covers Ingress.
        const ingressOnly = policy("default-deny", { podSelector: {} });
        assert.deepEqual(messages(verify([ingressOnly, webAllow, jobAllow])), [
            'namespace "monitoring": no default-deny NetworkPolicy for Egress (podSelector {} with policyTypes Egress and no rules); its policies: default-deny, web, jobs',
        ]);
    });

    it("does not take a namespace-wide policy with rules for a default deny", () => {
        const allowAll = policy("allow-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] });
        assert.match(messages(verify([allowAll, webAllow, jobAllow]))[0], /no default-deny NetworkPolicy for Ingress and Egress/);
    });

    it("fails on a pod that no allow policy selects", () => {
        assert.deepEqual(messages(verify([denyAll, webAllow])), ["release app: Job monitoring/setup: no NetworkPolicy with allow rules selects its pods: under default-deny it can neither receive nor open a connection"]);
        const typo = policy("web", { podSelector: { matchLabels: { app: "wbe" } }, ingress: [{}] });
        assert.match(messages(verify([denyAll, typo, jobAllow]))[0], /^release app: Deployment monitoring\/web: no NetworkPolicy with allow rules selects its pods/);
    });

    it("fails on a pod behind a Service that policies let out but not in", () => {
        const egressOnly = policy("web", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [dnsEgress] });
        assert.deepEqual(messages(verify([denyAll, egressOnly, jobAllow])), ["release app: Deployment monitoring/web: Service web routes to its pods but no NetworkPolicy selecting them allows ingress (policies: web)"]);
    });

    it("selects operator pods by the labels the operator gives them", () => {
        const prometheus = operatorResource("Prometheus", "kps-prometheus", { replicas: 2 });
        const allow = policy("prometheus", { podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } }, ingress: [{ ports: [{ port: 9090 }] }] });
        assert.deepEqual(messages(verify([denyAll, webAllow, jobAllow, prometheus, allow])), []);
        assert.deepEqual(messages(verify([denyAll, webAllow, jobAllow, prometheus])), [
            "release app: Prometheus monitoring/kps-prometheus: no NetworkPolicy with allow rules selects its pods: under default-deny it can neither receive nor open a connection",
        ]);
    });

    it("requires nothing in dev", () => {
        const result = verify([], "dev");
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /not required by the dev profile/);
    });
});
