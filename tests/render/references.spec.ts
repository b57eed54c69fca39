import { strict as assert } from "assert";
import { checkReferences } from "../../tools/render/checks/references";
import { K8sObject } from "../../tools/render/types";
import { checkInput, configMap, container, deployment, job, messages, release, secret, stackModel } from "./fixtures";

const program = [secret("s3-credentials", { ACCESS_KEY: "a", SECRET_KEY: "b" }), secret("objstore", { "objstore.yml": "type: S3" })];
const chartConfig = configMap("app-config", { "config.yaml": "x: 1" });

function verify(workload: K8sObject) {
    const model = stackModel({ releases: [release("app")], objects: program });
    return checkReferences(checkInput(model, [{ release: release("app"), objects: [chartConfig, workload] }]));
}

const goodPod = {
    containers: [
        container("app", {
            envFrom: [{ secretRef: { name: "s3-credentials" } }],
            env: [
                { name: "KEY", valueFrom: { secretKeyRef: { name: "s3-credentials", key: "SECRET_KEY" } } },
                { name: "OPTIONAL", valueFrom: { secretKeyRef: { name: "nowhere", key: "x", optional: true } } },
            ],
        }),
    ],
    volumes: [
        { name: "config", configMap: { name: "app-config", items: [{ key: "config.yaml", path: "config.yaml" }] } },
        { name: "projected", projected: { sources: [{ secret: { name: "objstore", items: [{ key: "objstore.yml", path: "o.yml" }] } }] } },
    ],
};

describe("render check: references", () => {
    it("passes when every referenced Secret, ConfigMap and key exists (optional refs skipped)", () => {
        const result = verify(deployment("app", goodPod));
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /4 Secret\/ConfigMap reference/);
    });

    it("fails on a missing Secret key, naming the referrer and the keys that exist", () => {
        const pod = { containers: [container("app", { env: [{ name: "KEY", valueFrom: { secretKeyRef: { name: "s3-credentials", key: "SECRET_ACCESS_KEY" } } }] })] };
        const [message] = messages(verify(deployment("app", pod)));
        assert.match(message, /Deployment monitoring\/app \(release app\) container "app" env KEY/);
        assert.match(message, /Secret monitoring\/s3-credentials has no key "SECRET_ACCESS_KEY"; its keys: ACCESS_KEY, SECRET_KEY/);
    });

    it("fails on a missing Secret in a volume, and on a Prometheus objectStorageConfig key", () => {
        const pod = { containers: [container("app")], volumes: [{ name: "v", secret: { secretName: "s3-credential" } }] };
        const [missing] = messages(verify(deployment("app", pod)));
        assert.match(missing, /volume "v": Secret monitoring\/s3-credential does not exist \(did you mean "s3-credentials"\?\)/);

        const prometheus: K8sObject = {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "Prometheus",
            metadata: { name: "prom" },
            spec: { thanos: { objectStorageConfig: { name: "objstore", key: "objstore.yaml" } } },
        };
        const [key] = messages(verify(prometheus));
        assert.match(key, /Prometheus monitoring\/prom \(release app\) spec\.thanos\.objectStorageConfig: Secret monitoring\/objstore has no key "objstore\.yaml"/);
    });

    it("checks the key a subPath mount picks from a whole Secret volume", () => {
        const pod = (subPath: string) => ({
            containers: [container("compact", { volumeMounts: [{ name: "objstore-config", mountPath: "/etc/thanos/objstore.yaml", subPath }] })],
            volumes: [{ name: "objstore-config", secret: { secretName: "objstore" } }],
        });
        assert.deepEqual(messages(verify(deployment("compact", pod("objstore.yml")))), []);
        const [message] = messages(verify(deployment("compact", pod("config"))));
        assert.match(message, /container "compact" volumeMount \/etc\/thanos\/objstore\.yaml \(subPath config of volume "objstore-config"\): Secret monitoring\/objstore has no key "config"/);
    });

    it("accepts a Secret that a certgen Job creates at runtime", () => {
        const pod = { containers: [container("op")], volumes: [{ name: "tls", secret: { secretName: "admission" } }] };
        const model = stackModel({ releases: [release("kps")] });
        const certgen = job("admission-create", { containers: [container("create", { args: ["create", "--secret-name=admission"] })] });
        const result = checkReferences(checkInput(model, [{ release: release("kps"), objects: [deployment("op", pod), certgen] }]));
        assert.deepEqual(messages(result), []);
        assert.match(messages(result, "info")[0], /created at runtime by Job monitoring\/admission-create/);
    });
});
