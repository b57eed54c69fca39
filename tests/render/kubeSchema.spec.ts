import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkKubeSchema } from "../../tools/render/checks/kubeSchema";
import { loadKubeSchemas } from "../../tools/render/kubeSchemas";
import { K8sObject, KubeSchemas } from "../../tools/render/types";
import { checkInput, container, messages, release, service, stackModel, workload } from "./fixtures";

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const gvk = (group: string, version: string, kind: string) => ({ "x-kubernetes-group-version-kind": [{ group, version, kind }] });
const typeMeta = { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta") };

/** A small OpenAPI v2 `definitions` in the shape of Kubernetes' swagger.json (IntOrString as a formatted string, as upstream has it). */
function definitions(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
            type: "object",
            properties: {
                name: { type: "string" },
                namespace: { type: "string" },
                labels: { type: "object", additionalProperties: { type: "string" } },
                annotations: { type: "object", additionalProperties: { type: "string" } },
            },
        },
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { type: "string", format: "int-or-string" },
        "io.k8s.api.core.v1.ServicePort": {
            type: "object",
            required: ["port"],
            properties: { name: { type: "string" }, port: { type: "integer", format: "int32" }, targetPort: ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString") },
        },
        "io.k8s.api.core.v1.Service": {
            type: "object",
            properties: {
                ...typeMeta,
                spec: {
                    type: "object",
                    properties: {
                        selector: { type: "object", additionalProperties: { type: "string" } },
                        ports: { type: "array", items: ref("io.k8s.api.core.v1.ServicePort") },
                        type: { type: "string", enum: ["ClusterIP", "NodePort", "LoadBalancer"] },
                    },
                },
            },
            ...gvk("", "v1", "Service"),
        },
        "io.k8s.api.apps.v1.Deployment": {
            type: "object",
            properties: { ...typeMeta, spec: { type: "object", required: ["selector", "template"], properties: { replicas: { type: "integer" }, selector: { type: "object" }, template: { type: "object" } } } },
            ...gvk("apps", "v1", "Deployment"),
        },
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition": {
            type: "object",
            properties: { ...typeMeta, spec: { type: "object" } },
            ...gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        },
        ...extra,
    };
}

const flowSchema = { "io.k8s.api.flowcontrol.v1beta3.FlowSchema": { type: "object", properties: { ...typeMeta }, ...gvk("flowcontrol.apiserver.k8s.io", "v1beta3", "FlowSchema") } };

/** 1.34 still serves flowcontrol v1beta3; 1.35 does not. */
const schemas = (): KubeSchemas => ({
    dir: "/schemas",
    versions: [
        { version: "1.34", file: "/schemas/v1.34/swagger.json", definitions: definitions(flowSchema) },
        { version: "1.35", file: "/schemas/v1.35/swagger.json", definitions: definitions() },
    ],
    missing: [],
});

const crd: K8sObject = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: {
        group: "example.com",
        names: { kind: "Widget", plural: "widgets" },
        versions: [
            {
                name: "v1",
                served: true,
                schema: {
                    openAPIV3Schema: {
                        type: "object",
                        properties: {
                            apiVersion: { type: "string" },
                            kind: { type: "string" },
                            metadata: { type: "object" },
                            spec: {
                                type: "object",
                                properties: {
                                    size: { type: "integer", minimum: 1 },
                                    mode: { type: "string", pattern: "^(?i)(fast|slow)$" },
                                    extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                                },
                            },
                        },
                    },
                },
            },
        ],
    },
};

const widget = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): K8sObject => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", ...metadata }, spec });

const goodObjects = (): K8sObject[] => [
    crd,
    service("web", [["http", 80]]),
    workload("Deployment", "web", { containers: [container("web")] }, { replicas: 2 }),
    widget({ size: 3, mode: "FAST", extra: { anything: { goes: true } } }),
];

function verify(objects: K8sObject[], kubeSchemas: KubeSchemas | undefined = schemas(), programObjects: K8sObject[] = []) {
    return checkKubeSchema({ ...checkInput(stackModel({ releases: [release("app")], objects: programObjects }), [{ release: release("app"), objects }]), kubeSchemas });
}

describe("render check: kubeSchema", () => {
    it("passes valid objects, built-in and custom, for every version", () => {
        const result = verify(goodObjects(), schemas(), [{ apiVersion: "v1", kind: "Service", metadata: { name: "program", namespace: "monitoring" }, spec: { ports: [{ port: 9000, targetPort: "api" }] } }]);
        assert.deepEqual(messages(result), []);
        assert.equal(result.summary, "5 object(s) validated against Kubernetes 1.34, 1.35 (1 CRD version schema(s) from the stack) from /schemas");
    });

    it("fails on an unknown field, a wrong type, a missing required field and a value outside the enum", () => {
        const objects = goodObjects();
        const svc = objects[1] as any;
        svc.spec.ports[0].targetPortt = 8080;
        svc.spec.ports.push({ name: "grpc" });
        svc.spec.type = "Internal";
        delete (objects[2] as any).spec.selector;
        (objects[2] as any).spec.replicas = "2";
        const subject = (kind: string) => `release app: ${kind} monitoring/web`;
        assert.deepEqual(messages(verify(objects)), [
            `${subject("Service")} (v1): spec.ports[0].targetPortt: unknown field "targetPortt" (Kubernetes 1.34, 1.35)`,
            `${subject("Service")} (v1): spec.ports[1]: missing required field "port" (Kubernetes 1.34, 1.35)`,
            `${subject("Service")} (v1): spec.type: must be one of "ClusterIP", "NodePort", "LoadBalancer" (Kubernetes 1.34, 1.35)`,
            `${subject("Deployment")} (apps/v1): spec: missing required field "selector" (Kubernetes 1.34, 1.35)`,
            `${subject("Deployment")} (apps/v1): spec.replicas: must be integer (Kubernetes 1.34, 1.35)`,
        ]);
    });

    it("takes integers and strings for IntOrString, and ignores explicit nulls", () => {
        const svc = service("web", [["http", 80]]) as any;
        svc.spec.ports[0].targetPort = 8080;
        svc.spec.ports.push({ name: "metrics", port: 9090, targetPort: "metrics" });
        svc.spec.type = null;
        assert.deepEqual(messages(verify([svc])), []);
        svc.spec.ports[0].targetPort = true;
        assert.deepEqual(messages(verify([svc])), ["release app: Service monitoring/web (v1): spec.ports[0].targetPort: must be integer or string (Kubernetes 1.34, 1.35)"]);
    });

    it("fails on an API version one of the Kubernetes versions no longer serves", () => {
        const flow: K8sObject = { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3", kind: "FlowSchema", metadata: { name: "f" } };
        assert.deepEqual(messages(verify([flow])), [
            "release app: FlowSchema monitoring/f (flowcontrol.apiserver.k8s.io/v1beta3): flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is not served (Kubernetes 1.35; valid in 1.34)",
        ]);
    });

    it("validates custom resources against their CRD: fields, bounds, Go-style patterns, and metadata as ObjectMeta", () => {
        const objects = [crd, widget({ size: 0, mode: "medium", colour: "red" }, { labelz: { a: "b" } })];
        const subject = "release app: Widget monitoring/w (example.com/v1)";
        assert.deepEqual(messages(verify(objects)), [
            `${subject}: spec.colour: unknown field "colour" (Kubernetes 1.34, 1.35)`,
            `${subject}: spec.size: must be >= 1 (Kubernetes 1.34, 1.35)`,
            `${subject}: spec.mode: must match pattern "^(?i)(fast|slow)$" (Kubernetes 1.34, 1.35)`,
            `${subject}: metadata.labelz: unknown field "labelz" (Kubernetes 1.34, 1.35)`,
        ]);
    });

    it("counts objects it has no schema for instead of failing on them", () => {
        const gadget: K8sObject = { apiVersion: "example.org/v1", kind: "Gadget", metadata: { name: "g" } };
        const result = verify([gadget]);
        assert.deepEqual(messages(result), []);
        assert.deepEqual(messages(result, "info"), ["no schema (neither built in nor a CRD of the stack), not validated: example.org/v1 Gadget ×1"]);
    });

    it("warns, without failing, when schemas are missing", () => {
        const none = verify(goodObjects(), { dir: "/nowhere", versions: [], missing: ["1.34", "1.35", "1.36"] });
        assert.deepEqual(messages(none, "warning"), ["no Kubernetes schemas in /nowhere: objects not validated (put v1.X/swagger.json or cdk8s' v1.X.0/_definitions.json there for 1.34, 1.35, 1.36)"]);
        const partial = verify(goodObjects(), { ...schemas(), missing: ["1.36"] });
        assert.deepEqual(messages(partial, "warning"), ["no Kubernetes schema for 1.36 in /schemas: not validated against those versions"]);
    });

    it("loads swagger.json or _definitions.json per minor version, the highest patch first", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-kube-schemas-"));
        const write = (sub: string, file: string, content: unknown) => {
            fs.mkdirSync(path.join(dir, sub), { recursive: true });
            fs.writeFileSync(path.join(dir, sub, file), JSON.stringify(content));
        };
        write("v1.34", "swagger.json", { swagger: "2.0", definitions: { a: {} } });
        write("v1.35.0", "_definitions.json", { definitions: { old: {} } });
        write("v1.35.2", "_definitions.json", { definitions: { new: {} } });
        write("v1.350.0", "_definitions.json", { definitions: { wrong: {} } });
        const loaded = loadKubeSchemas(dir, ["1.34", "1.35", "1.36"]);
        assert.deepEqual(
            loaded.versions.map((v) => [v.version, path.relative(dir, v.file), Object.keys(v.definitions)]),
            [
                ["1.34", "v1.34/swagger.json", ["a"]],
                ["1.35", "v1.35.2/_definitions.json", ["new"]],
            ],
        );
        assert.deepEqual(loaded.missing, ["1.36"]);
        write("v1.36", "swagger.json", { paths: {} });
        assert.throws(() => loadKubeSchemas(dir, ["1.36"]), /v1\.36\/swagger\.json: no "definitions" object; expected a Kubernetes OpenAPI v2 spec/);
    });

    it("catches mistakes against the real Kubernetes schemas when they are cached", function () {
        const real = loadKubeSchemas();
        if (real.versions.length === 0) {
            console.log(`      skipped: no Kubernetes schemas in ${real.dir} (see docs/render-and-verify.md)`);
            this.skip();
        }
        const deployment = workload("Deployment", "web", { containers: [container("web", { ports: [{ containerPort: 8080 }], imagePullPolice: "Always" })] }, { replicas: 2 });
        const budget: K8sObject = { apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget", metadata: { name: "web" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } } };
        const versions = real.versions.map((v) => v.version).join(", ");
        assert.deepEqual(messages(verify([deployment, budget], real)), [
            `release app: Deployment monitoring/web (apps/v1): spec.template.spec.containers[0].imagePullPolice: unknown field "imagePullPolice" (Kubernetes ${versions})`,
            `release app: PodDisruptionBudget monitoring/web (policy/v1beta1): policy/v1beta1 PodDisruptionBudget is not served (Kubernetes ${versions})`,
        ]);
        delete (deployment.spec as any).template.spec.containers[0].imagePullPolice;
        assert.deepEqual(messages(verify([deployment], real)), []);
    });
});
