import { strict as assert } from "assert";
import * as path from "path";
import { releasePolicies } from "../policy/policies";
import { evaluatePlatform } from "../tools/render/evaluate";
import { offlineStackConfig } from "../tools/render/collect";
import { packUnavailable, RunningPack } from "./support/policyPack";

const projectDir = path.resolve(__dirname, "..");
const releaseType = "kubernetes:helm.sh/v3:Release";

// The pack as the CLI runs it: compiled from policy/ by Pulumi's own runner, asked over gRPC.
describe("policy pack, running", function () {
    this.timeout(120_000);
    let pack: RunningPack | undefined;
    before(async function () {
        const reason = packUnavailable();
        if (reason) {
            console.log(`      skipped the running policy pack: ${reason}`);
            this.skip();
        }
        pack = await RunningPack.start();
    });
    after(() => pack?.stop());

    it("serves every policy with its enforcement level", async () => {
        const info = await pack!.info();
        assert.equal(info.name, "lgtm-platform");
        assert.deepEqual(
            info.policies.map((p) => [p.name, p.enforcementLevel]),
            releasePolicies.map((p) => [p.name, p.enforcementLevel]),
        );
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: no release of the project's stack gets a diagnostic`, async () => {
            const evaluation = await evaluatePlatform(offlineStackConfig(projectDir, stack).raw, stack);
            const releases = evaluation.resources.filter((r) => r.type === releaseType);
            assert.equal(releases.length, stack === "dev" ? 8 : 7, "prod keeps its object storage outside the cluster");
            for (const r of releases) assert.deepEqual(await pack!.analyze(r.type, stack, r.name, r.inputs), [], r.name);
        });
    }

    it("reports a violating release under its policy, at its level", async () => {
        const diagnostics = await pack!.analyze(releaseType, "dev", "bad", {
            chart: "minio",
            version: "5.3.0",
            repositoryOpts: { repo: "https://charts.bitnami.com/bitnami" },
            namespace: "monitoring",
            values: { auth: { rootPassword: "hunter2" } },
        });
        assert.deepEqual(
            diagnostics.map((d) => [d.policy, d.enforcementLevel]),
            [
                ["helm-release-name-and-namespace", "mandatory"],
                ["helm-chart-repository-allowed", "mandatory"],
                ["helm-values-no-plaintext-credentials", "mandatory"],
                ["helm-chart-version-verified", "advisory"],
            ],
        );
        assert.match(diagnostics[2].message, /values\.auth\.rootPassword holds a literal credential/);
        assert.doesNotMatch(diagnostics[2].message, /hunter2/);
    });

    it("skips values unknown during preview instead of failing or skipping the whole release", async () => {
        const unknown = pack!.unknown;
        const preview = {
            chart: "grafana",
            version: "12.11.1",
            repositoryOpts: { repo: "https://grafana-community.github.io/helm-charts" },
            name: "grafana",
            namespace: unknown.string,
            values: { adminPassword: unknown.string, persistence: unknown.object, resources: { requests: { cpu: "1", memory: unknown.string }, limits: { cpu: "1", memory: "1Gi" } } },
        };
        assert.deepEqual(await pack!.analyze(releaseType, "prod", "grafana", preview), []);
        assert.deepEqual(await pack!.analyze(releaseType, "prod", "grafana", { ...preview, values: unknown.object }), []);
        // What is known is still checked.
        const known = await pack!.analyze(releaseType, "prod", "grafana", {
            ...preview,
            values: { ...preview.values, token: "abc", sidecar: { dashboards: { label: unknown.string } } },
        });
        assert.deepEqual(
            known.map((d) => d.policy),
            ["helm-values-no-plaintext-credentials"],
        );
        assert.match(known[0].message, /values\.token holds a literal credential/);
    });

    it("leaves resources other than Helm releases alone", async () => {
        assert.deepEqual(await pack!.analyze("kubernetes:core/v1:Secret", "prod", "s", { stringData: { password: "hunter2" } }), []);
    });
});
