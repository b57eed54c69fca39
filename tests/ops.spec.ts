import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { kubeconfigText, planCiStack, StackFileFacts } from "../tools/ops/ciStack";
import { projectDashboardsDirectory, readDashboardFiles } from "../components/dashboards";
import { describeAccess, kubeTarget, planGrafanaAccess, portForwardArgs } from "../tools/ops/grafana";
import { basicAuthGet, dashboardFileStem, DashboardNotExported, fetchDashboard, listDashboards, planDashboardExport } from "../tools/ops/grafanaExport";
import { undecryptedSecret } from "../tools/render/stackConfig";

const projectDir = path.resolve(__dirname, "..");
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-ops-test-"));
const tsNode = path.join(projectDir, "node_modules", ".bin", "ts-node");

const inCluster = {
    grafanaUrl: "http://grafana.ui.svc.cluster.local:80",
    grafanaService: { name: "grafana", namespace: "ui", port: 80 },
    grafanaAdminUser: "admin",
    grafanaAdminPassword: "s3cret-pass",
};
const withIngress = { ...inCluster, grafanaUrl: "https://grafana.example.com" };

/**
 * Runs an ops command (script and arguments; the stack is added) against a stack of its own whose
 * lgtm:kubeconfig holds contents, so that a scratch kubeconfig is written, with a stand-in kubectl
 * that stays until it is stopped; sends the command SIGTERM once kubectl runs.
 */
async function terminateDuringPortForward([script, ...args]: string[]): Promise<{ code: number | null; scratch: string; kubectlPid: number }> {
    const stack = `ops-sigterm-${process.pid}`;
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(stackFile, "config:\n  lgtm:kubeconfig: |\n    apiVersion: v1\n    kind: Config\n");
    const bin = tempDir();
    try {
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\ncase "$*" in *"stack output"*) echo '${JSON.stringify(inCluster)}' ;; esac\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "kubectl"), `#!/bin/sh\necho "$*" > ${bin}/kubectl.args\necho $$ > ${bin}/kubectl.pid\nexec sleep 60\n`, { mode: 0o755 });
        const command = spawn(tsNode, ["--swc", script, stack, ...args], {
            cwd: projectDir,
            stdio: "ignore",
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: `file://${bin}`, PULUMI_CONFIG_PASSPHRASE: "a passphrase" },
        });
        const exited = new Promise<number | null>((resolve) => command.on("close", resolve));
        const pidFile = path.join(bin, "kubectl.pid");
        for (let waited = 0; !fs.existsSync(pidFile) || fs.readFileSync(pidFile, "utf8") === ""; waited += 100) {
            assert.ok(waited < 30_000, "kubectl was not started");
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const kubectlArgs = fs.readFileSync(path.join(bin, "kubectl.args"), "utf8");
        const scratch = /--kubeconfig (\S+)/.exec(kubectlArgs)?.[1];
        assert.ok(scratch && fs.existsSync(scratch), `no scratch kubeconfig in: ${kubectlArgs}`);
        command.kill("SIGTERM");
        return { code: await exited, scratch, kubectlPid: Number(fs.readFileSync(pidFile, "utf8")) };
    } finally {
        fs.rmSync(stackFile, { force: true });
    }
}

describe("ops: scripts/stack.sh", () => {
    it("refuses an empty passphrase for any stack but dev, before Pulumi runs", function () {
        if (process.platform === "win32") this.skip();
        const bin = tempDir();
        const log = path.join(bin, "calls.log");
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "pulumi $*" >> ${log}\n`, { mode: 0o755 });
        const outputs = (stack: string, passphrase: string) => {
            fs.rmSync(log, { force: true });
            return spawnSync("bash", ["scripts/stack.sh", "outputs", stack], {
                cwd: projectDir,
                encoding: "utf8",
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: `file://${bin}`, PULUMI_CONFIG_PASSPHRASE: passphrase },
            });
        };
        const emptyForProd = outputs("prod", "");
        assert.equal(emptyForProd.status, 2, emptyForProd.stderr);
        assert.match(emptyForProd.stderr, /PULUMI_CONFIG_PASSPHRASE is empty, which would leave the prod stack's secrets unprotected: set it/);
        assert.ok(!fs.existsSync(log), "pulumi ran");
        for (const [stack, passphrase] of [
            ["prod", "a passphrase"],
            ["dev", ""],
        ]) {
            const result = outputs(stack, passphrase);
            assert.equal(result.status, 0, result.stderr);
            assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), [`pulumi stack select --create --non-interactive ${stack}`, `pulumi stack output --stack ${stack}`]);
        }
    });
    it("outputs --json prints the outputs alone on stdout, secrets masked unless --show-secrets is given", function () {
        if (process.platform === "win32") this.skip();
        const bin = tempDir();
        const log = path.join(bin, "calls.log");
        // Pulumi may print on stdout when it selects or creates a stack: that must not reach the JSON.
        fs.writeFileSync(
            path.join(bin, "pulumi"),
            `#!/bin/sh\necho "pulumi $*" >> ${log}\ncase "$*" in *"stack select"*) echo "Created stack 'prod'" ;; *"--show-secrets"*) echo '{"fleet":{"edges":{}}}' ;; *"stack output"*) echo '{"fleet":"[secret]"}' ;; esac\n`,
            { mode: 0o755 },
        );
        const outputs = (...args: string[]) => {
            fs.rmSync(log, { force: true });
            return spawnSync("bash", ["scripts/stack.sh", "outputs", "prod", ...args], {
                cwd: projectDir,
                encoding: "utf8",
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: `file://${bin}`, PULUMI_CONFIG_PASSPHRASE: "a passphrase" },
            });
        };
        const masked = outputs("--json");
        assert.equal(masked.status, 0, masked.stderr);
        assert.deepEqual(JSON.parse(masked.stdout), { fleet: "[secret]" });
        assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["pulumi stack select --create --non-interactive prod", "pulumi stack output --stack prod --json"]);
        assert.match(masked.stderr, /Created stack 'prod'/);
        const shown = outputs("--json", "--show-secrets");
        assert.equal(shown.status, 0, shown.stderr);
        assert.deepEqual(JSON.parse(shown.stdout), { fleet: { edges: {} } });
        assert.match(fs.readFileSync(log, "utf8"), /^pulumi stack output --stack prod --json --show-secrets$/m);
    });
});

describe("ops: npm run grafana", () => {
    it("port-forwards to the Service from the outputs when grafanaUrl is in-cluster", () => {
        const access = planGrafanaAccess("dev", inCluster, "auto", 3000);
        assert.equal(access.url, "http://localhost:3000/");
        assert.deepEqual(access.portForward, { service: { name: "grafana", namespace: "ui", port: 80 }, localPort: 3000 });
        assert.deepEqual(portForwardArgs({ portForward: access.portForward! }, {}), ["--namespace", "ui", "port-forward", "service/grafana", "3000:80"]);
        assert.deepEqual(describeAccess("dev", access), [
            "Grafana of stack dev",
            "  URL:      http://localhost:3000/   (port-forward to service/grafana in ui; stack URL http://grafana.ui.svc.cluster.local:80)",
            "  user:     admin",
            "  password: s3cret-pass",
        ]);
    });

    it("prints the ingress URL and does not port-forward unless asked", () => {
        const access = planGrafanaAccess("prod", withIngress, "auto", 3000);
        assert.equal(access.url, "https://grafana.example.com");
        assert.equal(access.portForward, undefined);
        assert.equal(planGrafanaAccess("prod", withIngress, "always", 8080).url, "http://localhost:8080/");
        assert.equal(planGrafanaAccess("dev", inCluster, "never", 3000).portForward, undefined);
    });

    it("says what is missing: an undeployed stack, masked secrets, an output older than grafanaService", () => {
        assert.throws(() => planGrafanaAccess("dev", {}, "auto", 3000), /stack dev has no grafanaUrl, grafanaAdminUser, grafanaAdminPassword output; deploy it first: npm run up -- dev/);
        assert.throws(() => planGrafanaAccess("dev", { ...inCluster, grafanaAdminPassword: "[secret]" }, "auto", 3000), /--show-secrets/);
        const { grafanaService: _omitted, ...old } = inCluster;
        assert.throws(() => planGrafanaAccess("dev", old, "auto", 3000), /no grafanaService output .* npm run up -- dev/);
        assert.equal(planGrafanaAccess("dev", old, "never", 3000).url, inCluster.grafanaUrl);
        assert.throws(
            () => planGrafanaAccess("dev", { ...inCluster, grafanaService: { name: "grafana", namespace: "elsewhere", port: 80 } }, "auto", 3000),
            /grafanaUrl http:\/\/grafana\.ui\.svc\.cluster\.local:80 is not the grafanaService output grafana\.elsewhere\.svc\.cluster\.local/,
        );
    });

    it("targets the stack's kube context and kubeconfig (a path, or contents), and refuses a secret one", () => {
        const exists = (p: string) => p === "/home/me/.kube/lab";
        assert.deepEqual(kubeTarget("dev", { kubeconfig: "", kubeContext: "" }, exists), { context: undefined });
        assert.deepEqual(kubeTarget("dev", { kubeconfig: "/home/me/.kube/lab", kubeContext: "kind-lab" }, exists), { context: "kind-lab", kubeconfigPath: "/home/me/.kube/lab" });
        assert.deepEqual(kubeTarget("dev", { kubeconfig: "apiVersion: v1\nkind: Config\n" }, exists), { context: undefined, kubeconfigContents: "apiVersion: v1\nkind: Config\n" });
        assert.throws(() => kubeTarget("prod", { kubeconfig: undecryptedSecret("lgtm:kubeconfig") }, exists), /lgtm:kubeconfig of stack prod is a secret/);
        assert.deepEqual(portForwardArgs({ portForward: { service: { name: "g", namespace: "n", port: 80 }, localPort: 3001 } }, { context: "kind-lab", kubeconfigPath: "/k" }), [
            "--kubeconfig",
            "/k",
            "--context",
            "kind-lab",
            "--namespace",
            "n",
            "port-forward",
            "service/g",
            "3001:80",
        ]);
    });

    it("end to end: reads the outputs through scripts/stack.sh, prints every command, runs kubectl", function () {
        if (process.platform === "win32") this.skip();
        this.timeout(60_000);
        // Stand-ins for the pulumi and kubectl CLIs that record how they were called.
        const bin = tempDir();
        const log = path.join(bin, "calls.log");
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "pulumi $*" >> ${log}\ncase "$*" in *"stack output"*) echo '${JSON.stringify(inCluster)}' ;; esac\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "kubectl"), `#!/bin/sh\necho "kubectl $*" >> ${log}\n`, { mode: 0o755 });
        const result = spawnSync(tsNode, ["--swc", "tools/ops/grafana-cli.ts", "dev", "--local-port", "3300"], {
            cwd: projectDir,
            encoding: "utf8",
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: `file://${bin}`, PULUMI_CONFIG_PASSPHRASE: "" },
        });
        assert.equal(result.status, 0, result.stderr);
        assert.ok(result.stdout.includes("  URL:      http://localhost:3300/"), result.stdout);
        assert.ok(result.stdout.includes("  password: s3cret-pass"), result.stdout);
        for (const printed of ["+ bash scripts/stack.sh outputs dev --json --show-secrets", "+ pulumi stack output --stack dev --json --show-secrets", "+ kubectl --namespace ui port-forward service/grafana 3300:80"]) {
            assert.ok(result.stderr.includes(printed), `missing "${printed}" in:\n${result.stderr}`);
        }
        assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), [
            "pulumi stack select --create --non-interactive dev",
            "pulumi stack output --stack dev --json --show-secrets",
            "kubectl --namespace ui port-forward service/grafana 3300:80",
        ]);
    });

    it("on SIGTERM stops kubectl port-forward and removes the scratch kubeconfig, then exits", async function () {
        if (process.platform === "win32") this.skip();
        this.timeout(60_000);
        const { code, scratch, kubectlPid } = await terminateDuringPortForward(["tools/ops/grafana-cli.ts", "--local-port", "3301"]);
        assert.equal(code, 0, "stopping is how a port-forward ends");
        assert.ok(!fs.existsSync(scratch), "the scratch kubeconfig is removed");
        assert.throws(() => process.kill(kubectlPid, 0), "kubectl port-forward is stopped");
    });
});

describe("ops: CI stack secrets (npm run ci:stack)", () => {
    const committed: StackFileFacts = { hasEncryptionSalt: true, kubeconfigInConfig: false, kubeContext: "lab" };
    const kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\ncurrent-context: lab\n";

    it("Pulumi Cloud needs the token and a cluster", () => {
        const plan = planCiStack("dev", { PULUMI_ACCESS_TOKEN: "pul-x", KUBECONFIG_DATA: kubeconfig }, { ...committed, hasEncryptionSalt: false }, true);
        assert.deepEqual(plan, { status: "ready", backend: "Pulumi Cloud", kubeconfig, warnings: [] });
    });

    it("a bucket backend needs the passphrase, and warns when the salt is not committed", () => {
        const env = { PULUMI_BACKEND_URL: "s3://state?region=eu-west-1", KUBECONFIG_DATA: kubeconfig };
        assert.deepEqual(planCiStack("prod", env, committed, true), {
            status: "error",
            problems: ["stack prod keeps its secrets with a passphrase (a self-managed backend): add the repository secret PULUMI_CONFIG_PASSPHRASE (see docs/ci-cd.md)"],
        });
        const ready = planCiStack("prod", { ...env, PULUMI_CONFIG_PASSPHRASE: "p" }, { ...committed, hasEncryptionSalt: false }, true);
        assert.equal(ready.status, "ready");
        assert.equal(ready.status === "ready" && ready.backend, "self-managed (s3://…)");
        assert.match(ready.status === "ready" ? ready.warnings.join() : "", /Pulumi\.prod\.yaml has no encryptionsalt/);
        // A KMS secrets provider needs no passphrase.
        assert.equal(planCiStack("prod", env, { ...committed, secretsProvider: "awskms" }, true).status, "ready");
    });

    it("Pulumi Cloud with a committed encryptionsalt still needs the passphrase", () => {
        const env = { PULUMI_ACCESS_TOKEN: "t", KUBECONFIG_DATA: kubeconfig };
        assert.deepEqual(planCiStack("dev", env, committed, true), {
            status: "error",
            problems: ["stack dev keeps its secrets with a passphrase (Pulumi.dev.yaml has an encryptionsalt): add the repository secret PULUMI_CONFIG_PASSPHRASE (see docs/ci-cd.md)"],
        });
        assert.equal(planCiStack("dev", env, { ...committed, hasEncryptionSalt: false }, true).status, "ready");
    });

    it("no backend: skipped for previews, an error for deploys and drift checks", () => {
        const skip = planCiStack("dev", {}, committed, false);
        assert.equal(skip.status, "skip");
        assert.match(skip.status === "skip" ? skip.reason : "", /PULUMI_ACCESS_TOKEN .* PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE/);
        assert.equal(planCiStack("dev", {}, committed, true).status, "error");
    });

    it("rejects a file backend on a runner, a Pulumi service without token, and a missing or unreadable kubeconfig", () => {
        const problems = (env: Record<string, string>, facts = committed) => {
            const plan = planCiStack("dev", env, facts, false);
            return plan.status === "error" ? plan.problems.join("\n") : "";
        };
        assert.match(problems({ PULUMI_BACKEND_URL: "file://~", KUBECONFIG_DATA: kubeconfig }), /file:\/\/ backend: it lives on the runner/);
        assert.match(problems({ PULUMI_BACKEND_URL: "https://pulumi.example.com", KUBECONFIG_DATA: kubeconfig }), /needs the repository secret PULUMI_ACCESS_TOKEN/);
        assert.match(problems({ PULUMI_ACCESS_TOKEN: "t", PULUMI_CONFIG_PASSPHRASE: "p" }), /no cluster for stack dev: add the repository secret KUBECONFIG_DEV/);
        assert.match(problems({ PULUMI_ACCESS_TOKEN: "t", PULUMI_CONFIG_PASSPHRASE: "p", KUBECONFIG_DATA: "not a kubeconfig" }), /KUBECONFIG_DEV is neither a kubeconfig nor base64 of one/);
        assert.equal(planCiStack("dev", { PULUMI_ACCESS_TOKEN: "t", PULUMI_CONFIG_PASSPHRASE: "p" }, { ...committed, kubeconfigInConfig: true }, true).status, "ready");
    });

    it("refuses a kubeconfig whose current context is not the stack's lgtm:kubeContext, and warns when the stack names none", () => {
        const env = { PULUMI_ACCESS_TOKEN: "t", PULUMI_CONFIG_PASSPHRASE: "p" };
        const devCluster = kubeconfig.replace("current-context: lab", "current-context: kind-dev");
        assert.deepEqual(planCiStack("prod", { ...env, KUBECONFIG_DATA: devCluster }, committed, true), {
            status: "error",
            problems: [
                'the repository secret KUBECONFIG_PROD has current context "kind-dev", but Pulumi.prod.yaml deploys to lgtm:kubeContext "lab": set KUBECONFIG_PROD to the kubeconfig of that cluster, with current-context: lab',
            ],
        });
        const none = planCiStack("prod", { ...env, KUBECONFIG_DATA: "apiVersion: v1\nkind: Config\n" }, committed, true);
        assert.match(none.status === "error" ? none.problems[0] : "", /has current context \(none\), but Pulumi\.prod\.yaml deploys to lgtm:kubeContext "lab"/);
        const unparsable = planCiStack("prod", { ...env, KUBECONFIG_DATA: "apiVersion: v1\nclusters: [\n" }, committed, true);
        assert.deepEqual(unparsable.status === "error" ? unparsable.problems : [], ["the repository secret KUBECONFIG_PROD does not parse as a kubeconfig (YAML or JSON)"]);
        const unnamed = planCiStack("prod", { ...env, KUBECONFIG_DATA: devCluster }, { ...committed, kubeContext: undefined }, true);
        assert.deepEqual(unnamed.status === "ready" ? unnamed.warnings : [], [
            "Pulumi.prod.yaml sets no lgtm:kubeContext, so nothing ties KUBECONFIG_PROD to this stack's cluster: set it to the context name (the secret's current context is \"kind-dev\")",
        ]);
    });

    it("takes the kubeconfig as the file or as base64 of it", () => {
        assert.equal(kubeconfigText(kubeconfig), kubeconfig);
        assert.equal(kubeconfigText(Buffer.from(kubeconfig).toString("base64")), kubeconfig);
        assert.equal(kubeconfigText(Buffer.from("hello").toString("base64")), undefined);
    });

    it("end to end: writes the kubeconfig, exports KUBECONFIG and the ready output, or fails with annotations", function () {
        this.timeout(60_000);
        const dir = tempDir();
        const files = { GITHUB_ENV: path.join(dir, "env"), GITHUB_OUTPUT: path.join(dir, "output"), GITHUB_STEP_SUMMARY: path.join(dir, "summary") };
        const run = (env: Record<string, string>, ...args: string[]) => {
            for (const f of Object.values(files)) fs.writeFileSync(f, "");
            const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^PULUMI_|^KUBECONFIG/.test(k)));
            return spawnSync(tsNode, ["--swc", "tools/ops/ci-stack-cli.ts", ...args], { cwd: projectDir, encoding: "utf8", env: { ...clean, ...files, RUNNER_TEMP: dir, ...env } });
        };
        const ok = run({ PULUMI_ACCESS_TOKEN: "t", KUBECONFIG_DATA: Buffer.from(kubeconfig).toString("base64") }, "dev");
        assert.equal(ok.status, 0, ok.stdout + ok.stderr);
        assert.equal(fs.readFileSync(files.GITHUB_ENV, "utf8"), `KUBECONFIG=${path.join(dir, "kubeconfig-dev")}\n`);
        assert.equal(fs.readFileSync(path.join(dir, "kubeconfig-dev"), "utf8"), kubeconfig);
        assert.equal(fs.statSync(path.join(dir, "kubeconfig-dev")).mode & 0o777, 0o600);
        assert.equal(fs.readFileSync(files.GITHUB_OUTPUT, "utf8"), "ready=true\n");

        const skipped = run({}, "dev", "--optional");
        assert.equal(skipped.status, 0);
        assert.match(skipped.stdout, /^::warning title=stack dev skipped::no Pulumi backend configured/m);
        assert.equal(fs.readFileSync(files.GITHUB_OUTPUT, "utf8"), "ready=false\n");
        assert.match(fs.readFileSync(files.GITHUB_STEP_SUMMARY, "utf8"), /\*\*dev\*\*: skipped/);

        const failed = run({ PULUMI_BACKEND_URL: "s3://state" }, "prod");
        assert.equal(failed.status, 1);
        assert.match(failed.stdout, /^::error title=stack prod::stack prod keeps its secrets with a passphrase \(a self-managed backend\)/m);
        assert.match(failed.stdout, /^::error title=stack prod::no cluster for stack prod/m);
        assert.equal(fs.readFileSync(files.GITHUB_ENV, "utf8"), "");

        assert.equal(run({ PULUMI_ACCESS_TOKEN: "t" }, "staging").status, 2, "a stack without a stack file is a usage error");
    });
});

describe("ops: npm run grafana-export", () => {
    const login = `Basic ${Buffer.from("admin:s3cret-pass").toString("base64")}`;
    const panel = (datasourceUid: string) => ({
        type: "timeseries",
        title: "p99",
        datasource: { type: "prometheus", uid: datasourceUid },
        targets: [{ refId: "A", expr: "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))", datasource: { type: "prometheus", uid: datasourceUid } }],
    });
    /** What Grafana's dashboard.grafana.app/v1 API serves: a provisioned dashboard, UI-made ones, one it cannot convert. */
    const resources: Record<string, Record<string, unknown>> = {
        "lgtm-loki": { metadata: { name: "lgtm-loki", annotations: { "grafana.app/managedBy": "classic-file-provisioning" } }, spec: { title: "Loki" } },
        "ui-checkout": { metadata: { name: "ui-checkout", annotations: {} }, spec: { id: 42, uid: "ui-checkout", title: "Checkout latency (p99)", version: 3, panels: [panel("lgtm-metrics")] } },
        "ui-elsewhere": { metadata: { name: "ui-elsewhere" }, spec: { id: 43, title: "Elsewhere", panels: [panel("some-other-prometheus")] } },
        "ui-v2": { metadata: { name: "ui-v2" }, spec: {}, status: { conversion: { failed: true, storedVersion: "v2beta1", error: "unsupported layout" } } },
    };
    const requests: string[] = [];
    let server: http.Server;
    let port: number;

    before(async () => {
        server = http.createServer((req, res) => {
            requests.push(req.url!);
            const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
            if (req.headers.authorization !== login) return send(401, { message: "invalid username or password" });
            const url = new URL(req.url!, "http://grafana");
            // Grafana served from a sub-path keeps its API below it.
            url.pathname = url.pathname.replace(/^\/grafana(?=\/)/, "");
            const base = "/apis/dashboard.grafana.app/v1/namespaces/default/dashboards";
            if (url.pathname === base) {
                // Two per page, as Grafana pages with `continue`.
                const names = Object.keys(resources);
                const start = Number(url.searchParams.get("continue") ?? 0);
                const items = names.slice(start, start + 2).map((name) => resources[name]);
                return send(200, { kind: "DashboardList", metadata: start + 2 < names.length ? { continue: String(start + 2) } : {}, items });
            }
            const name = decodeURIComponent(url.pathname.slice(base.length + 1));
            if (url.pathname.startsWith(`${base}/`) && resources[name]) return send(200, { kind: "Dashboard", apiVersion: "dashboard.grafana.app/v1", ...resources[name] });
            send(404, { message: "not found" });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as { port: number }).port;
    });
    after(() => server.close());

    it("lists every dashboard page by page, and tells provisioned ones apart", async () => {
        requests.length = 0;
        const get = basicAuthGet(`http://127.0.0.1:${port}/grafana`, "admin", "s3cret-pass");
        assert.deepEqual(await listDashboards(get, 2), [
            { uid: "lgtm-loki", title: "Loki", managedBy: "classic-file-provisioning" },
            { uid: "ui-checkout", title: "Checkout latency (p99)", managedBy: undefined },
            { uid: "ui-elsewhere", title: "Elsewhere", managedBy: undefined },
            { uid: "ui-v2", title: "ui-v2", managedBy: undefined },
        ]);
        assert.deepEqual(
            requests,
            ["/grafana/apis/dashboard.grafana.app/v1/namespaces/default/dashboards?limit=2", "/grafana/apis/dashboard.grafana.app/v1/namespaces/default/dashboards?limit=2&continue=2"],
            "below Grafana's sub-path, following the continue token",
        );
    });

    it("fetches a dashboard in the classic model: id dropped, uid kept; says why one cannot be exported", async () => {
        const get = basicAuthGet(`http://127.0.0.1:${port}/`, "admin", "s3cret-pass");
        const checkout = await fetchDashboard(get, "ui-checkout");
        assert.equal(checkout.json.id, undefined);
        assert.equal(checkout.json.uid, "ui-checkout");
        assert.equal(checkout.json.version, 3);
        assert.equal((await fetchDashboard(get, "ui-elsewhere")).json.uid, "ui-elsewhere", "uid from the resource name when the spec has none");
        await assert.rejects(fetchDashboard(get, "ui-v2"), (e: Error) => e instanceof DashboardNotExported && /stored as v2beta1 .* could not convert it to the classic JSON model \(unsupported layout\)/.test(e.message));
        await assert.rejects(fetchDashboard(get, "gone"), (e: Error) => e instanceof DashboardNotExported && /Grafana has no dashboard gone \(HTTP 404/.test(e.message));
        const wrong = basicAuthGet(`http://127.0.0.1:${port}/`, "admin", "old-password");
        await assert.rejects(fetchDashboard(wrong, "ui-checkout"), (e: Error) => !(e instanceof DashboardNotExported) && /refused the admin login \(HTTP 401\)/.test(e.message));
    });

    it("file names from titles fit a ConfigMap name", () => {
        assert.equal(dashboardFileStem("Checkout latency (p99)", "x", "logs"), "checkout-latency-p99");
        assert.equal(dashboardFileStem("¿?", "Ab_c", "logs"), "ab-c");
        const long = dashboardFileStem("A very long dashboard title that goes on and on and on and on", "x", "long-term-metrics");
        assert.ok(`dashboard-long-term-metrics-${long}`.length <= 63 && !long.endsWith("-"), long);
    });

    it("plans new files, replaces the file of the same uid, never overwrites another dashboard, checks as npm test does", async () => {
        const get = basicAuthGet(`http://127.0.0.1:${port}/`, "admin", "s3cret-pass");
        const checkout = await fetchDashboard(get, "ui-checkout");
        const repo = readDashboardFiles(projectDashboardsDirectory);

        const fresh = planDashboardExport(repo, "logs", [checkout]);
        assert.deepEqual(
            fresh.writes.map((w) => [w.file, w.replaces]),
            [["logs/checkout-latency-p99.json", false]],
        );
        assert.deepEqual(JSON.parse(fresh.writes[0].text), checkout.json);
        assert.deepEqual([fresh.skipped, fresh.problems], [[], []], "a UI dashboard on the provisioned datasources passes as it is");

        const saved = { area: "traces", fileName: "checkout.json", text: JSON.stringify({ uid: "ui-checkout" }) };
        assert.deepEqual(
            planDashboardExport([saved], "logs", [checkout]).writes.map((w) => [w.file, w.replaces]),
            [["traces/checkout.json", true]],
        );

        const taken = { area: "logs", fileName: "checkout-latency-p99.json", text: JSON.stringify({ uid: "someone-else" }) };
        const clash = planDashboardExport([taken], "logs", [checkout]);
        assert.deepEqual(clash.writes, []);
        assert.match(clash.skipped.join(), /ui-checkout .*logs\/checkout-latency-p99\.json already holds dashboard someone-else/);

        const elsewhere = planDashboardExport(repo, "logs", [await fetchDashboard(get, "ui-elsewhere")]);
        assert.equal(elsewhere.writes.length, 1);
        assert.ok(elsewhere.problems.length > 0 && elsewhere.problems.every((p) => p.startsWith("dashboards/logs/elsewhere.json: ")), elsewhere.problems.join("\n"));
        assert.match(elsewhere.problems.join(), /uses datasource "some-other-prometheus"/);

        assert.throws(() => planDashboardExport(repo, "payments", []), /unknown area "payments"; areas are logs, traces, long-term-metrics, object-storage, collection/);
    });

    it("on SIGTERM while kubectl port-forward starts, stops it and removes the scratch kubeconfig, then exits 143", async function () {
        if (process.platform === "win32") this.skip();
        this.timeout(60_000);
        // The stand-in kubectl never announces forwarding, so the export is still waiting for it.
        const { code, scratch, kubectlPid } = await terminateDuringPortForward(["tools/ops/grafana-export-cli.ts", "--all", "--area", "logs", "--dir", tempDir(), "--local-port", "3302"]);
        assert.equal(code, 143);
        assert.ok(!fs.existsSync(scratch), "the scratch kubeconfig is removed");
        assert.throws(() => process.kill(kubectlPid, 0), "kubectl port-forward is stopped");
    });

    it("end to end: port-forwards like npm run grafana, writes the UI dashboards, stops kubectl", async function () {
        if (process.platform === "win32") this.skip();
        this.timeout(60_000);
        const bin = tempDir();
        const out = tempDir();
        const log = path.join(bin, "calls.log");
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "pulumi $*" >> ${log}\ncase "$*" in *"stack output"*) echo '${JSON.stringify(inCluster)}' ;; esac\n`, { mode: 0o755 });
        // kubectl announces the forward as the real one does, then stays until it is stopped; the mock Grafana is the local end.
        fs.writeFileSync(path.join(bin, "kubectl"), `#!/bin/sh\necho "kubectl $*" >> ${log}\necho $$ > ${bin}/kubectl.pid\necho "Forwarding from 127.0.0.1:${port} -> 3000"\nexec sleep 60\n`, { mode: 0o755 });
        const run = (...args: string[]) =>
            new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
                // Asynchronous: the mock Grafana answers from this process.
                const child = spawn(tsNode, ["--swc", "tools/ops/grafana-export-cli.ts", "dev", ...args, "--dir", out, "--local-port", String(port)], {
                    cwd: projectDir,
                    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: `file://${bin}`, PULUMI_CONFIG_PASSPHRASE: "" },
                });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d) => (stdout += d));
                child.stderr.on("data", (d) => (stderr += d));
                child.on("close", (code) => resolve({ code, stdout, stderr }));
            });

        requests.length = 0;
        const one = await run("ui-checkout", "--area", "logs");
        assert.equal(one.code, 0, one.stderr);
        assert.match(one.stdout, /wrote {3}.*logs\/checkout-latency-p99\.json {2}\(uid ui-checkout\)/);
        const written = JSON.parse(fs.readFileSync(path.join(out, "logs", "checkout-latency-p99.json"), "utf8"));
        assert.equal(written.id, undefined);
        assert.equal(written.uid, "ui-checkout");
        assert.ok(one.stderr.includes("+ kubectl --namespace ui port-forward service/grafana"), one.stderr);
        const pid = Number(fs.readFileSync(path.join(bin, "kubectl.pid"), "utf8"));
        assert.throws(() => process.kill(pid, 0), "kubectl port-forward is stopped once the export is done");

        const all = await run("--all", "--area", "logs");
        assert.equal(all.code, 1, "a dashboard left behind or needing a fix fails the command");
        assert.match(all.stdout, /updated .*logs\/checkout-latency-p99\.json/);
        assert.match(all.stdout, /wrote {3}.*logs\/elsewhere\.json/);
        assert.match(all.stderr, /4 dashboards, 1 provisioned \(left out\), 3 made in the UI/);
        assert.match(all.stderr, /skipped dashboard ui-v2 is stored as v2beta1/);
        assert.match(all.stderr, /npm test will reject these until they are fixed by hand:\n {2}- dashboards\/logs\/elsewhere\.json: panel "p99" uses datasource "some-other-prometheus"/);
        assert.ok(!fs.existsSync(path.join(out, "logs", "loki.json")), "provisioned dashboards stay out");
        assert.ok(requests.length > 0 && requests.every((r) => r.startsWith("/apis/dashboard.grafana.app/v1/namespaces/default/dashboards")), requests.join("\n"));
    });
});
