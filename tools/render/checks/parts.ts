/**
 * The platform's parts as the render checks find them: by the chart that renders them, and an
 * operator resource kind or the name of a container. A part a release should render but does not
 * is an error of the check that asks for it, so a chart upgrade that renames a container cannot
 * turn that check into a silent pass.
 */
import { containersOf, Workload } from "../objects";
import { isPlainObject } from "../paths";
import { CollectedRelease } from "../types";
import { CheckInput } from "./types";

/** One part of the platform, and where its chart puts it. */
export interface Part {
    /** What the part is, in messages. */
    role: string;
    chart: string;
    /** Operator CR kind, or the container that runs the part (in `containers`, not an init container). */
    kind?: "Prometheus" | "PrometheusAgent" | "Alertmanager";
    container?: string;
    /** Whether a release of `chart` with these values must render the part. */
    expected: (release: CollectedRelease) => boolean;
}

export const always = () => true;
/** Rendered only when values turn it on: checked when present, not missed when absent. */
export const optional = () => false;
export const lokiMode = (mode: "Monolithic" | "Distributed") => (release: CollectedRelease) => release.values.deploymentMode === mode;
/** kube-prometheus-stack with Prometheus in agent mode (an edge): a PrometheusAgent, no Prometheus, no Alertmanager. */
export const agentMode = (release: CollectedRelease) => isPlainObject(release.values.prometheus) && release.values.prometheus.agentMode === true;
export const notAgentMode = (release: CollectedRelease) => !agentMode(release);

/** Whether `workload` runs `part`: long-running, of the part's chart, and its operator kind or a workload with its container. */
function isPartOf(workload: Workload, part: Part): boolean {
    if (workload.release.chart.name !== part.chart || workload.runsToCompletion) return false;
    if (part.kind) return workload.object.kind === part.kind && workload.object.apiVersion.startsWith("monitoring.coreos.com/");
    if (workload.object.kind === "DaemonSet") return false;
    return containersOf(workload.template.spec).some((c) => c.field === "containers" && c.container.name === part.container);
}

/** The workloads of `release` that run `part`. */
export function partWorkloads(workloads: readonly Workload[], release: CollectedRelease, part: Part): Workload[] {
    return workloads.filter((w) => w.release.releaseName === release.releaseName && isPartOf(w, part));
}

/** The error for a part `release` should render and does not, saying whether the release failed to render or the chart changed. */
export function missingPart(input: CheckInput, release: CollectedRelease, part: Part, lookingFor: string): string {
    const what = part.kind ? `${part.kind} resource` : `workload with a container "${part.container}"`;
    const failed = input.rendered.some((r) => r.release.releaseName === release.releaseName && r.error);
    const note = failed ? " (the release did not render)" : ` (chart changed? the check cannot find ${lookingFor})`;
    return `release ${release.releaseName} (chart ${part.chart} ${release.chart.version}): ${part.role}: no ${what} in the render${note}`;
}
