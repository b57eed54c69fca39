import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadChartInfo } from "../../tools/render/chartValues";
import { findHelm, findLocalChart, parseManifests, pullArgs, templateArgs } from "../../tools/render/helm";
import { makeTgz, release } from "./fixtures";

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-render-test-"));
}

function withEnv(vars: Record<string, string | undefined>, body: () => void): void {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    // Unset, not set to "undefined": process.env turns every value it is given into a string.
    const apply = (values: Record<string, string | undefined>) => {
        for (const [k, v] of Object.entries(values)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    };
    apply(vars);
    try {
        body();
    } finally {
        apply(saved);
    }
}

const chartYaml = (name: string, version: string, extra = "") => `apiVersion: v2\nname: ${name}\nversion: ${version}\n${extra}`;

describe("render: helm wrapper", () => {
    it("explains how to get helm when HELM_BIN points nowhere or PATH has none", () => {
        withEnv({ HELM_BIN: "/nonexistent/helm" }, () => {
            assert.throws(() => findHelm(), /helm not found at \/nonexistent\/helm \(HELM_BIN\): install Helm v3\.8\+ or v4 \(https:\/\/helm\.sh\/docs\/intro\/install\/\) or set HELM_BIN/);
        });
        withEnv({ HELM_BIN: undefined, PATH: tempDir() }, () => {
            assert.throws(() => findHelm(), /helm not found on PATH: install Helm v3\.8\+ or v4/);
        });
    });

    it("finds helm on PATH when HELM_BIN is unset", function () {
        if (process.platform === "win32") this.skip();
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, "helm"), "#!/bin/sh\n", { mode: 0o755 });
        withEnv({ HELM_BIN: undefined, PATH: dir }, () => assert.equal(findHelm(), path.join(dir, "helm")));
    });

    it("locates charts as <dir>/<chart>/<version>/ or <dir>/<chart>-<version>.tgz, checking Chart.yaml", () => {
        const dir = tempDir();
        fs.mkdirSync(path.join(dir, "loki", "1.2.3"), { recursive: true });
        fs.writeFileSync(path.join(dir, "loki", "1.2.3", "Chart.yaml"), chartYaml("loki", "1.2.3"));
        fs.writeFileSync(path.join(dir, "thanos-2.0.0.tgz"), makeTgz({ "thanos/Chart.yaml": chartYaml("thanos", "2.0.0") }));
        fs.writeFileSync(path.join(dir, "tempo-9.9.9.tgz"), makeTgz({ "tempo/Chart.yaml": chartYaml("tempo", "1.0.0") }));
        const ref = (name: string, version: string) => ({ name, version, repository: "https://example.com" });

        assert.equal(findLocalChart(ref("loki", "1.2.3"), [dir]), path.join(dir, "loki", "1.2.3"));
        assert.equal(findLocalChart(ref("thanos", "2.0.0"), ["/nonexistent", dir]), path.join(dir, "thanos-2.0.0.tgz"));
        assert.equal(findLocalChart(ref("loki", "1.2.4"), [dir]), undefined);
        assert.throws(() => findLocalChart(ref("tempo", "9.9.9"), [dir]), /holds chart tempo 1\.0\.0, expected tempo 9\.9\.9/);
    });

    it("pulls OCI charts by reference and HTTP charts with --repo", () => {
        assert.deepEqual(pullArgs({ name: "thanos", version: "1.24.1", repository: "oci://ghcr.io/stevehipwell/helm-charts/" }, "/c"), [
            "pull",
            "oci://ghcr.io/stevehipwell/helm-charts/thanos",
            "--version",
            "1.24.1",
            "--destination",
            "/c",
        ]);
        assert.deepEqual(pullArgs({ name: "minio", version: "5.4.0", repository: "https://charts.min.io/" }, "/c"), ["pull", "minio", "--repo", "https://charts.min.io/", "--version", "5.4.0", "--destination", "/c"]);
    });

    it("templates with the pinned Kubernetes version and monitoring API, CRDs only for the CRD chart", () => {
        const args = templateArgs(release("loki"), "/charts/loki", "/tmp/v.json");
        assert.deepEqual(args.slice(0, 5), ["template", "loki", "/charts/loki", "--namespace", "monitoring"]);
        assert.ok(args.join(" ").includes("--kube-version 1.34.0 --api-versions monitoring.coreos.com/v1"));
        assert.ok(!args.includes("--include-crds"));
        assert.ok(templateArgs(release("crds", {}, "prometheus-operator-crds"), "/c", "/v").includes("--include-crds"));
    });

    it("parses multi-document output and skips empty documents", () => {
        const objects = parseManifests("---\n# Source: x\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\n\n", "test");
        assert.deepEqual(
            objects.map((o) => o.metadata.name),
            ["a"],
        );
        assert.throws(() => parseManifests("kind: [unclosed", "helm template x"), /helm template x/);
    });
});

describe("render: chart default values", () => {
    it("merges subchart defaults (directories and .tgz) under their alias, parent values winning", () => {
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, "Chart.yaml"), chartYaml("parent", "1.0.0", "dependencies:\n  - name: minio\n    alias: store\n  - name: rollout\n"));
        fs.writeFileSync(path.join(dir, "values.yaml"), "replicas: 1\nstore:\n  enabled: false\n");
        fs.writeFileSync(path.join(dir, "values.schema.json"), JSON.stringify({ type: "object" }));
        fs.mkdirSync(path.join(dir, "charts", "rollout"), { recursive: true });
        fs.writeFileSync(path.join(dir, "charts", "rollout", "Chart.yaml"), chartYaml("rollout", "0.1.0"));
        fs.writeFileSync(path.join(dir, "charts", "rollout", "values.yaml"), "image: {tag: v1}\n");
        fs.mkdirSync(path.join(dir, "templates"));
        fs.writeFileSync(path.join(dir, "templates", "ingress.yaml"), "{{ if .Values.ingress.className }}x{{ end }}{{ $.Values.replicas }}\n");
        fs.mkdirSync(path.join(dir, "charts", "rollout", "templates"));
        fs.writeFileSync(path.join(dir, "charts", "rollout", "templates", "d.yaml"), "image: {{ .Values.image.tag }}\n");
        fs.writeFileSync(path.join(dir, "charts", "minio-5.0.0.tgz"), makeTgz({ "minio/Chart.yaml": chartYaml("minio", "5.0.0"), "minio/values.yaml": "enabled: true\nmode: standalone\n" }));

        const info = loadChartInfo(dir);
        assert.deepEqual(info.defaultValues, { replicas: 1, store: { enabled: false, mode: "standalone" }, rollout: { image: { tag: "v1" } } });
        assert.deepEqual(info.schema, { type: "object" });
        assert.deepEqual(info.templateValuePaths, ["ingress.className", "replicas", "rollout.image.tag"]);

        const packaged = path.join(tempDir(), "parent-1.0.0.tgz");
        fs.writeFileSync(
            packaged,
            makeTgz({ "parent/Chart.yaml": chartYaml("parent", "1.0.0"), "parent/values.yaml": "a: 1\n", "parent/charts/sub/Chart.yaml": chartYaml("sub", "1.0.0"), "parent/charts/sub/values.yaml": "b: 2\n" }),
        );
        assert.deepEqual(loadChartInfo(packaged), { defaultValues: { a: 1, sub: { b: 2 } }, templateValuePaths: [] });
    });
});
