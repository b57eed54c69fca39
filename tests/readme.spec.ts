import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { profileDefaults } from "../stacks/profiles";
import { offlineStackConfig } from "../tools/render/collect";
import { evaluatePlatform, RegisteredResource } from "../tools/render/evaluate";
import { brokenLinks, headingAnchor, markdownPages, pageAnchors, relativeLinks } from "./support/markdownLinks";
import { docPage, kubectlReferences } from "./support/readme";

const projectDir = path.resolve(__dirname, "..");
const readmePath = path.join(projectDir, "README.md");
const readme = fs.readFileSync(readmePath, "utf8");
const pages = markdownPages(projectDir);

describe("README and docs/", () => {
    it("README.md stays under 15 KB: the rest belongs in docs/", () => {
        const size = fs.statSync(readmePath).size;
        assert.ok(size < 15 * 1024, `README.md is ${size} bytes`);
    });

    it("every relative link of README.md and docs/**/*.md resolves: its file exists, and its #anchor is a heading there", () => {
        assert.ok(pages.length > 10, `found only ${pages.join(", ")}`);
        const links = pages.flatMap((page) => relativeLinks(fs.readFileSync(page, "utf8")));
        assert.ok(links.length > 40, `found only ${links.length} relative links`);
        assert.deepEqual(
            pages.flatMap((page) => brokenLinks(page).map((b) => `${path.relative(projectDir, page)}: ${b}`)),
            [],
        );
    });

    it("README.md links every page under docs/ (the runbooks through their index)", () => {
        const linked = new Set(relativeLinks(readme).map((t) => path.resolve(projectDir, t.split("#")[0])));
        const pagesOfDocs = pages.filter((p) => p !== readmePath && !p.includes(`${path.sep}runbooks${path.sep}`));
        assert.deepEqual(
            pagesOfDocs.filter((p) => !linked.has(p)).map((p) => path.relative(projectDir, p)),
            [],
        );
        assert.ok(linked.has(path.join(projectDir, "docs", "runbooks", "README.md")));
    });

    describe("the link check", () => {
        it("makes anchors as GitHub does", () => {
            assert.equal(headingAnchor("Render and verify: prove the wiring before `pulumi up`"), "render-and-verify-prove-the-wiring-before-pulumi-up");
            assert.equal(headingAnchor("CI/CD"), "cicd");
            assert.equal(headingAnchor("The `prod` environment"), "the-prod-environment");
            assert.equal(headingAnchor("Air-gapped: a chart mirror"), "air-gapped-a-chart-mirror");
            assert.equal(headingAnchor("snake_case and 3.5 Ünits"), "snake_case-and-35-ünits");
            assert.deepEqual([...pageAnchors("# A\n```sh\n# not a heading\n```\n## A\n### B!\n")], ["a", "a-1", "b"]);
        });

        it("finds a missing file, a missing anchor and a link into another page's heading; ignores code and URLs", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "links-"));
            try {
                fs.mkdirSync(path.join(dir, "docs"));
                fs.writeFileSync(path.join(dir, "docs", "b.md"), "# B\n\n## Sizing prod\n");
                fs.writeFileSync(
                    path.join(dir, "README.md"),
                    [
                        "# A",
                        "## Quick start",
                        "[ok](#quick-start) [ok](docs/b.md#sizing-prod) [ok](docs/b.md) [web](https://example.com/#x)",
                        "[moved](#sizing-prod) [gone](docs/c.md) [wrong](docs/b.md#sizing)",
                        "`[code](#not-checked)`",
                        "```md",
                        "[fenced](#not-checked)",
                        "```",
                    ].join("\n"),
                );
                assert.deepEqual(
                    markdownPages(dir).map((p) => path.relative(dir, p)),
                    ["README.md", path.join("docs", "b.md")],
                );
                const broken = brokenLinks(path.join(dir, "README.md"));
                assert.equal(broken.length, 3, broken.join("\n"));
                assert.match(broken[0], /^#sizing-prod: no heading/);
                assert.match(broken[1], /^docs\/c\.md: no file/);
                assert.match(broken[2], /^docs\/b\.md#sizing: no heading/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("every npm run command they show is a script of package.json", () => {
        const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")).scripts);
        const shown = (text: string) => [...new Set([...text.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]))];
        assert.ok(shown(readme).length > 10, `README.md shows only ${shown(readme).join(", ")}`);
        const used = [...new Set(pages.flatMap((page) => shown(fs.readFileSync(page, "utf8"))))];
        assert.deepEqual(
            used.filter((name) => !scripts.includes(name)),
            [],
        );
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
            const secrets = new Set(
                everything()
                    .filter((r) => r.type === "kubernetes:core/v1:Secret")
                    .map((r) => r.inputs.metadata.name),
            );
            const named = kubectlReferences(section)
                .filter((r) => r.kind === "Secret")
                .map((r) => r.name);
            named.push(...[...section.matchAll(/objstore Secret is\s+`([^`]+)`/g)].map((m) => m[1]));
            assert.ok(named.length >= 2, `found only ${named.join(", ")}`);
            assert.deepEqual(
                named.filter((name) => !secrets.has(name)),
                [],
                `Secrets: ${[...secrets].join(", ")}`,
            );
        });

        it("names the generated credentials as the program's random resources", () => {
            const generated = new Set(
                everything()
                    .filter((r) => r.type.startsWith("random:"))
                    .map((r) => r.name),
            );
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
            assert.deepEqual(
                pairs.filter(([key, name]) => defaults[key] !== name),
                [],
            );
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
            assert.deepEqual(
                named.filter((name) => !alerts.has(name)),
                [],
            );
        });
    });
});
