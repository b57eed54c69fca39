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
} as const satisfies Record<string, ChartRef>;

/** How a chart reference becomes `helm.v3.Release` arguments (OCI charts carry their registry in `chart`). */
export function releaseChartArgs(ref: ChartRef): { chart: string; version: string; repositoryOpts?: { repo: string } } {
    if (ref.repository.startsWith("oci://")) {
        return { chart: `${ref.repository.replace(/\/$/, "")}/${ref.name}`, version: ref.version };
    }
    return { chart: ref.name, version: ref.version, repositoryOpts: { repo: ref.repository } };
}
