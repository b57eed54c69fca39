/**
 * Values paths whose contents a chart passes through verbatim (rendered with `toYaml` into a config
 * file) although its values.yaml shows only some of the possible keys, or none. Below these paths
 * the values check accepts any key. Keep the list short: each entry turns off typo detection for
 * everything below it, so each names the template that proves the pass-through.
 */
export interface FreeFormValues {
    /** Chart name (as in `ChartRef.name`). */
    readonly chart: string;
    /** Path segments; `"*"` matches any one key. */
    readonly path: readonly string[];
    /** Why the chart accepts anything here. */
    readonly why: string;
}

export const freeFormValues: readonly FreeFormValues[] = [
    {
        chart: "tempo",
        path: ["tempo", "storage"],
        why: "values.yaml `config` renders `storage: {{ toYaml .Values.tempo.storage }}`: any Tempo storage option (trace.s3.*) is valid; the defaults show only local/wal",
    },
    {
        chart: "tempo",
        path: ["tempo", "receivers"],
        why: "values.yaml `config` renders `distributor.receivers: {{ toYaml .Values.tempo.receivers }}`: any OpenTelemetry receiver (zipkin…) is valid",
    },
    {
        chart: "tempo-distributed",
        path: ["storage", "trace", "s3"],
        why: "values.yaml `config` renders `storage.trace.s3: {{ toYaml .Values.storage.trace.s3 }}` when the backend is s3: any Tempo S3 option is valid; the defaults show none",
    },
    {
        chart: "tempo-distributed",
        path: ["tempo", "podSecurityContext"],
        why: "templates/_pod.tpl and memcached/statefulset-memcached.yaml render it with `toYaml` as the pod's securityContext: any PodSecurityContext field is valid; the defaults show only fsGroup",
    },
    {
        chart: "grafana",
        path: ["grafana.ini"],
        why: "templates/_config.tpl ranges over every section and key of `grafana.ini` into grafana.ini; Grafana has hundreds of settings",
    },
    {
        chart: "grafana",
        path: ["deploymentStrategy"],
        why: "templates/deployment.yaml renders `strategy: {{ toYaml .Values.deploymentStrategy }}`: any DeploymentStrategy field (rollingUpdate) is valid; values.yaml shows only type",
    },
    {
        chart: "tempo",
        path: ["securityContext"],
        why: "templates/statefulset.yaml renders the pod's `securityContext: {{ toYaml .Values.securityContext }}`: any PodSecurityContext field (seccompProfile) is valid",
    },
    {
        chart: "minio",
        path: ["securityContext"],
        why: 'templates/statefulset.yaml and deployment.yaml render `{{ omit .Values.securityContext "enabled" | toYaml }}` as the pod\'s securityContext',
    },
    {
        chart: "minio",
        path: ["containerSecurityContext"],
        why: "templates/statefulset.yaml and deployment.yaml render `{{ toYaml .Values.containerSecurityContext }}` as the server container's securityContext",
    },
    {
        chart: "minio",
        path: ["postJob", "securityContext"],
        why: 'templates/post-job.yaml renders `{{ omit .Values.postJob.securityContext "enabled" | toYaml }}` as the hook pod\'s securityContext',
    },
    {
        chart: "minio",
        path: ["*", "containerSecurityContext"],
        why: "templates/post-job.yaml renders each `<job>.containerSecurityContext` (makeBucketJob, makeUserJob, …) with toYaml as that container's securityContext",
    },
    {
        chart: "prometheus-blackbox-exporter",
        path: ["config", "modules"],
        why: "templates/configmap.yaml renders `{{ toYaml .Values.config }}` as blackbox.yaml: any module (tcp, icmp) is valid; the defaults show only http_2xx",
    },
    {
        chart: "prometheus-pushgateway",
        path: ["securityContext"],
        why: "templates/_helpers.tpl (podSpec) renders the pod's `securityContext: {{ toYaml .Values.securityContext }}`: any PodSecurityContext field (seccompProfile) is valid",
    },
];
