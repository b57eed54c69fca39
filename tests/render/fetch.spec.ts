import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { charts } from "../../components/charts";
import { planFetch, pullUntarArgs, runFetchStep } from "../../tools/render/fetch";
import { shellLine } from "../../tools/cli";
import { findHelm, findLocalChart } from "../../tools/render/helm";
import { makeTgz } from "./fixtures";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-fetch-test-"));
const chartYaml = (name: string, version: string) => `apiVersion: v2\nname: ${name}\nversion: ${version}\n`;

describe("render: fetch the pinned charts", () => {
    it("plans one pull per pinned chart into <dir>/<chart>/<version>, OCI by reference, HTTP with --repo", () => {
        const dir = tempDir();
        const steps = planFetch(Object.values(charts), dir);
        assert.deepEqual(
            steps.map((s) => [s.ref.name, s.ref.version]),
            Object.values(charts).map((c) => [c.name, c.version]),
        );
        for (const step of steps) {
            assert.equal(step.destination, path.join(dir, step.ref.name, step.ref.version));
            assert.equal(step.present, undefined);
            assert.deepEqual(step.args.slice(-5), ["--version", step.ref.version, "--untar", "--untardir", step.untarDir]);
            assert.ok(step.untarDir.startsWith(dir + path.sep), "unpacks inside the charts directory (same file system for the move)");
        }
        const thanos = steps.find((s) => s.ref.name === "thanos")!;
        assert.deepEqual(thanos.args.slice(0, 2), ["pull", "oci://ghcr.io/stevehipwell/helm-charts/thanos"]);
        const loki = steps.find((s) => s.ref.name === "loki")!;
        assert.deepEqual(loki.args.slice(0, 4), ["pull", "loki", "--repo", "https://grafana-community.github.io/helm-charts"]);
    });

    it("skips charts the directory holds in either layout, and refuses one filed under the wrong version", () => {
        const dir = tempDir();
        fs.mkdirSync(path.join(dir, "loki", charts.loki.version), { recursive: true });
        fs.writeFileSync(path.join(dir, "loki", charts.loki.version, "Chart.yaml"), chartYaml("loki", charts.loki.version));
        fs.writeFileSync(path.join(dir, `tempo-${charts.tempo.version}.tgz`), makeTgz({ "tempo/Chart.yaml": chartYaml("tempo", charts.tempo.version) }));
        const steps = planFetch(Object.values(charts), dir);
        assert.deepEqual(
            steps.filter((s) => s.present).map((s) => s.ref.name),
            ["loki", "tempo"],
        );

        fs.mkdirSync(path.join(dir, "alloy", charts.alloy.version), { recursive: true });
        fs.writeFileSync(path.join(dir, "alloy", charts.alloy.version, "Chart.yaml"), chartYaml("alloy", "0.0.1"));
        assert.throws(() => planFetch(Object.values(charts), dir), /holds chart alloy 0\.0\.1, expected alloy/);
    });

    it("prints commands as they would be typed", () => {
        assert.equal(shellLine("helm", pullUntarArgs(charts.minio, "/c/.pull/minio-5.4.0")), "helm pull minio --repo https://charts.min.io/ --version 5.4.0 --untar --untardir /c/.pull/minio-5.4.0");
        assert.equal(shellLine("helm", ["a b", "it's", "$HOME"]), `helm 'a b' "it's" \\$HOME`);
    });

    it("moves the pulled chart into place, and rejects a repository that serves another version", async function () {
        if (process.platform === "win32") this.skip();
        // A stand-in helm that unpacks a chart whose Chart.yaml says what FAKE_VERSION says.
        const bin = tempDir();
        const fakeHelm = path.join(bin, "helm");
        fs.writeFileSync(
            fakeHelm,
            '#!/bin/sh\n# args: pull <name> --repo <url> --version <v> --untar --untardir <dir>\nmkdir -p "$9/$2" && printf "apiVersion: v2\\nname: %s\\nversion: %s\\n" "$2" "${FAKE_VERSION:-$6}" > "$9/$2/Chart.yaml"\n',
            { mode: 0o755 },
        );
        const dir = tempDir();
        const ref = { name: "demo", version: "1.2.3", repository: "https://example.invalid/charts" };
        await runFetchStep(fakeHelm, planFetch([ref], dir)[0]);
        assert.equal(findLocalChart(ref, [dir]), path.join(dir, "demo", "1.2.3"));
        assert.ok(!fs.existsSync(path.join(dir, ".pull")), "scratch directory removed");

        const other = { ...ref, version: "2.0.0" };
        process.env.FAKE_VERSION = "9.9.9";
        try {
            await assert.rejects(runFetchStep(fakeHelm, planFetch([other], dir)[0]), /helm pull of demo 2\.0\.0 produced chart demo 9\.9\.9/);
        } finally {
            delete process.env.FAKE_VERSION;
        }
        assert.ok(!fs.existsSync(path.join(dir, "demo", "2.0.0")), "nothing filed under the pinned version");
        await assert.rejects(runFetchStep(path.join(bin, "missing-helm"), planFetch([other], dir)[0]), /cannot run .*missing-helm/);
    });

    it("pulls with the real helm from a chart repository on the loopback interface", async function () {
        let helmBin: string;
        try {
            helmBin = findHelm();
        } catch {
            console.log("      skipped real helm pull: no helm (set HELM_BIN or put helm on PATH)");
            return this.skip();
        }
        const archive = makeTgz({ "demo/Chart.yaml": chartYaml("demo", "0.4.2"), "demo/values.yaml": "replicas: 1\n" });
        const index = 'apiVersion: v1\nentries:\n  demo:\n    - apiVersion: v2\n      name: demo\n      version: 0.4.2\n      urls: ["demo-0.4.2.tgz"]\ngenerated: "2026-01-01T00:00:00Z"\n';
        const server = http.createServer((req, res) => {
            if (req.url === "/index.yaml") res.end(index);
            else if (req.url === "/demo-0.4.2.tgz") res.end(archive);
            else res.writeHead(404).end();
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const saved = ["HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"].map((k) => [k, process.env[k]] as const);
        // Helm keeps repository caches in its home directories; keep the user's untouched.
        const home = tempDir();
        for (const [k] of saved) process.env[k] = path.join(home, k);
        try {
            const ref = { name: "demo", version: "0.4.2", repository: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
            const dir = tempDir();
            await runFetchStep(helmBin, planFetch([ref], dir)[0]);
            assert.equal(findLocalChart(ref, [dir]), path.join(dir, "demo", "0.4.2"));
            assert.equal(fs.readFileSync(path.join(dir, "demo", "0.4.2", "values.yaml"), "utf8"), "replicas: 1\n");
            await assert.rejects(runFetchStep(helmBin, planFetch([{ ...ref, version: "0.4.3" }], dir)[0]), /helm pull of demo 0\.4\.3 from http:\/\/127\.0\.0\.1:\d+ failed/);
        } finally {
            for (const [k, v] of saved) {
                if (v === undefined) delete process.env[k];
                else process.env[k] = v;
            }
            server.close();
        }
    });
});
