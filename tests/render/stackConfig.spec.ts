import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { charts } from "../../components/charts";
import { ConfigError } from "../../stacks/config";
import { collectStack } from "../../tools/render/collect";
import { checkPlaintext } from "../../tools/render/checks/plaintext";
import { configAssignments, readStackConfig, undecryptedSecret } from "../../tools/render/stackConfig";
import { checkInput, messages } from "./fixtures";

const projectFile = "name: lgtm\nruntime: nodejs\nconfig:\n  profile:\n    type: string\n    default: dev\n";
const prodStorage = [
    "  lgtm:profile: prod",
    "  lgtm:grafana:",
    "    ingress: { enabled: true, host: grafana.example.com, tlsSecretName: grafana-tls }",
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
        assert.equal(raw.objectStorageAccessKeyId, "<secret:lgtm:objectStorageAccessKeyId:from-stack-config>");
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
        assert.ok(model.secretValues.includes("<secret:lgtm:objectStorageAccessKeyId:from-stack-config>"));
        assert.ok(model.secretValues.includes("<secret:lgtm:objectStorageSecretAccessKey:not-set-yet>"));
        assert.ok(!model.releases.some((r) => r.releaseName === "minio"));
    });

    it("renders the pinned charts whatever lgtm:charts names (a directory on another machine, a mirror out of reach), and still validates it", async () => {
        for (const source of ["{ directory: /srv/not-on-this-machine }", '{ mirror: "oci://registry.internal.example.com/helm-charts" }']) {
            const model = await collectStack(project([`  lgtm:charts: ${source}`]), "test");
            const thanos = model.releases.find((r) => r.releaseName === "thanos");
            assert.deepEqual(thanos?.chart, charts.thanos, source);
            assert.deepEqual(model.releases.find((r) => r.releaseName === "loki")?.chart, charts.loki, source);
        }
        await assert.rejects(collectStack(project(["  lgtm:charts: { directory: charts }"]), "test"), (err: unknown) => err instanceof ConfigError && err.message.includes('lgtm:charts.directory = "charts"'));
    });

    it("verifies a MinIO stack whose root credentials and Grafana password are secure values: their stand-ins are the credentials verify guards", async () => {
        const keys = ["objectStorageAccessKeyId", "objectStorageSecretAccessKey", "grafanaAdminPassword"];
        const dir = project(keys.flatMap((key, i) => [`  lgtm:${key}:`, `    secure: v1:${i}AAAA`]));
        const model = await collectStack(dir, "test");
        const [user, password, adminPassword] = keys.map((key) => undecryptedSecret(`lgtm:${key}`));
        assert.deepEqual([...model.secretValues].sort(), [user, password, adminPassword].sort(), "nothing generated");
        const secretData = (name: string) => model.objects.find((o) => o.kind === "Secret" && o.metadata.name === name)?.stringData as Record<string, string> | undefined;
        assert.deepEqual(secretData("minio-root-credentials"), { rootUser: user, rootPassword: password });
        assert.equal(secretData("grafana-admin")?.["admin-password"], adminPassword);
        assert.deepEqual(messages(checkPlaintext(checkInput(model))), []);
    });

    describe("--set assignments", () => {
        const raw = { profile: "prod", loki: JSON.stringify({ mode: "Distributed", retention: "744h" }), grafana: JSON.stringify({ ingress: { enabled: true, host: "g.example.com", tlsSecretName: "grafana-tls" } }) };

        it("sets one field of a structured key and keeps the others the stack sets there", () => {
            const overrides = configAssignments(raw, ["loki.expectedIngestMBps=40", "tempo.expectedIngestMBps=12.5"]);
            assert.deepEqual(JSON.parse(overrides.loki), { mode: "Distributed", retention: "744h", expectedIngestMBps: 40 });
            assert.deepEqual(JSON.parse(overrides.tempo), { expectedIngestMBps: 12.5 });
            assert.deepEqual(Object.keys(overrides).sort(), ["loki", "tempo"]);
        });

        it("reads a field as JSON when it is JSON, as text otherwise, and nests paths", () => {
            const overrides = configAssignments(raw, ["grafana.ingress.host=grafana.example.com", "grafana.ingress.tls.enabled=true", "loki.multiTenancy=false"]);
            assert.deepEqual(JSON.parse(overrides.grafana), { ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls", tls: { enabled: true } } });
            assert.equal(JSON.parse(overrides.loki).multiTenancy, false);
        });

        it("replaces a bare key with the text given, as pulumi config set would", () => {
            assert.deepEqual(configAssignments(raw, ["profile=dev", 'loki={"mode":"Monolithic"}']), { profile: "dev", loki: '{"mode":"Monolithic"}' });
        });

        it("applies assignments in order, later ones on top of earlier ones", () => {
            const overrides = configAssignments(raw, ['loki={"mode":"Monolithic"}', "loki.expectedIngestMBps=2"]);
            assert.deepEqual(JSON.parse(overrides.loki), { mode: "Monolithic", expectedIngestMBps: 2 });
        });

        it("refuses what is not an assignment, or a field of a value that is not an object", () => {
            assert.throws(() => configAssignments(raw, ["loki.expectedIngestMBps"]), /--set "loki.expectedIngestMBps": expected key=value/);
            assert.throws(() => configAssignments(raw, ["=40"]), /expected key=value/);
            assert.throws(() => configAssignments(raw, ["loki..mode=x"]), /expected key=value/);
            assert.throws(() => configAssignments(raw, ["profile.name=x"]), /profile is not a structured key here/);
            assert.throws(() => configAssignments(raw, ["loki.mode.name=x"]), /loki.mode is "Distributed", not an object/);
        });

        it("never repeats the value of a secret key, or of the kubeconfig, in its errors", () => {
            const password = "hunter2-hunter2";
            const withSecrets = { ...raw, grafanaAdminPassword: password, kubeconfig: `users: [{user: {token: ${password}}}]` };
            const refusals = [
                { assignments: [`grafanaAdminPassword..x=${password}`], message: /^--set "grafanaAdminPassword..x=\(secret, not shown\)": expected key=value/ },
                { assignments: ["grafanaAdminPassword.length=1"], message: /grafanaAdminPassword is not a structured key here \(its value is \(secret, not shown\)\)/ },
                { assignments: ["kubeconfig.users=1"], message: /kubeconfig is not a structured key here \(its value is \(secret, not shown\)\)/ },
                { assignments: [`slackWebhookUrl={"hook":"${password}"}`, "slackWebhookUrl.hook.path=x"], message: /slackWebhookUrl.hook is \(secret, not shown\), not an object/ },
            ];
            for (const { assignments, message } of refusals) {
                assert.throws(
                    () => configAssignments(withSecrets, assignments),
                    (err: Error) => message.test(err.message) && !err.message.includes(password),
                    assignments.join(" "),
                );
            }
        });

        it("feeds the offline evaluation: the stack is collected with the assigned values", async () => {
            const dir = project([...prodStorage, "  lgtm:objectStorageAccessKeyId:", "    secure: v1:AAAA", "  lgtm:objectStorageSecretAccessKey:", "    secure: v1:BBBB"]);
            const overrides = configAssignments(readStackConfig(dir, "test").raw, ["loki.expectedIngestMBps=50"]);
            const model = await collectStack(dir, "test", overrides);
            const loki = model.releases.find((r) => r.releaseName === "loki")!.values as any;
            assert.equal(loki.loki.limits_config.ingestion_rate_mb, 100);
            assert.equal(loki.ingester.replicas, 12);
        });
    });
});
