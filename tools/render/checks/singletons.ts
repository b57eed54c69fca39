/**
 * Compactors are singletons per bucket. Two Thanos compactors on one bucket take no lock and
 * produce overlapping blocks, which halts compaction (thanos-io/thanos#4778); none means no
 * downsampling and no retention, so the bucket grows forever. Loki's compactor applies retention
 * and deletes: Distributed mode runs it as exactly one replica, and a bucket must have exactly one
 * Loki installation compacting it. Where Loki embeds the compactor in a scaled target (`all`,
 * `backend`), its compactor ring elects one instance, so such a workload counts once.
 */
import { parse } from "yaml";
import { allObjects, containersOf, dataEntries, Workload, workloadsOf } from "../objects";
import { getPath, isPlainObject } from "../paths";
import { mountedSecretKey } from "./objectStorage";
import { CheckInput, CheckResult, FindingList } from "./types";

/** Thanos subcommands that read or write a bucket. */
const thanosBucketCommands = new Set(["compact", "store", "rule", "sidecar", "receive"]);
/** Loki targets that run the compactor inside another process. */
const embeddingTargets = new Set(["all", "backend"]);

interface Instance {
    workload: string;
    /** Compactor instances it contributes (replicas, or 1 when ring-elected). */
    count: number;
    /** Loki's compactor ring elects one of the workload's replicas. */
    ringElected?: boolean;
}

function bucketOfDocument(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    try {
        const bucket = getPath(parse(text), ["config", "bucket"]);
        return typeof bucket === "string" && bucket ? bucket : undefined;
    } catch {
        return undefined; // The objectStorage check reports unparsable documents.
    }
}

export function checkSingletons(input: CheckInput): CheckResult {
    const findings = new FindingList("singletons");
    const objects = allObjects(input.model, input.rendered);
    const secretKey = (namespace: string, name: string, key: string) => {
        const found = objects.find(({ object, namespace: ns }) => object.kind === "Secret" && ns === namespace && object.metadata.name === name);
        return found ? dataEntries(found.object)[key] : undefined;
    };
    const workloads = workloadsOf(input.rendered).filter((w) => !w.runsToCompletion);

    // Thanos: every bucket any Thanos component uses, and the compactors on each.
    const thanosBuckets = new Map<string, { users: Set<string>; compactors: Instance[] }>();
    const useBucket = (bucket: string | undefined, user: string) => {
        if (!bucket) return undefined;
        const entry = thanosBuckets.get(bucket) ?? { users: new Set<string>(), compactors: [] };
        entry.users.add(user);
        thanosBuckets.set(bucket, entry);
        return entry;
    };
    const unresolved: string[] = [];
    for (const w of workloads) {
        const sidecar = getPath(w.object, ["spec", "thanos", "objectStorageConfig"]);
        if (w.object.kind === "Prometheus" && isPlainObject(sidecar)) {
            useBucket(bucketOfDocument(secretKey(w.namespace, String(sidecar.name), String(sidecar.key))), `${w.name} thanos sidecar`);
        }
        for (const { container } of containersOf(w.template.spec).filter((c) => c.field === "containers")) {
            const args = Array.isArray(container.args) ? container.args.map(String) : [];
            if (!thanosBucketCommands.has(args[0])) continue;
            const inline = args.find((a) => a.startsWith("--objstore.config="))?.slice("--objstore.config=".length);
            const file = args.find((a) => a.startsWith("--objstore.config-file="))?.slice("--objstore.config-file=".length);
            const source = file ? mountedSecretKey(w.template.spec, container, file) : undefined;
            const bucket = bucketOfDocument(inline ?? (source ? secretKey(w.namespace, source.secret, source.key) : undefined));
            const entry = useBucket(bucket, `${w.name} (thanos ${args[0]})`);
            if (args[0] !== "compact") continue;
            if (!entry) unresolved.push(`${w.name} container "${container.name}"`);
            else entry.compactors.push({ workload: w.name, count: w.template.replicas });
            if (w.template.replicas > 1) findings.error(`${w.name}: Thanos compactor runs ${w.template.replicas} replicas; it must run exactly one`);
        }
    }
    for (const where of unresolved) findings.error(`${where}: Thanos compactor whose bucket cannot be found (no --objstore.config or mounted Secret with config.bucket)`);
    for (const [bucket, { users, compactors }] of thanosBuckets) {
        const total = compactors.reduce((n, c) => n + c.count, 0);
        if (total === 0) findings.error(`Thanos bucket "${bucket}" has no compactor: blocks are never compacted, downsampled or deleted (used by ${[...users].join(", ")})`);
        else if (total > 1) findings.error(`Thanos bucket "${bucket}" has ${total} compactor instances (${compactors.map((c) => `${c.workload} ×${c.count}`).join(", ")}): exactly one may compact a bucket`);
    }

    // Loki: the chunks bucket of every Loki release, and the compactors of the releases writing to it.
    const lokiBuckets = new Map<string, { releases: string[]; compactors: Instance[] }>();
    for (const release of input.model.releases.filter((r) => r.chart.name === "loki")) {
        const bucket = String(getPath(release.values, ["loki", "storage", "bucketNames", "chunks"]) ?? `(filesystem of release ${release.releaseName})`);
        const entry = lokiBuckets.get(bucket) ?? { releases: [], compactors: [] };
        entry.releases.push(release.releaseName);
        for (const w of workloads.filter((x) => x.release.releaseName === release.releaseName)) {
            const instance = lokiCompactor(w);
            if (instance) entry.compactors.push(instance);
            if (instance && !instance.ringElected && w.template.replicas !== 1) {
                findings.error(`${w.name}: Loki compactor runs ${w.template.replicas} replicas; Distributed mode needs exactly one`);
            }
        }
        lokiBuckets.set(bucket, entry);
    }
    for (const [bucket, { releases, compactors }] of lokiBuckets) {
        const total = compactors.reduce((n, c) => n + c.count, 0);
        if (total === 0) findings.error(`Loki bucket "${bucket}" (release ${releases.join(", ")}) has no compactor: retention and deletes are never applied`);
        else if (compactors.length > 1) {
            findings.error(`Loki bucket "${bucket}" is compacted by ${compactors.length} workloads (${compactors.map((c) => c.workload).join(", ")}): exactly one may compact a bucket`);
        }
    }
    const details = [
        ...[...thanosBuckets].map(([bucket, e]) => `Thanos bucket ${bucket}: ${e.compactors.map((c) => `${c.workload} ×${c.count}`).join(", ") || "no compactor"}`),
        ...[...lokiBuckets].map(([bucket, e]) => `Loki bucket ${bucket}: ${e.compactors.map((c) => `${c.workload}${c.ringElected ? " (ring-elected)" : ` ×${c.count}`}`).join(", ") || "no compactor"}`),
    ];
    return findings.result(`${thanosBuckets.size} Thanos and ${lokiBuckets.size} Loki bucket(s) checked for exactly one compactor`, details);
}

/** The compactor a Loki workload runs, if any (`-target=` lists the modules; `all` and `backend` embed it). */
function lokiCompactor(w: Workload): Instance | undefined {
    for (const { container } of containersOf(w.template.spec).filter((c) => c.field === "containers")) {
        const args = Array.isArray(container.args) ? container.args.map(String) : [];
        if (!args.some((a) => a.startsWith("-config.file="))) continue;
        const targets = (args.find((a) => a.startsWith("-target="))?.slice("-target=".length) ?? "all").split(",");
        if (targets.includes("compactor")) return { workload: w.name, count: w.template.replicas, ringElected: false };
        if (targets.some((t) => embeddingTargets.has(t)) && w.template.replicas > 0) return { workload: w.name, count: 1, ringElected: true };
    }
    return undefined;
}
