import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { profileDefaults } from "../stacks/profiles";
import { offlineStackConfig } from "../tools/render/collect";
import { evaluatePlatform, RegisteredResource } from "../tools/render/evaluate";
import { docPage, kubectlReferences } from "./support/readme";

const projectDir = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");

describe("README", () => {
    it("every npm run command it shows is a script of package.json", () => {
        const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")).scripts);
        const used = [...new Set([...readme.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]))];
        assert.ok(used.length > 10, `found only ${used.join(", ")}`);
        assert.deepEqual(used.filter((name) => !scripts.includes(name)), []);
    });

    describe("docs/backup.md: Backup and restore", () => {
        const section = docPage("backup.md");
        const evaluations = new Map<string, RegisteredResource[]>();
        before(async function () {
            this.timeout(60_000);
            // dev runs MinIO, prod an external store: between them every Secret the runbook names.
            for (const stack of ["dev", "prod"]) evaluations.set(stack, (await evaluatePlatform(offlineStackConfig(projectDir, stack).raw, stack)).resources);
        });
        const everything = () => [...evaluations.values()].flat();

        it("names Secrets the program creates", () => {
            const secrets = new Set(everything().filter((r) => r.type === "kubernetes:core/v1:Secret").map((r) => r.inputs.metadata.name));
            const named = kubectlReferences(section).filter((r) => r.kind === "Secret").map((r) => r.name);
            named.push(...[...section.matchAll(/objstore Secret is\s+`([^`]+)`/g)].map((m) => m[1]));
            assert.ok(named.length >= 2, `found only ${named.join(", ")}`);
            assert.deepEqual(named.filter((name) => !secrets.has(name)), [], `Secrets: ${[...secrets].join(", ")}`);
        });

        it("names the generated credentials as the program's random resources", () => {
            const generated = new Set(everything().filter((r) => r.type.startsWith("random:")).map((r) => r.name));
            const row = section.split("\n").find((line) => line.startsWith("| Generated credentials"));
            assert.ok(row, "the table has a row for the generated credentials");
            const named = [...row.matchAll(/`([a-z][-a-z]*)`/g)].map((m) => m[1]);
            assert.deepEqual([...new Set(named)].sort(), [...generated].sort());
        });

        it("uses the bucket keys and default bucket names of the profiles", () => {
            const defaults = profileDefaults("dev", "monitoring").objectStorage!.buckets as Record<string, string>;
            assert.deepEqual(profileDefaults("prod", "monitoring").objectStorage!.buckets, defaults);
            const pairs = [...section.matchAll(/`buckets\.(\w+)` \(`([a-z0-9-]+)`\)/g)].map((m) => [m[1], m[2]]);
            assert.deepEqual(pairs.map(([key]) => key).sort(), Object.keys(defaults).sort(), "the table names each bucket once");
            assert.deepEqual(pairs.filter(([key, name]) => defaults[key] !== name), []);
            for (const loop of section.matchAll(/for b in ([a-z0-9 -]+); do/g)) {
                assert.deepEqual(loop[1].trim().split(/\s+/).sort(), Object.values(defaults).sort(), loop[0]);
            }
        });

        it("says the Prometheus admin API is off, as the kube-prometheus-stack values have it", () => {
            assert.match(section, /`enableAdminAPI: false`/);
            const kps = everything().filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "kps");
            assert.equal(kps.length, 2);
            for (const release of kps) assert.equal(release.inputs.values.prometheus.prometheusSpec.enableAdminAPI, false);
        });

        it("names alerts that exist in alerts/rules", () => {
            const rulesDir = path.join(projectDir, "alerts", "rules");
            const alerts = new Set(
                fs.readdirSync(rulesDir).flatMap((f) => (parse(fs.readFileSync(path.join(rulesDir, f), "utf8")).groups as { rules: { alert?: string }[] }[]).flatMap((g) => g.rules.map((r) => r.alert))),
            );
            const named = [...section.matchAll(/`((?:Thanos|Loki|Tempo|Minio|Alloy|Lgtm|Alertmanager|Prometheus)[A-Z]\w+)`/g)].map((m) => m[1]);
            assert.ok(named.length >= 2, `found only ${named.join(", ")}`);
            assert.deepEqual(named.filter((name) => !alerts.has(name)), []);
        });
    });
});
