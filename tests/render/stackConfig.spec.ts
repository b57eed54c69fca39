import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { collectStack } from "../../tools/render/collect";
import { readStackConfig } from "../../tools/render/stackConfig";

const projectFile = "name: lgtm\nruntime: nodejs\nconfig:\n  profile:\n    type: string\n    default: dev\n";
const prodStorage = [
    "  lgtm:profile: prod",
    "  lgtm:grafana:",
    "    ingress: { enabled: true, host: grafana.example.com }",
    "  lgtm:objectStorage:",
    "    external: { endpoint: s3.us-east-1.amazonaws.com }",
];

const made: string[] = [];

function project(stackLines: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-stack-config-"));
    made.push(dir);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectFile);
    fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), ["config:", ...stackLines, ""].join("\n"));
    return dir;
}

describe("render: stack config", () => {
    after(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    it("reads secure values as stand-ins named after their key", () => {
        const dir = project([...prodStorage, "  lgtm:objectStorageAccessKeyId:", "    secure: v1:AAAA"]);
        const { raw } = readStackConfig(dir, "test");
        assert.equal(raw.objectStorageAccessKeyId, "<secret lgtm:objectStorageAccessKeyId from stack config>");
        assert.equal(raw.profile, "prod");
    });

    it("refuses a credential in clear text in the stack file, without repeating it", () => {
        const dir = project([...prodStorage, "  lgtm:objectStorageSecretAccessKey: wJalrXUtnFEMI/K7MDENG"]);
        assert.throws(
            () => readStackConfig(dir, "test"),
            (err: Error) =>
                /lgtm:objectStorageSecretAccessKey is in clear text in Pulumi\.test\.yaml: .*pulumi config set --secret lgtm:objectStorageSecretAccessKey <value>/.test(err.message) &&
                !err.message.includes("wJalrXUtnFEMI"),
        );
    });

    it("verifies a stack whose credentials are not set yet with stand-ins, and says which", async () => {
        const dir = project([...prodStorage, "  lgtm:objectStorageAccessKeyId:", "    secure: v1:AAAA"]);
        const model = await collectStack(dir, "test");
        assert.deepEqual(model.objectStore, { type: "external", endpoint: "s3.us-east-1.amazonaws.com", tls: true, forcePathStyle: false, unsetSecretKeys: ["lgtm:objectStorageSecretAccessKey"] });
        assert.deepEqual(model.buckets, ["loki-chunks", "loki-ruler", "tempo-traces", "thanos-metrics"]);
        assert.ok(model.secretValues.includes("<secret lgtm:objectStorageAccessKeyId from stack config>"));
        assert.ok(model.secretValues.includes("<secret lgtm:objectStorageSecretAccessKey, not set yet>"));
        assert.ok(!model.releases.some((r) => r.releaseName === "minio"));
    });
});
