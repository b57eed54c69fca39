/**
 * What the policies know about each chart: where it may come from, which version the project has
 * verified, and, for prod, which values paths hold its durable state, its replica counts and its
 * containers' resources. Pins and repositories come from components/charts.ts, the project's one
 * source of truth, so the pack never drifts from what the program deploys.
 */
import * as path from "path";
import * as semver from "semver";
import { ChartSource, charts } from "../components/charts";
import { at, isObject, isUnknown, Plain, Unknown, unknownValue } from "./inputs";

/** `https://charts.min.io/` and `https://charts.min.io` are the same repository. */
export function normalizeRepository(url: string): string {
    return url.trim().replace(/\/+$/, "").toLowerCase();
}

/** Repositories charts may come from: those of components/charts.ts. */
export const allowedRepositories: readonly string[] = [...new Set(Object.values(charts).map((c) => normalizeRepository(c.repository)))].sort();

/** Where a stack takes its charts from: the upstream repositories, or else its `lgtm:charts` mirror or directory. */
export function allowedChartSources(source: ChartSource | undefined): { readonly repositories: readonly string[]; readonly directory?: string } {
    if (source === undefined) return { repositories: allowedRepositories };
    if ("directory" in source) return { repositories: [], directory: path.resolve(source.directory) };
    return { repositories: [normalizeRepository(source.mirror)] };
}

/**
 * The chart source the stack configures (`lgtm:charts`), from the stack config the engine hands
 * every policy pack in PULUMI_CONFIG; undefined when it sets none. The program validated it.
 */
export function stackChartSource(env: NodeJS.ProcessEnv = process.env): ChartSource | undefined {
    const config = env.PULUMI_CONFIG ? (JSON.parse(env.PULUMI_CONFIG) as Record<string, string>) : {};
    const raw = config[`${env.PULUMI_PROJECT ?? "lgtm"}:charts`];
    if (raw === undefined) return undefined;
    const source = JSON.parse(raw) as { mirror?: unknown; directory?: unknown };
    if (typeof source.mirror === "string") return { mirror: source.mirror };
    if (typeof source.directory === "string") return { directory: source.directory };
    return undefined;
}

/** Chart name → the version the project deploys and has verified (render + verify, tests). */
export const verifiedVersions: Readonly<Record<string, string>> = Object.fromEntries(Object.values(charts).map((c) => [c.name, c.version]));

/** An exact chart version (`1.2.3`, `v1.2.3`, `1.2.3-rc.1`, `1.2.3+build`), never a range or `latest`. */
export function isExactVersion(version: string): boolean {
    return semver.valid(version) !== null;
}

/** Semantic-version order of two exact versions (build metadata ignored; a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
    for (const version of [a, b]) if (!isExactVersion(version)) throw new Error(`not an exact version: "${version}"`);
    return semver.compare(a, b);
}

// ---- prod requirements per chart -------------------------------------------------------------

type Path = readonly string[];
/** Whether a requirement applies, given the release's values; unknown skips it during preview. */
export type Condition = (values: Plain | undefined) => boolean | Unknown;

/** One thing prod asks of a chart's values. `label` names the workload in messages. */
export type Requirement = { readonly label: string; readonly path: Path; readonly when?: Condition } & (
    | { readonly kind: "true" }
    | { readonly kind: "present" }
    | { readonly kind: "atLeast"; readonly min: number }
    | { readonly kind: "oneOf"; readonly values: readonly string[]; readonly absent: string }
    | { readonly kind: "sized" }
);

export interface ChartRules {
    /** Durable state that must sit on a PersistentVolumeClaim. */
    readonly persistence: readonly Requirement[];
    /** Replica counts (and modes) the prod profile's high availability rests on. */
    readonly replicas: readonly Requirement[];
    /** Every container the chart runs with such values, by the path of its `resources`. */
    readonly resources: readonly Requirement[];
}

/** `path` is `true`, or absent and on by the chart's default. */
const enabled =
    (path: Path, chartDefault: boolean): Condition =>
    (values) => {
        const v = at(values, path);
        return isUnknown(v) ? unknownValue : v === undefined ? chartDefault : v === true;
    };
/** The workload at `path` runs: `replicas` above zero (absent: the chart's default). */
const running =
    (path: Path, chartDefault: number): Condition =>
    (values) => {
        const v = at(values, [...path, "replicas"]);
        return isUnknown(v) ? unknownValue : (typeof v === "number" ? v : chartDefault) > 0;
    };
const equals =
    (path: Path, value: string, absent: string): Condition =>
    (values) => {
        const v = at(values, path);
        return isUnknown(v) ? unknownValue : (v ?? absent) === value;
    };
const present: (path: Path) => Condition = (path) => (values) => {
    const v = at(values, path);
    return isUnknown(v) ? unknownValue : isObject(v);
};
function all(...conditions: Condition[]): Condition {
    return (values) => {
        const results = conditions.map((c) => c(values));
        return results.includes(false) ? false : results.some(isUnknown) ? unknownValue : true;
    };
}
function any(...conditions: Condition[]): Condition {
    return (values) => {
        const results = conditions.map((c) => c(values));
        return results.includes(true) ? true : results.some(isUnknown) ? unknownValue : false;
    };
}

const sized = (label: string, path: Path, when?: Condition): Requirement => ({ kind: "sized", label, path: [...path, "resources"], when });

/** Loki targets that run in Distributed mode (bloom, pattern and overrides ones only when given replicas). */
const lokiTargets = [
    "ingester",
    "distributor",
    "querier",
    "queryFrontend",
    "queryScheduler",
    "indexGateway",
    "compactor",
    "ruler",
    "bloomGateway",
    "bloomPlanner",
    "bloomBuilder",
    "patternIngester",
    "overridesExporter",
] as const;
/** Loki targets that must be redundant in prod; the compactor must run exactly once. */
const lokiRedundantTargets = ["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "ruler"] as const;
const lokiMonolithic = equals(["deploymentMode"], "Monolithic", "Monolithic");
const lokiDistributed = equals(["deploymentMode"], "Distributed", "Monolithic");
/** Modes whose workloads the rules below know; the transitional and SimpleScalable modes are not used here. */
const lokiModes: Requirement = { kind: "oneOf", label: "Loki", path: ["deploymentMode"], values: ["Monolithic", "Distributed"], absent: "Monolithic" };

/** tempo-distributed parts that must be redundant in prod; its compactor shards over a ring, one is enough. */
const tempoRedundantTargets = ["distributor", "ingester", "querier", "queryFrontend"] as const;
const tempoGenerator = enabled(["metricsGenerator", "enabled"], false);

const kpsAlertmanager = enabled(["alertmanager", "enabled"], true);

/** Keyed by chart name (as in components/charts.ts). Chart defaults quoted here are those of the pinned versions. */
export const chartRules: Readonly<Record<string, ChartRules>> = {
    minio: {
        persistence: [{ kind: "true", label: "MinIO data", path: ["persistence", "enabled"] }],
        replicas: [
            // Erasure coding, and so surviving the loss of a pod, needs distributed mode on at least 4 drives.
            { kind: "oneOf", label: "MinIO", path: ["mode"], values: ["distributed"], absent: "standalone" },
            { kind: "atLeast", label: "MinIO", path: ["replicas"], min: 4, when: equals(["mode"], "distributed", "standalone") },
        ],
        resources: [
            sized("MinIO", []),
            // The post-install Job runs one container per task; each may run.
            ...["makeBucketJob", "makePolicyJob", "makeUserJob", "makeServiceAccountJob", "customCommandJob"].map((job) => sized(`MinIO ${job}`, [job])),
        ],
    },
    "prometheus-operator-crds": { persistence: [], replicas: [], resources: [] },
    "kube-prometheus-stack": {
        persistence: [
            { kind: "present", label: "Prometheus TSDB", path: ["prometheus", "prometheusSpec", "storageSpec", "volumeClaimTemplate"] },
            { kind: "present", label: "Alertmanager state", path: ["alertmanager", "alertmanagerSpec", "storage", "volumeClaimTemplate"], when: kpsAlertmanager },
        ],
        replicas: [
            { kind: "atLeast", label: "Prometheus", path: ["prometheus", "prometheusSpec", "replicas"], min: 2 },
            { kind: "atLeast", label: "Alertmanager", path: ["alertmanager", "alertmanagerSpec", "replicas"], min: 2, when: kpsAlertmanager },
        ],
        resources: [
            sized("Prometheus", ["prometheus", "prometheusSpec"]),
            sized("Thanos sidecar", ["prometheus", "prometheusSpec", "thanos"], present(["prometheus", "prometheusSpec", "thanos"])),
            sized("Alertmanager", ["alertmanager", "alertmanagerSpec"], kpsAlertmanager),
            sized("Prometheus Operator", ["prometheusOperator"], enabled(["prometheusOperator", "enabled"], true)),
            sized("config reloader", ["prometheusOperator", "prometheusConfigReloader"], enabled(["prometheusOperator", "enabled"], true)),
            sized("admission webhook Job", ["prometheusOperator", "admissionWebhooks", "patch"], enabled(["prometheusOperator", "enabled"], true)),
            sized("kube-state-metrics", ["kube-state-metrics"], enabled(["kubeStateMetrics", "enabled"], true)),
            sized("node-exporter", ["prometheus-node-exporter"], enabled(["nodeExporter", "enabled"], true)),
        ],
    },
    thanos: {
        persistence: [
            { kind: "true", label: "Thanos store gateway", path: ["storeGateway", "persistence", "enabled"], when: enabled(["storeGateway", "enabled"], true) },
            { kind: "true", label: "Thanos compactor", path: ["compact", "persistence", "enabled"], when: enabled(["compact", "enabled"], false) },
            { kind: "true", label: "Thanos ruler", path: ["rule", "persistence", "enabled"], when: enabled(["rule", "enabled"], false) },
        ],
        replicas: [
            { kind: "atLeast", label: "Thanos query", path: ["query", "replicas"], min: 2, when: enabled(["query", "enabled"], true) },
            { kind: "atLeast", label: "Thanos query-frontend", path: ["queryFrontend", "replicas"], min: 2, when: enabled(["queryFrontend", "enabled"], false) },
            { kind: "atLeast", label: "Thanos store gateway", path: ["storeGateway", "replicas"], min: 2, when: enabled(["storeGateway", "enabled"], true) },
            { kind: "atLeast", label: "Thanos ruler", path: ["rule", "replicas"], min: 2, when: enabled(["rule", "enabled"], false) },
        ],
        resources: [
            sized("Thanos query", ["query"], enabled(["query", "enabled"], true)),
            sized("Thanos query-frontend", ["queryFrontend"], enabled(["queryFrontend", "enabled"], false)),
            sized("Thanos store gateway", ["storeGateway"], enabled(["storeGateway", "enabled"], true)),
            sized("Thanos compactor", ["compact"], enabled(["compact", "enabled"], false)),
            sized("Thanos ruler", ["rule"], enabled(["rule", "enabled"], false)),
            sized("Thanos ruler config reloader", ["rule", "configReloader"], all(enabled(["rule", "enabled"], false), enabled(["rule", "configReloader", "enabled"], true))),
            sized("Thanos receive", ["receive"], enabled(["receive", "enabled"], false)),
        ],
    },
    loki: {
        persistence: [
            lokiModes,
            { kind: "true", label: "Loki single binary", path: ["singleBinary", "persistence", "enabled"], when: lokiMonolithic },
            { kind: "true", label: "Loki ingester WAL", path: ["ingester", "persistence", "enabled"], when: lokiDistributed },
        ],
        replicas: [
            lokiModes,
            { kind: "atLeast", label: "Loki single binary", path: ["singleBinary", "replicas"], min: 2, when: lokiMonolithic },
            ...lokiRedundantTargets.map((t): Requirement => ({ kind: "atLeast", label: `Loki ${t}`, path: [t, "replicas"], min: 2, when: lokiDistributed })),
            { kind: "atLeast", label: "Loki gateway", path: ["gateway", "replicas"], min: 2, when: enabled(["gateway", "enabled"], true) },
        ],
        resources: [
            sized("Loki single binary", ["singleBinary"], running(["singleBinary"], 0)),
            ...["read", "write", "backend", ...lokiTargets].map((t) => sized(`Loki ${t}`, [t], running([t], 0))),
            sized("Loki gateway", ["gateway"], enabled(["gateway", "enabled"], true)),
            sized("Loki gateway access-log exporter", ["gateway", "metrics"], all(enabled(["gateway", "enabled"], true), enabled(["gateway", "metrics", "enabled"], true))),
            sized("Loki canary", ["lokiCanary"], enabled(["lokiCanary", "enabled"], true)),
            // The rules sidecar runs in the pods that evaluate rules (single binary, backend or ruler).
            sized("Loki rules sidecar", ["sidecar"], enabled(["sidecar", "rules", "enabled"], true)),
            sized("memcached exporter", ["memcachedExporter"], all(enabled(["memcachedExporter", "enabled"], true), any(enabled(["chunksCache", "enabled"], true), enabled(["resultsCache", "enabled"], true)))),
            sized("Loki chunks cache", ["chunksCache"], enabled(["chunksCache", "enabled"], true)),
            sized("Loki results cache", ["resultsCache"], enabled(["resultsCache", "enabled"], true)),
            // The subchart that restarts zone-aware ingesters one zone at a time.
            sized("Loki rollout-operator", ["rollout_operator"], enabled(["rollout_operator", "enabled"], false)),
        ],
    },
    tempo: {
        persistence: [{ kind: "true", label: "Tempo WAL", path: ["persistence", "enabled"] }],
        // Monolithic Tempo runs one replica by design; the profile promises no HA for traces.
        replicas: [],
        resources: [sized("Tempo", ["tempo"]), sized("tempo-query", ["tempoQuery"], enabled(["tempoQuery", "enabled"], false))],
    },
    "tempo-distributed": {
        persistence: [
            { kind: "true", label: "Tempo ingester WAL", path: ["ingester", "persistence", "enabled"] },
            // Samples the generator has not remote-written yet; only a StatefulSet can hold them on a volume.
            { kind: "oneOf", label: "Tempo metrics generator", path: ["metricsGenerator", "kind"], values: ["StatefulSet"], absent: "Deployment", when: tempoGenerator },
            { kind: "true", label: "Tempo metrics generator WAL", path: ["metricsGenerator", "persistence", "enabled"], when: tempoGenerator },
        ],
        replicas: [
            ...tempoRedundantTargets.map((t): Requirement => ({ kind: "atLeast", label: `Tempo ${t}`, path: [t, "replicas"], min: 2 })),
            { kind: "atLeast", label: "Tempo memcached", path: ["memcached", "replicas"], min: 2, when: enabled(["memcached", "enabled"], true) },
        ],
        resources: [
            ...["distributor", "ingester", "querier", "queryFrontend", "compactor"].map((t) => sized(`Tempo ${t}`, [t])),
            sized("Tempo metrics generator", ["metricsGenerator"], tempoGenerator),
            sized("Tempo memcached", ["memcached"], enabled(["memcached", "enabled"], true)),
            sized("memcached exporter", ["memcachedExporter"], all(enabled(["memcached", "enabled"], true), enabled(["memcachedExporter", "enabled"], false))),
            sized("Tempo gateway", ["gateway"], enabled(["gateway", "enabled"], false)),
        ],
    },
    grafana: {
        // Its SQLite file (the chart's default database) needs a volume; an external database keeps the state elsewhere.
        persistence: [{ kind: "true", label: "Grafana database (SQLite)", path: ["persistence", "enabled"], when: equals(["grafana.ini", "database", "type"], "sqlite3", "sqlite3") }],
        // One replica is prod's default (several need an external database, which the stack config requires).
        replicas: [],
        resources: [
            sized("Grafana", []),
            sized("Grafana sidecar", ["sidecar"], any(...["dashboards", "datasources", "notifiers", "alerts", "plugins"].map((s) => enabled(["sidecar", s, "enabled"], false)))),
            sized("Grafana init-chown", ["initChownData"], all(enabled(["persistence", "enabled"], false), enabled(["initChownData", "enabled"], true))),
        ],
    },
    alloy: {
        // A node agent: its positions file sits on the node (hostPath), one pod per node by design.
        persistence: [],
        replicas: [],
        resources: [sized("Alloy", ["alloy"]), sized("Alloy config reloader", ["configReloader"], enabled(["configReloader", "enabled"], true))],
    },
    // Deployed only when a stack declares probes (lgtm:probes): stateless, one exporter (a restart pauses probes, BlackboxExporterDown says so).
    "prometheus-blackbox-exporter": {
        persistence: [],
        replicas: [],
        resources: [sized("blackbox exporter", []), sized("blackbox exporter config reloader", ["configReloader"], enabled(["configReloader", "enabled"], false))],
    },
    // Deployed only with lgtm:pushgateway.enabled: one instance by design (pushes spread over several would each hold a part).
    "prometheus-pushgateway": {
        persistence: [{ kind: "true", label: "Pushgateway pushed groups", path: ["persistentVolume", "enabled"] }],
        replicas: [],
        resources: [sized("Pushgateway", [])],
    },
};

const resourceFields = [
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "cpu"],
    ["limits", "memory"],
] as const;

function describe(value: Plain | undefined): string {
    return value === undefined ? "not set" : JSON.stringify(value);
}

/**
 * Checks one requirement against a release's values: a message when it is not met, nothing when it
 * is met, does not apply, or cannot be decided because a value it needs is unknown.
 */
export function unmet(r: Requirement, values: Plain | undefined): string | undefined {
    if (isUnknown(values)) return undefined;
    const applies = r.when ? r.when(values) : true;
    if (applies !== true) return undefined;
    const value = at(values, r.path);
    if (isUnknown(value)) return undefined;
    const where = `values.${r.path.join(".")}`;
    switch (r.kind) {
        case "true":
            return value === true ? undefined : `${r.label}: ${where} must be true, is ${describe(value)}`;
        case "present":
            return isObject(value) && Object.keys(value).length > 0 ? undefined : `${r.label}: ${where} must be set, is ${describe(value)}`;
        case "atLeast":
            return typeof value === "number" && value >= r.min ? undefined : `${r.label}: ${where} must be at least ${r.min}, is ${describe(value)}`;
        case "oneOf": {
            const actual = value ?? r.absent;
            return r.values.includes(actual as string)
                ? undefined
                : `${r.label}: ${where} must be ${r.values.map((v) => JSON.stringify(v)).join(" or ")}, is ${JSON.stringify(actual)}${value === undefined ? " (the chart's default)" : ""}`;
        }
        case "sized": {
            const missing = resourceFields.filter((f) => {
                const v = at(value, f);
                return !isUnknown(v) && (v === undefined || v === null || v === "");
            });
            return missing.length ? `${r.label}: ${where} lacks ${missing.map((f) => f.join(".")).join(", ")}` : undefined;
        }
    }
}
