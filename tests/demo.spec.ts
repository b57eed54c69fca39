import { strict as assert } from "assert";
import { buildHotrod, buildHotrodService, buildLoadGenerator, buildLogGenerator, demoImages, demoNames, hotrodCustomers, hotrodPort } from "../components/demo";
import { buildDatasources } from "../components/grafana";
import { size } from "../components/resources";
import { ConfigError, parsePlatformConfig } from "../stacks/config";
import { profileSizing } from "../stacks/profiles";
import { Evaluation, evaluatePlatform, RegisteredResource, valueOf } from "../tools/render/evaluate";

const sized = size("5m", "16Mi", "50m", "32Mi");
const endpoint = "http://alloy.agents.svc.cluster.local:4318";
const enabled = JSON.stringify({ enabled: true });
const deploymentType = "kubernetes:apps/v1:Deployment";

// The builders return Kubernetes input types (every field may be an Input); tests read them as plain data.
const podOf = (d: unknown): any => (d as any).spec.template.spec;
const containerOf = (d: unknown): any => podOf(d).containers[0];
const envOf = (d: unknown): Record<string, any> => Object.fromEntries(containerOf(d).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

function inNamespace(e: Evaluation, namespace: string): RegisteredResource[] {
    return e.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.metadata?.namespace === namespace);
}
function deploymentNamed(e: Evaluation, name: string): RegisteredResource {
    const d = e.resources.find((r) => r.type === deploymentType && r.inputs.metadata?.name === name);
    assert.ok(d, `no Deployment ${name}`);
    return d;
}

describe("demo workloads", () => {
    describe("object builders", () => {
        const flog = buildLogGenerator("demo", sized);
        const hotrod = buildHotrod("demo", endpoint, sized);
        const service = buildHotrodService("demo");
        const load = buildLoadGenerator("demo", "http://hotrod.demo.svc.cluster.local:8080", sized);
        const all = [flog, hotrod, load];

        it("pins every image to a version tag", () => {
            for (const d of all) assert.match(containerOf(d).image, /^docker\.io\/[a-z0-9-]+\/[a-z0-9-]+:\d+\.\d+\.\d+$/);
            assert.deepEqual(
                all.map((d) => containerOf(d).image),
                [demoImages.logGenerator, demoImages.hotrod, demoImages.loadGenerator],
            );
        });

        it("places everything in the given namespace, one replica each, selected by its own name label", () => {
            for (const d of [...all, service]) assert.equal(d.metadata.namespace, "demo");
            for (const d of all) {
                assert.equal((d.spec as any).replicas, 1);
                assert.deepEqual((d.spec as any).selector.matchLabels, { "app.kubernetes.io/name": d.metadata.name });
                assert.equal((d.spec as any).template.metadata.labels["app.kubernetes.io/name"], d.metadata.name);
            }
        });

        it("flog writes JSON lines forever at one a second", () => {
            assert.deepEqual(containerOf(flog).args, ["--format=json", "--loop", "--delay=1s"]);
        });

        it("HotROD runs all its services and exports OTLP/HTTP to the given endpoint, tagging spans with its pod", () => {
            const c = containerOf(hotrod);
            assert.deepEqual(c.args, ["all"]);
            const env = envOf(hotrod);
            assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, endpoint);
            assert.equal(env.OTEL_RESOURCE_ATTRIBUTES, "k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)");
            // Kubernetes expands $(VAR) only from variables defined earlier in the list.
            const names: string[] = c.env.map((e: any) => e.name);
            assert.ok(names.indexOf("POD_NAME") < names.indexOf("OTEL_RESOURCE_ATTRIBUTES"));
            assert.ok(names.indexOf("POD_NAMESPACE") < names.indexOf("OTEL_RESOURCE_ATTRIBUTES"));
            assert.deepEqual(env.POD_NAME, { fieldRef: { fieldPath: "metadata.name" } });
            assert.deepEqual(c.ports, [{ name: "http", containerPort: hotrodPort, protocol: "TCP" }]);
        });

        it("HotROD refuses an endpoint that is not an OTLP/HTTP URL (the gRPC host:port, say)", () => {
            assert.throws(() => buildHotrod("demo", "alloy.agents.svc.cluster.local:4317", sized), /OTLP endpoint must be an http\(s\) URL, got "alloy/);
        });

        it("the Service selects HotROD's pods and targets its named port", () => {
            const spec = service.spec as any;
            assert.equal(service.metadata.name, demoNames.hotrod);
            assert.deepEqual(spec.selector, (hotrod.spec as any).selector.matchLabels);
            assert.deepEqual(spec.ports, [{ name: "http", port: hotrodPort, targetPort: "http", protocol: "TCP" }]);
        });

        it("the load generator orders rides for HotROD's known customers at the URL it is given", () => {
            const c = containerOf(load);
            assert.equal(envOf(load).HOTROD_URL, "http://hotrod.demo.svc.cluster.local:8080");
            const script: string = c.command[2];
            assert.deepEqual(c.command.slice(0, 2), ["/bin/sh", "-c"]);
            assert.ok(script.includes('"$HOTROD_URL/dispatch?customer=$customer"'), script);
            assert.ok(script.includes(`for customer in ${hotrodCustomers.join(" ")}; do`), script);
            assert.ok(script.startsWith("trap 'exit 0' TERM INT"), script);
            assert.throws(() => buildLoadGenerator("demo", "hotrod:8080", sized), /HotROD's URL must be an http\(s\) URL/);
        });

        it("every pod runs as a numeric non-root user without privilege escalation or API token", () => {
            for (const d of all) {
                const pod = podOf(d);
                assert.equal(pod.securityContext.runAsNonRoot, true);
                assert.ok(pod.securityContext.runAsUser > 0);
                assert.equal(pod.automountServiceAccountToken, false);
                const sc = containerOf(d).securityContext;
                assert.equal(sc.allowPrivilegeEscalation, false);
                assert.equal(sc.readOnlyRootFilesystem, true);
                assert.deepEqual(sc.capabilities.drop, ["ALL"]);
            }
        });

        it("a HotROD log line links to its trace through Grafana's derived field", () => {
            const logs: any = (buildDatasources({ metricsUrl: "m", logsUrl: "l", tracesUrl: "t", alertmanagerUrl: "a", scrapeInterval: "30s" }).datasources as any[]).find((d) => d.type === "loki");
            const regex = new RegExp(logs.jsonData.derivedFields[0].matcherRegex);
            // HotROD logs with zap's development (console) encoder; its span logger adds trace_id and span_id.
            const line =
                '2025-12-03T16:07:08.123Z\tINFO\tfrontend/server.go:96\tHTTP request received\t{"service": "frontend", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "method": "GET", "url": "/dispatch?customer=123"}';
            assert.equal(regex.exec(line)?.[1], "4bf92f3577b34da6a3ce929d0e0e4736");
        });
    });

    describe("config", () => {
        it("is off by default in both profiles, and may be turned on in dev", () => {
            assert.equal(parsePlatformConfig({}).demo.enabled, false);
            assert.equal(
                parsePlatformConfig({
                    profile: "prod",
                    grafana: JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" } }),
                    objectStorage: JSON.stringify({ type: "minio" }),
                }).demo.enabled,
                false,
            );
            assert.equal(parsePlatformConfig({ demo: enabled }).demo.enabled, true);
            assert.equal(parsePlatformConfig({}).namespaces.demo, "demo");
        });

        it("is rejected in prod, naming the key, the value and the profile it needs", () => {
            assert.throws(
                () =>
                    parsePlatformConfig({
                        profile: "prod",
                        grafana: JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" } }),
                        objectStorage: JSON.stringify({ type: "minio" }),
                        demo: enabled,
                    }),
                (err: unknown) => err instanceof ConfigError && /lgtm:demo\.enabled = true: expected false in the prod profile \(the demo workloads run only with profile dev\)/.test(err.message),
            );
        });
    });

    describe("platform under mocks", function () {
        let off: Evaluation;
        let on: Evaluation;
        let moved: Evaluation;
        before(async () => {
            off = await evaluatePlatform({});
            on = await evaluatePlatform({ demo: enabled });
            moved = await evaluatePlatform({ demo: enabled, namespaces: JSON.stringify({ agents: "agents", demo: "sandbox" }) });
        });

        it("registers nothing when disabled", () => {
            assert.equal(off.outputs.components.demo, undefined);
            assert.deepEqual(
                off.resources.filter((r) => r.type === "lgtm:demo:Demo"),
                [],
            );
            assert.deepEqual(inNamespace(off, "demo"), []);
            assert.ok(!off.resources.some((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata.name === "demo"));
        });

        it("when enabled, creates its namespace and the four objects in it", () => {
            assert.ok(on.outputs.components.demo);
            assert.equal(on.resources.filter((r) => r.type === "lgtm:demo:Demo").length, 1);
            assert.ok(on.resources.some((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata.name === "demo"));
            const objects = inNamespace(on, "demo")
                .map((r) => `${r.type.split(":")[2]} ${r.inputs.metadata.name}`)
                .sort();
            assert.deepEqual(objects, ["Deployment flog", "Deployment hotrod", "Deployment hotrod-load", "Service hotrod"]);
        });

        it("HotROD sends traces to the agent's OTLP/HTTP output, wherever the agent lives", async () => {
            assert.equal(envOf(deploymentNamed(on, "hotrod").inputs).OTEL_EXPORTER_OTLP_ENDPOINT, await valueOf(on.outputs.otlpHttpEndpoint));
            assert.equal(envOf(deploymentNamed(on, "hotrod").inputs).OTEL_EXPORTER_OTLP_ENDPOINT, "http://alloy.monitoring-agents.svc.cluster.local:4318");
            assert.equal(envOf(deploymentNamed(moved, "hotrod").inputs).OTEL_EXPORTER_OTLP_ENDPOINT, await valueOf(moved.outputs.otlpHttpEndpoint));
            assert.equal(await valueOf(moved.outputs.otlpHttpEndpoint), "http://alloy.agents.svc.cluster.local:4318");
        });

        it("the load generator reaches HotROD through its Service, in the configured namespace", async () => {
            assert.equal(envOf(deploymentNamed(on, "hotrod-load").inputs).HOTROD_URL, await valueOf(on.outputs.components.demo!.hotrodUrl));
            assert.equal(envOf(deploymentNamed(on, "hotrod-load").inputs).HOTROD_URL, `http://hotrod.demo.svc.cluster.local:${hotrodPort}`);
            assert.equal(envOf(deploymentNamed(moved, "hotrod-load").inputs).HOTROD_URL, `http://hotrod.sandbox.svc.cluster.local:${hotrodPort}`);
            assert.deepEqual(inNamespace(moved, "demo"), []);
        });

        it("every container is sized by the dev profile", () => {
            const sizing = profileSizing("dev").demo!;
            const expected: Record<string, unknown> = { flog: sizing.logGenerator, hotrod: sizing.hotrod, "hotrod-load": sizing.loadGenerator };
            const deployments = inNamespace(on, "demo").filter((r) => r.type === deploymentType);
            assert.equal(deployments.length, 3);
            for (const d of deployments) {
                for (const c of podOf(d.inputs).containers) {
                    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory, `${d.inputs.metadata.name}/${c.name}`);
                    assert.deepEqual(c.resources, expected[d.inputs.metadata.name]);
                }
            }
        });

        it("only the dev profile sizes the demo", () => {
            assert.ok(profileSizing("dev").demo);
            assert.equal(profileSizing("prod").demo, undefined);
        });
    });
});
