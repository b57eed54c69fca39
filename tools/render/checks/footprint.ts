/**
 * What the stack asks of the cluster: CPU and memory requests and limits per release (and of the
 * workloads the program creates itself, outside any release), in steady
 * state (hook Jobs run once and are listed apart). Pod totals follow Kubernetes' own rule: the
 * larger of the sum of the long-running containers and the largest run-once init container, since
 * init containers finish before the others start. Every container the stack runs, run-once ones
 * included, needs CPU and memory requests (so the scheduler places it where they fit) and limits
 * (so one part cannot starve the others of a node), in every profile; the dev profile must also fit
 * a small laptop cluster, so its total has a budget.
 */
import { containersOf, describeObject, namespaceOf, operatorMainContainer, operatorPodKinds, podTemplateOf } from "../objects";
import { isPlainObject } from "../paths";
import { formatCpu, formatMemory, parseQuantity } from "../quantity";
import { K8sObject } from "../types";
import { CheckInput, CheckResult, FindingList } from "./types";

/** Requests of the dev profile must stay within this, so the stack runs on a 4-CPU/8-GiB laptop cluster next to other things. */
export const devBudget = { cpu: 1.5, memory: 2.5 * 2 ** 30 } as const;

type Amounts = { cpu?: number; memory?: number };

export interface ContainerFootprint {
    name: string;
    image?: string;
    /** A run-once init container (restartable `restartPolicy: Always` sidecars count as long-running). */
    runOnce: boolean;
    requests: Amounts;
    limits: Amounts;
    /** Resources the operator decides and we could not find out. */
    unknown?: boolean;
    /** The Prometheus Operator picks the image (its default for the resource's version): `image` is then only a label. */
    imageByOperator?: boolean;
}

/** The group of the pods the program creates itself; parentheses keep it apart from any release name. */
export const programGroup = "(program)";

export interface PodFootprint {
    /** Release name, or `programGroup` for pods of objects the program creates without Helm. */
    release: string;
    workload: string;
    replicas: number;
    /** Jobs and Helm hooks: they run to completion and are not part of the steady state. */
    runsToCompletion: boolean;
    containers: ContainerFootprint[];
}

function amounts(value: unknown): Amounts {
    if (!isPlainObject(value)) return {};
    return { cpu: parseQuantity(value.cpu), memory: parseQuantity(value.memory) };
}

function fromResources(name: string, resources: unknown, runOnce: boolean, image?: unknown): ContainerFootprint {
    const r = isPlainObject(resources) ? resources : {};
    return { name, runOnce, requests: amounts(r.requests), limits: amounts(r.limits), ...(typeof image === "string" ? { image } : {}) };
}

/** The config-reloader the Prometheus Operator injects, as configured by its `--config-reloader-*` args. */
interface Reloader {
    requests: Amounts;
    limits: Amounts;
    image?: string;
    known: boolean;
}

function findReloader(objects: K8sObject[]): Reloader {
    for (const object of objects) {
        const template = podTemplateOf(object);
        for (const { container } of template ? containersOf(template.spec) : []) {
            const args: string[] = Array.isArray(container.args) ? container.args.map(String) : [];
            const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
            if (!args.some((a) => a.startsWith("--config-reloader-"))) continue;
            const q = (name: string) => {
                const value = parseQuantity(arg(name));
                return value === 0 ? undefined : value; // The operator reads 0 as "no value".
            };
            return {
                requests: { cpu: q("config-reloader-cpu-request"), memory: q("config-reloader-memory-request") },
                limits: { cpu: q("config-reloader-cpu-limit"), memory: q("config-reloader-memory-limit") },
                image: arg("prometheus-config-reloader"),
                known: true,
            };
        }
    }
    return { requests: {}, limits: {}, known: false };
}

/** The containers the operator builds for a Prometheus/Alertmanager/ThanosRuler, with `spec.containers` patches applied by name. */
function operatorContainers(object: K8sObject, reloader: Reloader): ContainerFootprint[] {
    const spec = object.spec as Record<string, any>;
    const reloaderContainer = (name: string, runOnce: boolean): ContainerFootprint => ({
        name,
        runOnce,
        requests: reloader.requests,
        limits: reloader.limits,
        ...(reloader.image ? { image: reloader.image } : { imageByOperator: true }),
        ...(reloader.known ? {} : { unknown: true }),
    });
    const main = fromResources(operatorMainContainer[object.kind], spec.resources, false, spec.image ?? (spec.version ? `${operatorMainContainer[object.kind]}:${spec.version}` : undefined));
    const containers = [spec.image === undefined ? { ...main, imageByOperator: true } : main, reloaderContainer("config-reloader", false)];
    if (object.kind === "Prometheus" && isPlainObject(spec.thanos)) {
        const sidecar = fromResources("thanos-sidecar", spec.thanos.resources, false, spec.thanos.image);
        containers.push(spec.thanos.image === undefined ? { ...sidecar, imageByOperator: true } : sidecar);
    }
    containers.push(reloaderContainer("init-config-reloader", true));
    for (const [field, runOnce] of [
        ["containers", false],
        ["initContainers", true],
    ] as const) {
        for (const patch of Array.isArray(spec[field]) ? spec[field].filter(isPlainObject) : []) {
            const existing = containers.find((c) => c.name === patch.name);
            const patched = fromResources(String(patch.name), patch.resources, runOnce, patch.image);
            if (!existing) containers.push(patched);
            else if (isPlainObject(patch.resources)) Object.assign(existing, { requests: { ...existing.requests, ...patched.requests }, limits: { ...existing.limits, ...patched.limits }, unknown: false });
        }
    }
    return containers;
}

/** Every pod the rendered releases and the program's own objects run, with its containers' resources. */
export function podFootprints(input: CheckInput): PodFootprint[] {
    const reloader = findReloader(input.rendered.flatMap((r) => r.objects));
    const sources = [...input.rendered.map(({ release, objects }) => ({ group: release.releaseName, namespace: release.namespace, objects })), { group: programGroup, namespace: "default", objects: input.model.objects }];
    const pods: PodFootprint[] = [];
    for (const { group, namespace, objects } of sources) {
        for (const object of objects) {
            const template = podTemplateOf(object);
            if (!template) continue;
            const workload = describeObject(object, namespaceOf(object, namespace));
            const containers = operatorPodKinds.has(object.kind)
                ? operatorContainers(object, reloader)
                : containersOf(template.spec)
                      .filter((c) => c.field !== "ephemeralContainers")
                      .map(({ container, field }) => fromResources(String(container.name), container.resources, field === "initContainers" && container.restartPolicy !== "Always", container.image));
            pods.push({ release: group, workload, replicas: template.replicas, runsToCompletion: template.runsToCompletion, containers });
        }
    }
    return pods;
}

/** How findings name a group: `release loki`, or `program objects`. */
function groupLabel(group: string): string {
    return group === programGroup ? "program objects" : `release ${group}`;
}

type Totals = { requests: Required<Amounts>; limits: Required<Amounts> };

/** One pod's effective requests and limits: max(sum of long-running containers, largest run-once init container). */
export function podTotals(containers: ContainerFootprint[]): Totals {
    const pick = (kind: "requests" | "limits", resource: "cpu" | "memory") => {
        const running = containers.filter((c) => !c.runOnce).reduce((sum, c) => sum + (c[kind][resource] ?? 0), 0);
        const init = Math.max(0, ...containers.filter((c) => c.runOnce).map((c) => c[kind][resource] ?? 0));
        return Math.max(running, init);
    };
    return {
        requests: { cpu: pick("requests", "cpu"), memory: pick("requests", "memory") },
        limits: { cpu: pick("limits", "cpu"), memory: pick("limits", "memory") },
    };
}

function missingParts(c: ContainerFootprint): string[] {
    const parts: string[] = [];
    if (c.requests.cpu === undefined) parts.push("cpu request");
    if (c.requests.memory === undefined) parts.push("memory request");
    if (c.limits.cpu === undefined) parts.push("cpu limit");
    if (c.limits.memory === undefined) parts.push("memory limit");
    return parts;
}

function table(rows: string[][]): string[] {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) =>
        r
            .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
            .join("  ")
            .trimEnd(),
    );
}

export function checkFootprint(input: CheckInput): CheckResult {
    const findings = new FindingList("footprint");
    const dev = input.model.profile === "dev";
    const pods = podFootprints(input);
    const steady = pods.filter((p) => !p.runsToCompletion && p.replicas > 0);
    const jobs = pods.filter((p) => p.runsToCompletion);

    const rows = [["release", "pods", "cpu req", "cpu lim", "mem req", "mem lim", "gaps"]];
    const grand = { pods: 0, requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 }, gaps: 0 };
    const groups = [...input.rendered.map((r) => r.release.releaseName), ...(pods.some((p) => p.release === programGroup) ? [programGroup] : [])];
    for (const release of groups) {
        const sum = { pods: 0, requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 }, gaps: 0 };
        for (const pod of steady.filter((p) => p.release === release)) {
            const totals = podTotals(pod.containers);
            sum.pods += pod.replicas;
            for (const kind of ["requests", "limits"] as const) {
                for (const resource of ["cpu", "memory"] as const) sum[kind][resource] += totals[kind][resource] * pod.replicas;
            }
        }
        for (const pod of [...steady, ...jobs].filter((p) => p.release === release)) {
            for (const container of pod.containers) {
                const missing = missingParts(container);
                if (container.unknown) {
                    findings.warning(
                        `${groupLabel(release)}: ${pod.workload}: resources of the operator-injected config-reloader are unknown (no Prometheus Operator Deployment with --config-reloader-* args was rendered)`,
                    );
                    continue;
                }
                if (!missing.length) continue;
                sum.gaps++;
                findings.error(`${groupLabel(release)}: ${pod.workload} container "${container.name}" has no ${missing.join(", ")} (every container needs CPU and memory requests and limits)`);
            }
        }
        rows.push([release, String(sum.pods), formatCpu(sum.requests.cpu), formatCpu(sum.limits.cpu), formatMemory(sum.requests.memory), formatMemory(sum.limits.memory), String(sum.gaps)]);
        grand.pods += sum.pods;
        grand.gaps += sum.gaps;
        for (const kind of ["requests", "limits"] as const) for (const resource of ["cpu", "memory"] as const) grand[kind][resource] += sum[kind][resource];
    }
    rows.push(["total", String(grand.pods), formatCpu(grand.requests.cpu), formatCpu(grand.limits.cpu), formatMemory(grand.requests.memory), formatMemory(grand.limits.memory), String(grand.gaps)]);

    if (dev && grand.requests.cpu > devBudget.cpu + 1e-9) {
        findings.error(`dev profile requests ${formatCpu(grand.requests.cpu)} CPU in total, over the budget of ${formatCpu(devBudget.cpu)}`);
    }
    if (dev && grand.requests.memory > devBudget.memory) {
        findings.error(`dev profile requests ${formatMemory(grand.requests.memory)} memory in total, over the budget of ${formatMemory(devBudget.memory)}`);
    }

    const details = table(rows);
    details.push("(gaps: containers, run-once ones included, without a cpu/memory request or limit; limits count only the containers that set one)");
    if (jobs.length) {
        details.push("run-once pods (Jobs, Helm hooks), not in the total:");
        for (const job of jobs) {
            const t = podTotals(job.containers);
            details.push(`  ${job.release}: ${job.workload} requests ${formatCpu(t.requests.cpu)}/${formatMemory(t.requests.memory)}, limits ${formatCpu(t.limits.cpu)}/${formatMemory(t.limits.memory)}`);
        }
    }
    const images = [...new Set(pods.flatMap((p) => p.containers.map((c) => c.image).filter((i): i is string => Boolean(i))))].sort();
    details.push(`images (${images.length}):`, ...images.map((i) => `  ${i}`));

    return findings.result(
        `${grand.pods} steady-state pod(s) request ${formatCpu(grand.requests.cpu)} CPU and ${formatMemory(grand.requests.memory)}${dev ? ` (dev budget ${formatCpu(devBudget.cpu)}/${formatMemory(devBudget.memory)})` : ""}`,
        details,
    );
}
