import { strict as assert } from "assert";
import * as path from "path";
import { at, isObject, isUnknown, Plain, ReleaseInputs, releaseType, toPlain, unknownValue } from "../policy/inputs";
import { isCredentialKey, releasePolicies, violations } from "../policy/policies";
import { allowedRepositories, compareVersions, stackChartSource } from "../policy/provenance";
import { evaluatePlatform } from "../tools/render/evaluate";
import { offlineStackConfig } from "../tools/render/collect";

const projectDir = path.resolve(__dirname, "..");

/** Every Helm release of a stack, as the engine would hand it to the pack (secrets unwrapped, as the policy SDK does). */
async function stackReleases(stack: string, overrides: Record<string, string> = {}): Promise<Record<string, ReleaseInputs>> {
    const evaluation = await evaluatePlatform(offlineStackConfig(projectDir, stack, overrides).raw, stack);
    const releases = evaluation.resources.filter((r) => r.type === releaseType);
    return Object.fromEntries(releases.map((r) => [r.inputs.name, r.inputs as ReleaseInputs]));
}

/** A copy of `release` with the value at a dotted path (`values.a.b`) replaced, or removed when `value` is undefined. */
function mutate(release: ReleaseInputs, dotted: string, value: unknown): ReleaseInputs {
    // A copy that keeps the unknown marker (a symbol, which structuredClone refuses).
    const clone = (v: any): any => (Array.isArray(v) ? v.map(clone) : isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) : v);
    const copy = clone(release);
    const keys = dotted.split(".");
    const parent = keys.slice(0, -1).reduce((node, k) => (node[k] ??= {}), copy);
    if (value === undefined) delete parent[keys[keys.length - 1]];
    else parent[keys[keys.length - 1]] = value;
    return copy;
}

/** Violations as `policy: message`, for readable assertion failures. */
const found = (release: ReleaseInputs) => violations(release, {}).map((v) => `${v.policy}: ${v.message}`);

describe("policy pack", function () {
    this.timeout(60_000);
    let dev: Record<string, ReleaseInputs>;
    let prod: Record<string, ReleaseInputs>;
    /** The prod stack keeping MinIO instead of external S3, so that MinIO's release is judged too. */
    let prodMinio: Record<string, ReleaseInputs>;
    /** The prod stack with two Grafanas on an external database (the password gets a stand-in). */
    let prodGrafanaHa: Record<string, ReleaseInputs>;
    before(async () => {
        dev = await stackReleases("dev");
        prod = await stackReleases("prod");
        prodMinio = await stackReleases("prod", { objectStorage: JSON.stringify({ type: "minio" }) });
        prodGrafanaHa = await stackReleases("prod", {
            grafana: JSON.stringify({
                ingress: { enabled: true, host: "grafana.example.com", issuer: { kind: "ClusterIssuer", name: "letsencrypt-prod" } },
                replicas: 2,
                database: { type: "postgres", host: "grafana-db.example.com", name: "grafana", user: "grafana" },
            }),
        });
    });

    describe("the project's own stacks pass every policy", () => {
        it("dev: all eight releases, no violation (mandatory or advisory)", () => {
            assert.equal(Object.keys(dev).length, 8);
            for (const [name, release] of Object.entries(dev)) assert.deepEqual(found(release), [], name);
        });
        it("prod: all seven releases (object storage is external), no violation (mandatory or advisory)", () => {
            assert.equal(Object.keys(prod).length, 7);
            for (const [name, release] of Object.entries(prod)) assert.deepEqual(found(release), [], name);
        });
        it("prod keeping MinIO: all eight releases, no violation", () => {
            assert.equal(Object.keys(prodMinio).length, 8);
            for (const [name, release] of Object.entries(prodMinio)) assert.deepEqual(found(release), [], name);
        });
        it("prod with two Grafanas on an external database: no violation (its password reaches Grafana from a Secret)", () => {
            assert.equal(at(prodGrafanaHa.grafana.values, ["persistence", "enabled"]), false);
            assert.equal(at(prodGrafanaHa.grafana.values, ["replicas"]), 2);
            for (const [name, release] of Object.entries(prodGrafanaHa)) assert.deepEqual(found(release), [], name);
        });
        it("prod with probes (an ICMP one) and the Pushgateway: their releases have no violation", async () => {
            const collecting = await stackReleases("prod", {
                probes: JSON.stringify([{ name: "gateway-ping", module: "icmp", targets: ["192.0.2.1"] }]),
                pushgateway: JSON.stringify({ enabled: true }),
            });
            for (const name of ["blackbox-exporter", "pushgateway"]) assert.deepEqual(found(collecting[name]), [], name);
        });
        it("prod with zones: the zone-aware Loki release (rollout-operator included) has no violation", async () => {
            const zoned = await stackReleases("prod", { zones: JSON.stringify(["eu-west-1a", "eu-west-1b", "eu-west-1c"]) });
            assert.equal(at(zoned.loki.values, ["rollout_operator", "enabled"]), true);
            assert.deepEqual(found(zoned.loki), []);
        });
    });

    /** Each case: a release of the prod stack, one change, and the one violation it must cause. */
    const cases: { policy: string; release: string; change: [string, unknown][]; message: RegExp }[] = [
        { policy: "helm-release-name-and-namespace", release: "minio", change: [["name", undefined]], message: /sets no release name/ },
        { policy: "helm-release-name-and-namespace", release: "loki", change: [["namespace", ""]], message: /sets no namespace/ },
        { policy: "helm-chart-version-pinned", release: "kps", change: [["version", undefined]], message: /sets no chart version/ },
        { policy: "helm-chart-version-pinned", release: "kps", change: [["version", "^88.5.3"]], message: /"\^88\.5\.3" is not an exact version/ },
        { policy: "helm-chart-version-pinned", release: "grafana", change: [["version", "latest"]], message: /"latest" is not an exact version/ },
        { policy: "helm-chart-version-pinned", release: "tempo", change: [["version", "2.2.x"]], message: /not an exact version/ },
        {
            policy: "helm-chart-repository-allowed",
            release: "minio",
            change: [["repositoryOpts.repo", "https://charts.bitnami.com/bitnami"]],
            message: /from https:\/\/charts\.bitnami\.com\/bitnami is a Bitnami chart/,
        },
        {
            policy: "helm-chart-repository-allowed",
            release: "minio",
            change: [
                ["chart", "oci://registry-1.docker.io/bitnamicharts/minio"],
                ["repositoryOpts", undefined],
            ],
            message: /is a Bitnami chart/,
        },
        { policy: "helm-chart-repository-allowed", release: "grafana", change: [["repositoryOpts.repo", "https://charts.example.com"]], message: /https:\/\/charts\.example\.com is not on the allow-list/ },
        {
            policy: "helm-chart-repository-allowed",
            release: "grafana",
            change: [
                ["chart", "grafana/grafana"],
                ["repositoryOpts", undefined],
            ],
            message: /without repositoryOpts\.repo/,
        },
        { policy: "helm-chart-repository-allowed", release: "tempo", change: [["repositoryOpts", undefined]], message: /names chart "tempo-distributed" without repositoryOpts\.repo/ },
        { policy: "helm-values-no-plaintext-credentials", release: "grafana", change: [["values.adminPassword", "hunter2"]], message: /^values\.adminPassword holds a literal credential/ },
        { policy: "helm-values-no-plaintext-credentials", release: "minio", change: [["values.rootPassword", "minio123"]], message: /^values\.rootPassword holds a literal/ },
        { policy: "helm-values-no-plaintext-credentials", release: "loki", change: [["values.loki.storage.s3.secretAccessKey", "wJalrXUtnFEMI"]], message: /^values\.loki\.storage\.s3\.secretAccessKey holds a literal/ },
        { policy: "helm-values-no-plaintext-credentials", release: "tempo", change: [["values.tempo.storage.trace.s3.access_key", "AKIAEXAMPLE"]], message: /access_key holds a literal/ },
        { policy: "helm-values-no-plaintext-credentials", release: "grafana", change: [["values.env", { GF_AUTH_TOKEN: 12345 }]], message: /GF_AUTH_TOKEN holds a literal/ },
        { policy: "helm-values-no-plaintext-credentials", release: "alloy", change: [["values.apiTokens", ["abc"]]], message: /values\.apiTokens\.0 holds a literal/ },
        { policy: "helm-values-no-plaintext-credentials", release: "thanos", change: [["valueYamlFiles", [{}]]], message: /valueYamlFiles/ },
        {
            policy: "helm-values-no-plaintext-credentials",
            release: "tempo",
            change: [
                [
                    "values.tempo.extraEnv",
                    [
                        { name: "TZ", value: "UTC" },
                        { name: "S3_SECRET_KEY", value: "wJalrXUtnFEMI" },
                    ],
                ],
            ],
            message: /^values\.tempo\.extraEnv\.1\.value holds a literal credential/,
        },
        { policy: "helm-chart-version-verified", release: "minio", change: [["version", "5.3.0"]], message: /chart "minio" 5\.3\.0 is older than 5\.4\.0/ },
        { policy: "helm-chart-version-verified", release: "loki", change: [["version", "18.11.0-rc.1"]], message: /older than 18\.11\.0/ },
    ];

    describe("each policy fails on a violating input, with exactly that violation", () => {
        for (const c of cases) {
            const change = c.change.map(([k, v]) => `${k}=${v === undefined ? "(removed)" : JSON.stringify(v)}`).join(", ");
            it(`${c.policy}: ${c.release} with ${change}`, () => {
                let release = prodMinio[c.release];
                for (const [key, value] of c.change) release = mutate(release, key, value);
                const all = violations(release, {});
                assert.deepEqual(
                    all.map((x) => x.policy),
                    [c.policy],
                    found(release).join("\n"),
                );
                const v = all.filter((x) => x.policy === c.policy);
                assert.match(v[0].message, c.message);
                assert.equal(v[0].enforcementLevel, c.policy === "helm-chart-version-verified" ? "advisory" : "mandatory");
            });
        }
        it("covers every policy of the pack", () => {
            assert.deepEqual([...new Set(cases.map((c) => c.policy))].sort(), releasePolicies.map((p) => p.name).sort());
        });
    });

    describe("what is not a violation", () => {
        it("credential references: existingSecret, secretName, passwordKey, secretKeyRef, ${VAR}, $(VAR), empty strings, booleans", () => {
            const release = mutate(prod.grafana, "values.extra", {
                existingSecret: "x",
                tlsSecretName: "y",
                passwordKey: "admin-password",
                adminPasswordKey: "k",
                tokenFile: "/var/run/secrets/token",
                env: [
                    { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "s", key: "password" } } },
                    { name: "TOKEN", value: "${TOKEN_FROM_SECRET}" },
                ],
                s3: { accessKey: "${S3_ACCESS_KEY}", secretKey: "$(S3_SECRET_KEY)" },
                password: "",
                createSecret: true,
                token: null,
            });
            assert.deepEqual(found(release), []);
        });
        it("a newer chart than the verified one is not flagged by the advisory policy", () => {
            assert.deepEqual(found(mutate(prodMinio.minio, "version", "5.4.1")), []);
        });
    });

    describe("values unknown during preview are skipped, not reported as missing or literal", () => {
        const unknownEverywhere: [string, string][] = [
            ["whole values", "values"],
            ["release name", "name"],
            ["namespace", "namespace"],
            ["chart version", "version"],
            ["chart", "chart"],
            ["repository", "repositoryOpts.repo"],
            ["the whole repositoryOpts", "repositoryOpts"],
            ["valueYamlFiles", "valueYamlFiles"],
        ];
        for (const [what, key] of unknownEverywhere) {
            it(`${what} unknown: no violation`, () => {
                for (const release of Object.values(prod)) assert.deepEqual(found(mutate(release, key, unknownValue)), [], `${release.name as string}`);
            });
        }
        it("an unknown credential is not a literal one", () => {
            assert.deepEqual(found(mutate(prod.grafana, "values.adminPassword", unknownValue)), []);
            assert.deepEqual(found(mutate(prod.grafana, "values.extraEnv", [{ name: "GF_SECURITY_TOKEN", value: unknownValue }])), []);
        });
        it("toPlain marks exactly the values whose reading throws the SDK's unknown error", () => {
            class Unknown extends Error {}
            const unknownLeaf = Symbol("sentinel");
            // The policy SDK's props: a proxy that throws on reading an unknown value.
            const proxy = (target: any): any =>
                new Proxy(target, {
                    get: (obj, key) => {
                        if (obj[key] === unknownLeaf) throw new Unknown();
                        return typeof obj[key] === "object" && obj[key] !== null ? proxy(obj[key]) : obj[key];
                    },
                });
            const props = proxy({ name: "grafana", values: { a: [1, unknownLeaf], b: { password: unknownLeaf, c: "x" } }, namespace: unknownLeaf });
            assert.deepEqual(
                toPlain(props, (e) => e instanceof Unknown),
                {
                    name: "grafana",
                    values: { a: [1, unknownValue], b: { password: unknownValue, c: "x" } },
                    namespace: unknownValue,
                },
            );
            assert.throws(
                () =>
                    toPlain(
                        proxy({
                            get boom() {
                                throw new Error("other");
                            },
                        }),
                        (e) => e instanceof Unknown,
                    ),
                /other/,
            );
        });
    });

    it("prod with Alertmanager receivers passes: the Secrets Alertmanager mounts are named, not literal credentials", async () => {
        const releases = await stackReleases("prod", {
            slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/policysecret",
            alerting: JSON.stringify({ slackChannel: "#alerts" }),
        });
        const secrets = (releases.kps.values as any).alertmanager.alertmanagerSpec.secrets as string[];
        assert.ok(secrets.length > 0, "the receivers' Secret is mounted by name");
        for (const [name, release] of Object.entries(releases)) assert.deepEqual(found(release), [], name);
        const literal = mutate(releases.kps, "values.alertmanager.alertmanagerSpec.webhookSecret", "hunter2");
        assert.match(found(literal).join(), /alertmanagerSpec\.webhookSecret holds a literal credential/);
    });

    describe("a stack's own chart source (lgtm:charts)", () => {
        const mirror = "http://127.0.0.1:8879/";
        const repositoryViolations = (release: ReleaseInputs, chartSource?: { mirror: string } | { directory: string }) =>
            violations(release, { chartSource })
                .filter((v) => v.policy === "helm-chart-repository-allowed")
                .map((v) => v.message);

        it("accepts every release of a stack that deploys from its mirror, and refuses them where the stack names none", async () => {
            const evaluation = await evaluatePlatform({ ...offlineStackConfig(projectDir, "dev").raw, charts: JSON.stringify({ mirror }) }, "dev");
            const releases = evaluation.resources.filter((r) => r.type === releaseType).map((r) => r.inputs as ReleaseInputs);
            assert.equal(releases.length, 8);
            for (const release of releases) {
                assert.deepEqual(repositoryViolations(release, { mirror }), [], String(release.name));
                assert.match(repositoryViolations(release).join(), /http:\/\/127\.0\.0\.1:8879\/ is not on the allow-list/);
            }
        });

        it("with a mirror, the upstream repositories are no longer allowed", () => {
            assert.match(repositoryViolations(dev.grafana, { mirror }).join(), /grafana-community.* is not on the allow-list; allowed repositories: http:\/\/127\.0\.0\.1:8879 \(lgtm:charts\.mirror\)/);
        });

        it("with a charts directory, accepts charts inside it and refuses any other path", () => {
            const fromDirectory = (chart: string) => mutate(mutate(dev.grafana, "chart", chart), "repositoryOpts", undefined);
            assert.deepEqual(repositoryViolations(fromDirectory("/srv/charts/grafana-12.11.1.tgz"), { directory: "/srv/charts" }), []);
            for (const outside of ["/srv/charts-other/grafana.tgz", "/srv/charts/../etc/grafana.tgz", "/etc/grafana.tgz"]) {
                assert.match(repositoryViolations(fromDirectory(outside), { directory: "/srv/charts" }).join(), /outside the charts directory; allowed: the charts directory \/srv\/charts/, outside);
            }
        });

        it("reads the stack's chart source from the config the engine hands the pack", () => {
            assert.equal(stackChartSource({}), undefined);
            assert.equal(stackChartSource({ PULUMI_CONFIG: JSON.stringify({ "lgtm:profile": "dev" }) }), undefined);
            assert.deepEqual(stackChartSource({ PULUMI_CONFIG: JSON.stringify({ "lgtm:charts": JSON.stringify({ mirror }) }) }), { mirror });
            assert.deepEqual(stackChartSource({ PULUMI_CONFIG: JSON.stringify({ "lgtm:charts": JSON.stringify({ directory: "/srv/charts" }) }) }), { directory: "/srv/charts" });
            assert.deepEqual(stackChartSource({ PULUMI_PROJECT: "other", PULUMI_CONFIG: JSON.stringify({ "other:charts": JSON.stringify({ mirror }) }) }), { mirror });
        });
    });

    describe("chart provenance", () => {
        it("the allow-list is the upstream repositories of components/charts.ts, without trailing slashes", () => {
            assert.deepEqual(allowedRepositories, [
                "https://charts.min.io",
                "https://grafana-community.github.io/helm-charts",
                "https://grafana.github.io/helm-charts",
                "https://prometheus-community.github.io/helm-charts",
                "oci://ghcr.io/stevehipwell/helm-charts",
            ]);
        });
    });

    describe("helpers", () => {
        it("compareVersions orders exact versions semantically", () => {
            assert.ok(compareVersions("5.3.9", "5.4.0") < 0);
            assert.ok(compareVersions("10.0.0", "9.9.9") > 0);
            assert.ok(compareVersions("1.2.3-rc.1", "1.2.3") < 0);
            assert.ok(compareVersions("1.2.3-rc.2", "1.2.3-rc.10") < 0);
            assert.ok(compareVersions("1.2.3-alpha", "1.2.3-alpha.1") < 0);
            assert.equal(compareVersions("v1.2.3", "1.2.3+build.5"), 0);
            assert.throws(() => compareVersions("^1.2.3", "1.2.3"), /not an exact version/);
        });
        it("isCredentialKey tells credentials from references to them", () => {
            for (const k of [
                "password",
                "adminPassword",
                "rootPassword",
                "secretKey",
                "secret_key",
                "secretAccessKey",
                "accessKey",
                "access_key_id",
                "token",
                "GF_AUTH_TOKEN",
                "apiKey",
                "privateKey",
                "clientSecret",
                "credentials",
            ]) {
                assert.ok(isCredentialKey(k), k);
            }
            for (const k of ["existingSecret", "secretName", "tlsSecretName", "secretKeyRef", "passwordKey", "userKey", "tokenFile", "password_file", "tokenPath", "token_url", "user", "auth_enabled", "key"]) {
                assert.ok(!isCredentialKey(k), k);
            }
        });
        it("isUnknown and at stop at an unknown step", () => {
            const values: Plain = { a: unknownValue };
            assert.ok(isUnknown(at(values, ["a", "b", "c"])));
            assert.equal(at(values, ["x", "y"]), undefined);
        });
    });
});
