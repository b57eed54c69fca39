import Ajv2020 from "ajv/dist/2020";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { configReferenceFiles, configReferenceMarkdown, stackFileJsonSchema } from "../tools/docs/configReference";
import { projectDir } from "./support/charts";

describe("configuration reference and JSON Schema (npm run config-reference)", () => {
    it("the committed docs/config-reference.md and schema/lgtm-config.schema.json are what the zod schema gives now", () => {
        for (const [file, generated] of Object.entries(configReferenceFiles(projectDir))) {
            const committed = fs.existsSync(path.join(projectDir, file)) ? fs.readFileSync(path.join(projectDir, file), "utf8") : "(missing)";
            assert.ok(committed === generated, `${file} is stale: run npm run config-reference and commit the result`);
        }
    });

    it("tables a union's variants as one: the discriminator with every value, and what only some variants require", () => {
        const markdown = configReferenceMarkdown(projectDir);
        assert.match(markdown, /\| `type` \| one of "minio", "external" \| `"minio"` \| `"external"` \|/);
        assert.match(markdown, /\| `external\.endpoint` \| required when type is "external"; string \|/);
        assert.match(markdown, /\| `external\.tls` \| boolean \|/);
    });

    describe("the JSON Schema", () => {
        const validate = new Ajv2020({ strict: false, allErrors: true }).compile(stackFileJsonSchema("lgtm"));
        const stackFile = (config: Record<string, unknown>) => ({ config });

        it("accepts both stack files of the repository", () => {
            for (const stack of ["dev", "prod", "edge"]) {
                const file = parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8"));
                assert.ok(validate(file), `Pulumi.${stack}.yaml: ${JSON.stringify(validate.errors)}`);
            }
        });

        it("takes structured keys as partial objects, and lists' items whole", () => {
            assert.ok(validate(stackFile({ "lgtm:metrics": { retention: "12h" }, "lgtm:thanos": { retention: { raw: "40h" } } })), JSON.stringify(validate.errors));
            assert.ok(!validate(stackFile({ "lgtm:scrapeTargets": [{ name: "lab" }] })), "a scrape job without targets");
        });

        it("takes the object store's variants partially too: a stack may leave the type to its profile", () => {
            for (const objectStorage of [{ region: "eu-west-1" }, { type: "external", external: { endpoint: "s3.eu-west-1.amazonaws.com" } }, { type: "minio", minio: { replicas: 4 } }]) {
                assert.ok(validate(stackFile({ "lgtm:objectStorage": objectStorage })), `${JSON.stringify(objectStorage)}: ${JSON.stringify(validate.errors)}`);
            }
            for (const objectStorage of [{ type: "s3" }, { type: "external", external: { endpoint: 443 } }, { external: { pathStyle: true } }]) {
                assert.ok(!validate(stackFile({ "lgtm:objectStorage": objectStorage })), JSON.stringify(objectStorage));
            }
        });

        it("refuses a wrong type, an unknown field, a value out of range and a secret in clear text", () => {
            for (const config of [
                { "lgtm:metrics": { prometheusReplicas: "two" } },
                { "lgtm:metrics": { retentionn: "12h" } },
                { "lgtm:loki": { expectedIngestMBps: 5000 } },
                { "lgtm:profile": "staging" },
                { "lgtm:slackWebhookUrl": "https://hooks.slack.com/services/x" },
            ]) {
                assert.ok(!validate(stackFile(config)), JSON.stringify(config));
            }
        });
    });
});
