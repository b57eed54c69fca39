import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ChartRef, charts, localChartPath, releaseChartArgs } from "../components/charts";

const httpChart: ChartRef = { name: "loki", version: "18.11.0", repository: "https://grafana-community.github.io/helm-charts" };
const ociChart: ChartRef = { name: "thanos", version: "1.24.1", repository: "oci://ghcr.io/stevehipwell/helm-charts" };

describe("chart sources", () => {
    let directory: string;
    before(() => {
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-charts-"));
        // One chart as the archive helm pull writes, one unpacked as npm run fetch-charts writes.
        fs.writeFileSync(path.join(directory, "loki-18.11.0.tgz"), "");
        fs.mkdirSync(path.join(directory, "thanos", "1.24.1"), { recursive: true });
        fs.writeFileSync(path.join(directory, "thanos", "1.24.1", "Chart.yaml"), "name: thanos\nversion: 1.24.1\n");
    });
    after(() => fs.rmSync(directory, { recursive: true, force: true }));

    it("takes each chart from its upstream repository without a source: HTTP by name and repository, OCI by reference", () => {
        assert.deepEqual(releaseChartArgs(httpChart), { chart: "loki", version: "18.11.0", repositoryOpts: { repo: httpChart.repository } });
        assert.deepEqual(releaseChartArgs(ociChart), { chart: "oci://ghcr.io/stevehipwell/helm-charts/thanos", version: "1.24.1" });
    });

    it("takes every chart, OCI ones included, by name from an HTTP(S) mirror", () => {
        const mirror = "https://charts.internal.example.com/";
        assert.deepEqual(releaseChartArgs(httpChart, { mirror }), { chart: "loki", version: "18.11.0", repositoryOpts: { repo: mirror } });
        assert.deepEqual(releaseChartArgs(ociChart, { mirror }), { chart: "thanos", version: "1.24.1", repositoryOpts: { repo: mirror } });
    });

    it("takes every chart as <mirror>/<name> from an OCI mirror, with or without a trailing slash", () => {
        for (const mirror of ["oci://registry.example.com/helm-charts", "oci://registry.example.com/helm-charts/"]) {
            assert.deepEqual(releaseChartArgs(httpChart, { mirror }), { chart: "oci://registry.example.com/helm-charts/loki", version: "18.11.0" });
            assert.deepEqual(releaseChartArgs(ociChart, { mirror }), { chart: "oci://registry.example.com/helm-charts/thanos", version: "1.24.1" });
        }
    });

    it("takes a chart from a directory as its archive or its unpacked <name>/<version>/", () => {
        assert.deepEqual(releaseChartArgs(httpChart, { directory }), { chart: path.join(directory, "loki-18.11.0.tgz"), version: "18.11.0" });
        assert.deepEqual(releaseChartArgs(ociChart, { directory }), { chart: path.join(directory, "thanos", "1.24.1"), version: "1.24.1" });
    });

    it("finds only the pinned version in a directory, and says what it looked for", () => {
        assert.equal(localChartPath({ ...httpChart, version: "18.12.0" }, directory), undefined);
        // An unpacked directory without Chart.yaml is not a chart.
        fs.mkdirSync(path.join(directory, "grafana", charts.grafana.version), { recursive: true });
        assert.equal(localChartPath(charts.grafana, directory), undefined);
        assert.throws(
            () => releaseChartArgs(charts.grafana, { directory }),
            new RegExp(`chart grafana ${charts.grafana.version} is not in the charts directory ${directory} \\(expected grafana-${charts.grafana.version}\\.tgz or grafana/${charts.grafana.version}/Chart\\.yaml\\)`),
        );
    });
});
