import { strict as assert } from "assert";
import { checkNetworkPolicy } from "../../tools/render/checks/networkPolicy";
import { K8sObject } from "../../tools/render/types";
import { checkInput, container, messages, ns, operatorResource, release, stackModel, workload } from "./fixtures";

function policy(name: string, spec: Record<string, unknown>, namespace = ns): K8sObject {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}

const denyAll = policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
const dnsEgress = {
    to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
    ],
};
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
    describe("coverage", () => {
        it("passes with a default deny and an allow policy for every pod, ingress for pods behind a Service", () => {
            const result = verify([denyAll, webAllow, jobAllow]);
            assert.deepEqual(messages(result), []);
            assert.equal(
                result.summary,
                "2 of 2 pod template(s) covered by allow policies in 1 namespace(s); 0 wired connection(s) allowed, 0 scrape target(s) reachable, 2 pod template(s) reach the cluster DNS; 3 NetworkPolicy(ies); 1 host-network pod template(s) exempt",
            );
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
            assert.deepEqual(messages(verify([denyAll, webAllow])), [
                "Job monitoring/setup (release app): no NetworkPolicy with allow rules selects its pods: under default-deny it can neither receive nor open a connection",
                'Job monitoring/setup (release app) → the cluster DNS (pods k8s-app=kube-dns in kube-system) UDP/53: refused by the egress of namespace "monitoring"\'s policies selecting the source (default-deny); TCP/53: refused by the egress of namespace "monitoring"\'s policies selecting the source (default-deny)',
            ]);
            const typo = policy("web", { podSelector: { matchLabels: { app: "wbe" } }, ingress: [{}] });
            assert.match(messages(verify([denyAll, typo, jobAllow]))[0], /^Deployment monitoring\/web \(release app\): no NetworkPolicy with allow rules selects its pods/);
        });

        it("fails on a pod behind a Service that policies let out but not in", () => {
            const egressOnly = policy("web", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [dnsEgress] });
            assert.deepEqual(messages(verify([denyAll, egressOnly, jobAllow])), [
                "Deployment monitoring/web (release app): Service web routes to its pods but no NetworkPolicy selecting them allows ingress (policies: web)",
            ]);
        });

        it("selects operator pods by the labels the operator gives them", () => {
            const prometheus = operatorResource("Prometheus", "kps-prometheus", { replicas: 2 });
            const allow = policy("prometheus", { podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } }, ingress: [{ ports: [{ port: 9090 }] }], egress: [dnsEgress] });
            assert.deepEqual(messages(verify([denyAll, webAllow, jobAllow, prometheus, allow])), []);
            assert.match(messages(verify([denyAll, webAllow, jobAllow, prometheus]))[0], /^Prometheus monitoring\/kps-prometheus \(release app\): no NetworkPolicy with allow rules selects its pods/);
        });

        it("requires nothing in dev without NetworkPolicies, and checks a dev stack that has them", () => {
            const result = verify([], "dev");
            assert.deepEqual(messages(result), []);
            assert.match(result.summary, /not required by the dev profile, which renders no NetworkPolicy \(network\.policies off\)/);
            assert.deepEqual(messages(verify([denyAll, webAllow], "dev")), messages(verify([denyAll, webAllow])));
            assert.equal(messages(verify([denyAll, webAllow], "dev")).length, 2);
        });
    });

    describe("reachability", () => {
        const apps = "apps";
        // A client in `namespace` whose env points it at the web Service, port 80 (the pods' 8080).
        const client = (namespace: string) =>
            workload("Deployment", "client", { containers: [container("client", { env: [{ name: "WEB_URL", value: "http://web.monitoring.svc.cluster.local:80/api" }] })] }, { namespace });
        const web8080: K8sObject = { ...webService, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } };
        const webPods = workload("Deployment", "web", { containers: [container("web", { ports: [{ name: "http", containerPort: 8080 }] })] }, { replicas: 2 });
        const clientEgress = (port: number, namespace: string) =>
            policy(
                "client",
                {
                    podSelector: { matchLabels: { app: "client" } },
                    policyTypes: ["Ingress", "Egress"],
                    egress: [dnsEgress, { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } }, podSelector: { matchLabels: { app: "web" } } }], ports: [{ port }] }],
                },
                namespace,
            );
        const webIngressFrom = (peer: Record<string, unknown>) =>
            policy("web", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [peer], ports: [{ port: "http" }] }], egress: [dnsEgress] });
        const fromClients = { namespaceSelector: {}, podSelector: { matchLabels: { app: "client" } } };

        function check(objects: K8sObject[]) {
            const appRelease = release("app");
            return checkNetworkPolicy(checkInput(stackModel({ profile: "prod", releases: [appRelease] }), [{ release: appRelease, objects: [webPods, web8080, setup, jobAllow, denyAll, ...objects] }]));
        }

        it("allows a connection the configuration makes when the source's egress and the destination's ingress admit it, on the pod's port", () => {
            const result = check([client(apps), clientEgress(8080, apps), policy("default-deny", denyAll.spec as Record<string, unknown>, apps), webIngressFrom(fromClients)]);
            assert.deepEqual(messages(result), []);
            assert.deepEqual(messages(result, "warning"), []);
            assert.match(result.summary, /in 2 namespace\(s\); 1 wired connection\(s\) allowed, 0 scrape target\(s\) reachable, 3 pod template\(s\) reach the cluster DNS/);
        });

        it("reports an egress rule on the Service's port instead of the pod's, naming source, destination, port and side", () => {
            assert.deepEqual(messages(check([client(apps), clientEgress(80, apps), policy("default-deny", denyAll.spec as Record<string, unknown>, apps), webIngressFrom(fromClients)])), [
                'Deployment apps/client (release app) → Service monitoring/web (Deployment monitoring/web (release app)) TCP/8080 (configured in container "client" env WEB_URL: http://web.monitoring.svc.cluster.local:80): refused by the egress of namespace "apps"\'s policies selecting the source (client, default-deny)',
            ]);
        });

        it("reports a destination whose ingress admits only its own namespace", () => {
            const sameNamespaceOnly = webIngressFrom({ podSelector: { matchLabels: { app: "client" } } });
            assert.deepEqual(messages(check([client(apps), clientEgress(8080, apps), policy("default-deny", denyAll.spec as Record<string, unknown>, apps), sameNamespaceOnly])), [
                'Deployment apps/client (release app) → Service monitoring/web (Deployment monitoring/web (release app)) TCP/8080 (configured in container "client" env WEB_URL: http://web.monitoring.svc.cluster.local:80): refused by the ingress of namespace "monitoring"\'s policies selecting the destination (default-deny, web)',
            ]);
            // The same client in the destination's namespace gets in.
            assert.deepEqual(messages(check([client(ns), clientEgress(8080, ns), sameNamespaceOnly])), []);
        });

        it("reports a ServiceMonitor target that the Prometheus selecting it cannot scrape, and ignores monitors no Prometheus selects", () => {
            const prometheus = operatorResource("Prometheus", "kps-prometheus", { serviceMonitorSelector: { matchLabels: { release: "kps" } }, serviceMonitorNamespaceSelector: {} });
            const monitor = (labels: Record<string, string>): K8sObject => ({
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: "web", namespace: ns, labels },
                spec: { selector: { matchLabels: {} }, endpoints: [{ port: "http" }] },
            });
            const prometheusEgress = (port: number) =>
                policy("prometheus", {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ ports: [{ port: 9090 }] }],
                    egress: [dnsEgress, { to: [{ podSelector: {} }], ports: [{ port }] }],
                });
            const webFromPrometheus = webIngressFrom({ podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } });
            const ok = check([prometheus, prometheusEgress(8080), webFromPrometheus, monitor({ release: "kps" })]);
            assert.deepEqual(messages(ok), []);
            assert.match(ok.summary, /1 scrape target\(s\) reachable/);
            assert.deepEqual(messages(check([prometheus, prometheusEgress(9100), webFromPrometheus, monitor({ release: "kps" })])), [
                'Prometheus monitoring/kps-prometheus (release app) → Service monitoring/web (Deployment monitoring/web (release app)) TCP/8080 (a target of ServiceMonitor monitoring/web): refused by the egress of namespace "monitoring"\'s policies selecting the source (default-deny, prometheus)',
            ]);
            assert.deepEqual(messages(check([prometheus, prometheusEgress(9100), webFromPrometheus, monitor({ release: "other" })])), []);
            // A monitor whose Services the render does not have is named as not evaluated; a Probe whose prober is no in-cluster Service is warned about.
            const elsewhere: K8sObject = {
                ...monitor({ release: "kps" }),
                metadata: { name: "kubelet", namespace: ns, labels: { release: "kps" } },
                spec: { selector: { matchLabels: { k8s: "kubelet" } }, endpoints: [{ port: "https-metrics" }] },
            };
            const probe: K8sObject = {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "Probe",
                metadata: { name: "ping", namespace: ns, labels: { release: "kps" } },
                spec: { prober: { url: "http://blackbox.example.com:9115" } },
            };
            const prometheusAll = operatorResource("Prometheus", "kps-prometheus", { serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: {}, probeSelector: {}, probeNamespaceSelector: {} });
            const outside = check([prometheusAll, prometheusEgress(8080), webFromPrometheus, elsewhere, probe]);
            assert.match(outside.summary, /\(not evaluated, their Services are not in the render: ServiceMonitor monitoring\/kubelet\)/);
            assert.deepEqual(messages(outside, "warning"), [
                'Probe monitoring/ping: prober "http://blackbox.example.com:9115" is no in-cluster Service\'s <name>.<namespace>:<port>, so whether Prometheus reaches it cannot be evaluated',
            ]);
        });

        it("evaluates a host-network destination as a node, whose address only a rule to every address is sure to reach", () => {
            const prometheus = operatorResource("Prometheus", "kps-prometheus", { podMonitorSelector: {} });
            const exporter = workload("DaemonSet", "node-exporter", { hostNetwork: true, containers: [container("node-exporter", { ports: [{ name: "metrics", containerPort: 9100 }] })] });
            const podMonitor: K8sObject = {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: "nodes", namespace: ns },
                spec: { selector: { matchLabels: { app: "node-exporter" } }, podMetricsEndpoints: [{ port: "metrics" }] },
            };
            const toNodes = (cidr: string) =>
                policy("prometheus", {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ ports: [{ port: 9090 }] }],
                    egress: [dnsEgress, { to: [{ ipBlock: { cidr } }], ports: [{ port: 9100 }] }],
                });
            const web = webIngressFrom(fromClients);
            assert.deepEqual(messages(check([prometheus, exporter, podMonitor, web, toNodes("0.0.0.0/0")])), []);
            assert.deepEqual(messages(check([prometheus, exporter, podMonitor, web, toNodes("10.0.0.0/8")])), [
                'Prometheus monitoring/kps-prometheus (release app) → DaemonSet monitoring/node-exporter (release app) TCP/9100 (a target of PodMonitor monitoring/nodes): refused by the egress of namespace "monitoring"\'s policies selecting the source (default-deny, prometheus)',
            ]);
        });
    });
});
