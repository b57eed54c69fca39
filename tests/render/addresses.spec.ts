import { strict as assert } from "assert";
import { checkAddresses, findAddresses } from "../../tools/render/checks/addresses";
import { checkInput, messages, release, secret, service, stackModel } from "./fixtures";

const services = [
    service("loki-gateway", [["http-metrics", 80]]),
    service("kps-thanos-discovery", [
        ["grpc", 10901],
        ["http", 10902],
    ]),
    service("kps-prometheus", [["http-web", 9090]]),
    service("minio", [["http", 9000]], "storage"),
];

function verify(values: Record<string, unknown>, objects = [secret("objstore", { "objstore.yml": "config:\n  endpoint: minio.storage.svc.cluster.local:9000\n" })]) {
    const model = stackModel({ releases: [release("grafana", values)], objects: [...services.slice(3), ...objects] });
    return checkAddresses(checkInput(model, [{ release: release("kps"), objects: services.slice(0, 3) }]));
}

describe("render check: addresses", () => {
    it("finds addresses with scheme, SRV prefix and port inside larger text", () => {
        const found = findAddresses("url: http://a.ns.svc.cluster.local/x\nsd: dnssrv+_grpc._tcp.b.ns2.svc\nother: pod-0.c.ns.svc:9000");
        assert.deepEqual(
            found.map((a) => [a.service, a.namespace, a.port, a.srv]),
            [
                ["a", "ns", 80, undefined],
                ["b", "ns2", undefined, "grpc"],
                ["c", "ns", 9000, undefined],
            ],
        );
    });

    it("passes when every address names an existing Service and port", () => {
        const result = verify({
            datasources: { "datasources.yaml": "url: http://loki-gateway.monitoring.svc.cluster.local\nurl2: http://kps-prometheus.monitoring.svc:9090/api/v1/write" },
            endpoints: ["dnssrv+_grpc._tcp.kps-thanos-discovery.monitoring.svc.cluster.local"],
        });
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /4 in-cluster address/);
    });

    it("fails on a wrong Service name, naming where it was found and what exists", () => {
        const [message] = messages(verify({ loki: { url: "http://loki-gatway.monitoring.svc.cluster.local:80" } }));
        assert.match(message, /no Service "loki-gatway" in namespace "monitoring"/);
        assert.match(message, /release grafana values loki\.url/);
        assert.match(message, /did you mean "loki-gateway"/);
        assert.match(message, /kps-prometheus \(http-web:9090\)/);
    });

    it("fails on a port the Service does not expose, including the scheme's default port", () => {
        const explicit = messages(verify({ url: "http://kps-prometheus.monitoring.svc.cluster.local:9091" }));
        assert.match(explicit[0], /Service monitoring\/kps-prometheus has no port 9091; its ports: http-web:9090/);
        const implied = messages(verify({ url: "https://loki-gateway.monitoring.svc.cluster.local/loki" }));
        assert.match(implied[0], /has no port 443 \(implied by https:\/\/\)/);
    });

    it("fails on dnssrv+_grpc against a Service without a port named grpc", () => {
        const [message] = messages(verify({ endpoints: ["dnssrv+_grpc._tcp.kps-prometheus.monitoring.svc.cluster.local"] }));
        assert.match(message, /SRV lookup _grpc\._tcp needs a TCP port named "grpc" on Service monitoring\/kps-prometheus/);
    });

    it("knows the Services every cluster has", () => {
        assert.deepEqual(messages(verify({ api: "https://kubernetes.default.svc", dns: "kube-dns.kube-system.svc.cluster.local:53" })), []);
    });

    it("scans program Secrets and names the key", () => {
        const [message] = messages(verify({}, [secret("objstore", { "objstore.yml": "config:\n  endpoint: minio.storage.svc.cluster.local:9001\n" })]));
        assert.match(message, /Secret monitoring\/objstore key objstore\.yml/);
        assert.match(message, /no port 9001/);
    });
});
