import { strict as assert } from "assert";
import { checkValues } from "../../tools/render/checks/values";
import { freeFormValues } from "../../tools/render/checks/valuesAllowList";
import { validateSchema } from "../../tools/render/jsonSchema";
import { ChartInfo } from "../../tools/render/types";
import { checkInput, messages, release, stackModel } from "./fixtures";

const lokiDefaults = {
    fullnameOverride: null,
    singleBinary: { replicas: 0, resources: {}, extraEnv: [] },
    loki: { limits_config: { max_cache_freshness_per_query: "10m" }, storage: { bucketNames: { chunks: "", ruler: "" }, type: "s3" } },
    gateway: { resources: { requests: { memory: "64Mi" } } },
    minio: { enabled: false, persistence: { size: "5Gi" } },
    podLabels: {},
};

const lokiSchema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    additionalProperties: true,
    properties: {
        singleBinary: { type: "object", properties: { replicas: { type: "integer" } } },
        loki: {
            type: "object",
            properties: {
                auth_enabled: { type: "boolean" },
                limits_config: { description: "free-form", type: "object", additionalProperties: true },
                storage: { $ref: "#/$defs/storage" },
            },
        },
    },
    $defs: { storage: { type: "object", properties: { type: { enum: ["s3", "gcs", "filesystem"] } } } },
};

function verify(values: Record<string, unknown>, chart: ChartInfo = { defaultValues: lokiDefaults, schema: lokiSchema }, chartName = "loki") {
    const model = stackModel({ releases: [release("loki", values, chartName)] });
    return checkValues(checkInput(model, [], new Map([["loki", chart]])));
}

describe("render check: values", () => {
    it("passes for known paths, free-form maps, lists, subchart values and schema-documented keys", () => {
        const result = verify({
            fullnameOverride: "loki",
            singleBinary: { replicas: 1, resources: { requests: { cpu: "1" }, limits: { memory: "1Gi" } }, extraEnv: [{ name: "A", value: "b" }] },
            loki: { auth_enabled: false, limits_config: { retention_period: "168h" }, storage: { type: "s3", bucketNames: { chunks: "c" } } },
            gateway: { resources: { requests: { cpu: "10m" }, limits: { cpu: "20m" } } },
            minio: { persistence: { size: "1Gi" } },
            podLabels: { team: "obs" },
        });
        assert.deepEqual(messages(result), []);
    });

    it("fails on a misspelt key, naming release, path, nearest parent and a guess", () => {
        const [message] = messages(verify({ singleBinary: { replicaz: 1 } }));
        assert.match(message, /release loki \(chart loki 1\.0\.0\): values path singleBinary\.replicaz is unknown to the chart/);
        assert.match(message, /did you mean "singleBinary\.replicas"/);
        assert.match(message, /nearest existing parent singleBinary has: replicas, resources, extraEnv/);
    });

    it("fails on a typo inside a Kubernetes resources block", () => {
        const [message] = messages(verify({ gateway: { resources: { limit: { cpu: "1" } } } }));
        assert.match(message, /values gateway\.resources\.limit is not part of Kubernetes resources.*did you mean "limits"/);
    });

    it("reports schema type and enum violations of values the program set", () => {
        const errors = messages(verify({ singleBinary: { replicas: "1" }, loki: { storage: { type: "s3x" } } }));
        assert.ok(
            errors.some((m) => /values\.schema\.json: singleBinary\.replicas: expected integer, got string "1"/.test(m)),
            errors.join("\n"),
        );
        assert.ok(
            errors.some((m) => /loki\.storage\.type: must be one of "s3", "gcs", "filesystem"/.test(m)),
            errors.join("\n"),
        );
    });

    it("accepts a key values.yaml leaves out when a template reads it", () => {
        const chart = { defaultValues: { ingress: { enabled: false } }, templateValuePaths: ["ingress.ingressClassName"] };
        assert.deepEqual(messages(verify({ ingress: { enabled: true, ingressClassName: "nginx" } }, chart)), []);
        const [message] = messages(verify({ ingress: { ingressClasName: "nginx" } }, chart));
        assert.match(message, /values path ingress\.ingressClasName is unknown to the chart \(not in values\.yaml, read by no template\) \(did you mean "ingress\.ingressClassName"\?\)/);
    });

    it("accepts allow-listed pass-through paths", () => {
        const entry = freeFormValues.find((e) => e.chart === "grafana" && e.path[0] === "grafana.ini")!;
        assert.ok(entry.why.length > 20);
        const grafana = { defaultValues: { "grafana.ini": { server: { domain: "" } } } };
        const result = verify({ "grafana.ini": { "auth.anonymous": { enabled: false } } }, grafana, "grafana");
        assert.deepEqual(messages(result), []);
        assert.match(messages(result, "info")[0], /grafana:\["grafana\.ini"\]/);
    });
});

describe("render: values.schema.json validation", () => {
    const root = {
        definitions: { port: { type: "integer" } },
        type: "object",
        required: ["name"],
        properties: {
            name: { type: "string" },
            ports: { type: "array", items: { $ref: "#/definitions/port" } },
            mode: { oneOf: [{ const: "a" }, { const: "b" }] },
            either: { anyOf: [{ type: "string" }, { type: "null" }] },
            strict: { type: "object", additionalProperties: false, properties: { x: { type: "boolean" } } },
            labels: { type: "object", additionalProperties: { type: "string" } },
            replicas: { type: "integer", minimum: 1 },
        },
    };
    it("accepts valid documents", () => {
        assert.deepEqual(validateSchema(root, { name: "n", ports: [1, 2], mode: "a", either: null, strict: { x: true }, labels: { a: "b" } }), []);
    });
    it("reports each kind of violation with its path, bounds included (Helm enforces them)", () => {
        const errors = validateSchema(root, { ports: [1, "2"], mode: "c", either: 3, strict: { y: 1 }, labels: { a: 1 }, replicas: 0 }).map((e) => e.message);
        assert.deepEqual(errors.sort(), [
            '(root): missing required property "name"',
            "either: matches none of anyOf (either: expected string, got integer 3; either: expected null, got integer 3)",
            "labels.a: expected string, got integer 1",
            'mode: matches none of oneOf (mode: must be "a"; mode: must be "b")',
            'ports[1]: expected integer, got string "2"',
            "replicas: must be >= 1",
            'strict.y: property "y" is not allowed',
        ]);
    });
});
