/**
 * Durable state on volumes that outlive the pod (prod): a TSDB, a write-ahead log, a compactor's
 * bookkeeping or Grafana's database on an emptyDir is lost whenever its pod is rescheduled, which
 * in a cluster with node upgrades is "regularly". Each stateful part (found as parts.ts says) must
 * mount its data directory from a PersistentVolumeClaim, unless the values move that state out of
 * the pod (Grafana on an external database).
 */
import { containersOf, Workload, workloadsOf } from "../objects";
import { isPlainObject } from "../paths";
import { CollectedRelease } from "../types";
import { agentMode, always, lokiMode, missingPart, notAgentMode, optional, Part, partWorkloads } from "./parts";
import { CheckInput, CheckResult, FindingList } from "./types";

/** A part of the platform that keeps durable state, and where its chart puts it. */
export interface StatefulPart extends Part {
    /** What is lost without a volume. */
    role: string;
    /** Data directory of `container`. */
    path?: string;
    /** Where the state lives instead when these values move it out of the pod (then no volume is needed), else undefined. */
    keptElsewhere?: (release: CollectedRelease) => string | undefined;
}

/** Grafana with a database other than its own SQLite file keeps its state there. */
const grafanaDatabase = (release: CollectedRelease): string | undefined => {
    const ini = release.values["grafana.ini"];
    const database = isPlainObject(ini) && isPlainObject(ini.database) ? ini.database : {};
    const type = typeof database.type === "string" ? database.type : "sqlite3";
    return type === "sqlite3" ? undefined : `in its ${type} database at ${String(database.host)}`;
};

/**
 * Data directories per chart: the Loki chart sets `path_prefix: /var/loki`, Tempo keeps its WAL
 * under /var/tempo, the Thanos chart passes `--data-dir=/var/thanos/<component>`, Grafana's
 * SQLite database and plugins live in /var/lib/grafana, MinIO serves /export, the Pushgateway's
 * chart mounts its volume at /data.
 */
export const statefulParts: readonly StatefulPart[] = [
    { role: "Prometheus TSDB", chart: "kube-prometheus-stack", kind: "Prometheus", expected: notAgentMode },
    { role: "Alertmanager silences and notification log", chart: "kube-prometheus-stack", kind: "Alertmanager", expected: notAgentMode },
    // An edge's samples not yet sent to the central platform: they must outlive a restart of the agent.
    { role: "Prometheus agent WAL", chart: "kube-prometheus-stack", kind: "PrometheusAgent", expected: agentMode },
    { role: "Loki single binary (WAL, index, compactor state)", chart: "loki", container: "loki", path: "/var/loki", expected: lokiMode("Monolithic") },
    { role: "Loki ingester WAL", chart: "loki", container: "ingester", path: "/var/loki", expected: lokiMode("Distributed") },
    { role: "Loki compactor (retention and delete-request state)", chart: "loki", container: "compactor", path: "/var/loki", expected: lokiMode("Distributed") },
    { role: "Tempo WAL", chart: "tempo", container: "tempo", path: "/var/tempo", expected: always },
    { role: "Tempo ingester WAL", chart: "tempo-distributed", container: "ingester", path: "/var/tempo", expected: always },
    // Samples of service graphs and span metrics not yet remote-written to Prometheus.
    { role: "Tempo metrics generator WAL", chart: "tempo-distributed", container: "metrics-generator", path: "/var/tempo", expected: always },
    { role: "Thanos compactor working directory", chart: "thanos", container: "thanos-compact", path: "/var/thanos/compact", expected: always },
    { role: "Thanos store gateway index cache", chart: "thanos", container: "thanos-store-gateway", path: "/var/thanos/store", expected: always },
    // The ruler is optional; when it runs, its TSDB holds up to two hours of rule results not yet uploaded.
    { role: "Thanos ruler TSDB", chart: "thanos", container: "thanos-rule", path: "/var/thanos/rule", expected: optional },
    { role: "Grafana database and plugins", chart: "grafana", container: "grafana", path: "/var/lib/grafana", expected: always, keptElsewhere: grafanaDatabase },
    { role: "MinIO object data", chart: "minio", container: "minio", path: "/export", expected: always },
    // The last results of batch jobs (lgtm:pushgateway), written to --persistence.file under the chart's mountPath.
    { role: "Pushgateway pushed groups", chart: "prometheus-pushgateway", container: "pushgateway", path: "/data", expected: always },
];

/** Where a workload keeps `part`'s data: "PersistentVolumeClaim …" when durable, else a problem. */
function dataVolume(workload: Workload, part: StatefulPart): { ok: boolean; text: string } {
    const spec = workload.object.spec as Record<string, any>;
    if (part.kind) {
        const storage = isPlainObject(spec.storage) ? spec.storage : {};
        if (isPlainObject(storage.volumeClaimTemplate)) return { ok: true, text: "spec.storage.volumeClaimTemplate" };
        if (isPlainObject(storage.ephemeral)) return { ok: false, text: "spec.storage.ephemeral: a generic ephemeral volume, deleted with the pod" };
        return { ok: false, text: `${isPlainObject(storage.emptyDir) ? "spec.storage.emptyDir" : "no spec.storage, so the operator mounts an emptyDir"}: lost when the pod moves` };
    }
    const entry = containersOf(workload.template.spec).find((c) => c.field === "containers" && c.container.name === part.container)!;
    const mounts = Array.isArray(entry.container.volumeMounts) ? entry.container.volumeMounts.filter(isPlainObject) : [];
    const covering = mounts
        .map((m) => ({ name: String(m.name), path: String(m.mountPath ?? "").replace(/\/+$/, "") }))
        .filter((m) => part.path === m.path || part.path!.startsWith(`${m.path}/`))
        .sort((a, b) => b.path.length - a.path.length)[0];
    const where = `container "${part.container}" ${part.path}`;
    if (!covering) return { ok: false, text: `${where} is not on any volume: the data is written to the container's own filesystem and lost on restart` };
    const claims = Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates.filter(isPlainObject) : [];
    if (workload.object.kind === "StatefulSet" && claims.some((c) => isPlainObject(c.metadata) && c.metadata.name === covering.name)) {
        return { ok: true, text: `${where} on volumeClaimTemplate "${covering.name}"` };
    }
    const volumes = Array.isArray(workload.template.spec.volumes) ? workload.template.spec.volumes.filter(isPlainObject) : [];
    const volume = volumes.find((v) => v.name === covering.name);
    if (!volume) return { ok: false, text: `${where} is mounted from volume "${covering.name}", which the pod does not declare` };
    if (isPlainObject(volume.persistentVolumeClaim)) return { ok: true, text: `${where} on PersistentVolumeClaim "${volume.persistentVolumeClaim.claimName}"` };
    const type = Object.keys(volume).find((k) => k !== "name") ?? "unknown";
    const why = type === "emptyDir" ? "lost when the pod moves" : type === "ephemeral" ? "a generic ephemeral volume, deleted with the pod" : "not a PersistentVolumeClaim";
    return { ok: false, text: `${where} is on ${type} volume "${covering.name}": ${why}` };
}

export function checkDurableState(input: CheckInput): CheckResult {
    const findings = new FindingList("durableState");
    const prod = input.model.profile !== "dev";
    const workloads = workloadsOf(input.rendered);
    const details: string[] = [];
    let found = 0;
    let durable = 0;
    for (const release of input.model.releases) {
        for (const part of statefulParts.filter((p) => p.chart === release.chart.name)) {
            const elsewhere = part.keptElsewhere?.(release);
            if (elsewhere !== undefined) {
                details.push(`EXTERNAL ${part.role}: release ${release.releaseName} keeps it ${elsewhere}, not in the pod: no volume needed`);
                continue;
            }
            const matches = partWorkloads(workloads, release, part);
            if (matches.length === 0) {
                if (prod && part.expected(release)) findings.error(missingPart(input, release, part, "where it keeps its data"));
                continue;
            }
            for (const workload of matches) {
                const volume = dataVolume(workload, part);
                found++;
                if (volume.ok) durable++;
                details.push(`${volume.ok ? "PVC     " : "NOT PVC "} ${part.role}: ${workload.name}: ${volume.text}`);
                if (prod && !volume.ok) findings.error(`${workload.name}: ${part.role}: ${volume.text}`);
            }
        }
    }
    const scope = prod ? "" : " (the dev profile keeps them on emptyDir by design: not checked)";
    return findings.result(`${durable} of ${found} stateful workload(s) keep their data on PersistentVolumeClaims${scope}`, details);
}
