import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse } from "yaml";
import { charts } from "../components/charts";
import { parsePlatformConfig } from "../stacks/config";
import { buildChartRepository, serveChartRepository } from "../tools/e2e/chartRepo";
import { requestedPlugins } from "../tools/e2e/pulumi";
import { jsonPathsContaining, prodTestConfig, StackSetting, suppliedCredentials } from "../tools/e2e/suite";
import { findHelm } from "../tools/render/helm";
import { chartsDir, chartsUnavailable, projectDir } from "./support/charts";

/** toolchain/versions.env, as build.sh sources it. */
function toolchainPins(): Record<string, string> {
    return Object.fromEntries(
        fs
            .readFileSync(path.join(projectDir, "toolchain", "versions.env"), "utf8")
            .split("\n")
            .filter((line) => /^[A-Z_]+=/.test(line))
            .map((line) => line.split("=", 2) as [string, string]),
    );
}

describe("e2e toolchain pins", () => {
    const pins = toolchainPins();
    const plugins = requestedPlugins(path.join(projectDir, "node_modules"));

    it("builds the kubernetes provider at exactly the version @pulumi/kubernetes asks the engine for", () => {
        assert.equal(plugins.find((p) => p.name === "kubernetes")?.version, pins.KUBERNETES_PROVIDER_VERSION);
    });

    it("builds the Pulumi CLI of .pulumi-version, the @pulumi/pulumi of the lockfile", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(projectDir, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
        assert.equal(pins.PULUMI_VERSION, `v${lock.packages["node_modules/@pulumi/pulumi"].version}`);
        assert.equal(pins.PULUMI_VERSION, `v${fs.readFileSync(path.join(projectDir, ".pulumi-version"), "utf8").trim()}`);
    });

    it("lists every resource plugin the installed SDKs request", () => {
        assert.deepEqual(
            plugins.map((p) => p.name),
            ["kubernetes", "random"],
        );
        assert.ok(
            plugins.every((p) => /^\d+\.\d+\.\d+$/.test(p.version)),
            JSON.stringify(plugins),
        );
    });
});

describe("e2e stack settings", () => {
    const stackRaw = (stack: string): Record<string, string> => {
        const file = parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
        return Object.fromEntries(
            Object.entries(file.config)
                .filter(([key]) => key.startsWith("lgtm:"))
                .map(([key, value]) => [key.slice("lgtm:".length), typeof value === "string" ? value : JSON.stringify(value)]),
        );
    };
    /** The stack's config after `pulumi config set [--path]` of each setting. */
    const withSettings = (stack: string, settings: readonly StackSetting[]) => {
        const raw = stackRaw(stack);
        for (const { key, value, path: field } of settings) {
            const [name, ...rest] = key.slice("lgtm:".length).split(".");
            raw[name] = field ? JSON.stringify({ ...(raw[name] ? JSON.parse(raw[name]) : {}), [rest.join(".")]: value }) : value;
        }
        return raw;
    };

    it("the credentials it supplies when the random provider is missing are valid config for dev and prod", () => {
        assert.doesNotThrow(() => parsePlatformConfig(withSettings("dev", suppliedCredentials("dev")), "lgtm:"));
        assert.doesNotThrow(() => parsePlatformConfig(withSettings("prod", [...prodTestConfig, ...suppliedCredentials("prod")]), "lgtm:"));
    });

    it("prod's test values are valid config, its credentials and webhook secrets", () => {
        assert.doesNotThrow(() => parsePlatformConfig(withSettings("prod", prodTestConfig), "lgtm:"));
        const secrets = prodTestConfig.filter((setting) => setting.secret).map((setting) => setting.key);
        assert.deepEqual(secrets, ["lgtm:objectStorageAccessKeyId", "lgtm:objectStorageSecretAccessKey", "lgtm:slackWebhookUrl"]);
    });
});

describe("e2e chart mirror", function () {
    this.timeout(180_000);

    it("packages every pinned chart into an HTTP Helm repository on loopback that helm can pull from", async function () {
        const why = chartsUnavailable();
        if (why) {
            if (process.env.CI === "true") assert.fail(`the chart mirror test cannot run under CI: ${why}`);
            this.skip();
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-mirror-"));
        const helm = findHelm();
        await buildChartRepository(helm, dir, chartsDir);
        const index = parse(fs.readFileSync(path.join(dir, "index.yaml"), "utf8")) as { entries: Record<string, { version: string }[]> };
        for (const ref of Object.values(charts)) {
            assert.deepEqual(
                index.entries[ref.name]?.map((e) => e.version),
                [ref.version],
                ref.name,
            );
        }
        const repository = await serveChartRepository(dir);
        try {
            const pulled = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-pulled-"));
            // Asynchronously: the repository is served by this very process.
            await promisify(execFile)(helm, ["pull", charts.thanos.name, "--repo", repository.url, "--version", charts.thanos.version, "--destination", pulled]);
            assert.ok(fs.existsSync(path.join(pulled, `${charts.thanos.name}-${charts.thanos.version}.tgz`)));
        } finally {
            await repository.close();
        }
    });
});

describe("e2e secret search", () => {
    it("names where a secret sits in a JSON document, never the secret", () => {
        const state = {
            resources: [
                { urn: "a", outputs: { data: { password: "xx-hunter2-xx" } } },
                { urn: "b", outputs: ["hunter2"] },
            ],
            n: 1,
        };
        assert.deepEqual(jsonPathsContaining(state, "hunter2"), ["$.resources[0].outputs.data.password", "$.resources[1].outputs[0]"]);
        assert.deepEqual(jsonPathsContaining(state, "absent"), []);
    });
});
