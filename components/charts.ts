import * as fs from "fs";
import * as path from "path";

/**
 * The one place where chart sources and versions are pinned. Every release in the platform takes its
 * chart from here, so an upgrade is a one-line change that the render check then proves.
 */
export interface ChartRef {
    /** Chart name inside its repository. */
    readonly name: string;
    /** Exact chart version (never a range: an unpinned release drifts on its own). */
    readonly version: string;
    /** Helm repository URL, or an `oci://` registry path that holds the chart. */
    readonly repository: string;
}

const prometheusCommunity = "https://prometheus-community.github.io/helm-charts";
const grafanaCommunity = "https://grafana-community.github.io/helm-charts";

export const charts = {
    minio: { name: "minio", version: "5.4.0", repository: "https://charts.min.io/" },
    prometheusOperatorCrds: { name: "prometheus-operator-crds", version: "31.0.1", repository: prometheusCommunity },
    kubePrometheusStack: { name: "kube-prometheus-stack", version: "88.5.3", repository: prometheusCommunity },
    thanos: { name: "thanos", version: "1.24.1", repository: "oci://ghcr.io/stevehipwell/helm-charts" },
    loki: { name: "loki", version: "18.11.0", repository: grafanaCommunity },
    tempo: { name: "tempo", version: "2.2.4", repository: grafanaCommunity },
    // The last 2.x line (Tempo 2.10): ingesters and their WAL; 3.x needs Kafka.
    tempoDistributed: { name: "tempo-distributed", version: "2.26.2", repository: grafanaCommunity },
    grafana: { name: "grafana", version: "12.11.1", repository: grafanaCommunity },
    alloy: { name: "alloy", version: "1.11.1", repository: "https://grafana.github.io/helm-charts" },
    // Deployed only when the stack asks for them (lgtm:probes, lgtm:pushgateway).
    blackboxExporter: { name: "prometheus-blackbox-exporter", version: "11.17.2", repository: prometheusCommunity },
    pushgateway: { name: "prometheus-pushgateway", version: "3.8.0", repository: prometheusCommunity },
} as const satisfies Record<string, ChartRef>;

/**
 * Where every release takes its chart instead of each chart's upstream repository (`lgtm:charts`),
 * for clusters that cannot reach the internet. Without one, each chart comes from its pinned repository.
 */
export type ChartSource =
    /** A Helm repository over HTTP(S) whose index.yaml lists every pinned chart, or an `oci://` registry path holding `<mirror>/<name>`. */
    | { readonly mirror: string }
    /** An absolute local directory holding every pinned chart as `<name>-<version>.tgz` or unpacked as `<name>/<version>/`. */
    | { readonly directory: string };

/** What `helm.v3.Release` takes to find a chart. */
export interface ReleaseChartArgs {
    readonly chart: string;
    readonly version: string;
    readonly repositoryOpts?: { readonly repo: string };
}

/**
 * A pinned chart in a local charts directory: the archive `helm pull` and `helm package` write, or
 * the unpacked chart `npm run fetch-charts` writes (the layout render and verify read, too).
 */
export function localChartPath(ref: ChartRef, directory: string): string | undefined {
    const archive = path.join(directory, `${ref.name}-${ref.version}.tgz`);
    if (fs.existsSync(archive)) return archive;
    const unpacked = path.join(directory, ref.name, ref.version);
    return fs.existsSync(path.join(unpacked, "Chart.yaml")) ? unpacked : undefined;
}

/**
 * How a pinned chart becomes `helm.v3.Release` arguments, from `source` or else its upstream
 * repository: every release goes through here. OCI charts carry their registry in `chart`. A local
 * chart is a path, which the provider loads without looking at `version`: the pin is kept by taking
 * only the archive or directory named after the pinned version.
 */
export function releaseChartArgs(ref: ChartRef, source?: ChartSource): ReleaseChartArgs {
    if (source !== undefined && "directory" in source) {
        const chart = localChartPath(ref, source.directory);
        if (chart === undefined) {
            throw new Error(`chart ${ref.name} ${ref.version} is not in the charts directory ${source.directory} (expected ${ref.name}-${ref.version}.tgz or ${ref.name}/${ref.version}/Chart.yaml)`);
        }
        return { chart, version: ref.version };
    }
    const repository = source?.mirror ?? ref.repository;
    if (repository.startsWith("oci://")) {
        return { chart: `${repository.replace(/\/+$/, "")}/${ref.name}`, version: ref.version };
    }
    return { chart: ref.name, version: ref.version, repositoryOpts: { repo: repository } };
}
