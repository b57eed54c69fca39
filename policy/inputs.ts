/**
 * What the policies see of a Helm release: its inputs as plain data, with every value that is not
 * known yet (during `pulumi preview`) replaced by one marker. Pure: no Pulumi SDK here, so the
 * policies can be tested by calling them on the inputs the program produces under mocks.
 */

/** Stands for a value that is not known until the update runs (an output of a resource not yet created). */
export const unknownValue: unique symbol = Symbol("unknown during preview");
type Unknown = typeof unknownValue;

/** Plain data as the engine sends it (JSON), where any part may be unknown. */
export type Plain = null | boolean | number | string | Unknown | Plain[] | { [key: string]: Plain };

/** The inputs of a `kubernetes:helm.sh/v3:Release` the policies read. */
export interface ReleaseInputs {
    readonly name?: Plain;
    readonly namespace?: Plain;
    readonly chart?: Plain;
    readonly version?: Plain;
    readonly repositoryOpts?: Plain;
    readonly values?: Plain;
    readonly valueYamlFiles?: Plain;
}

export const releaseType = "kubernetes:helm.sh/v3:Release";

export function isUnknown(value: unknown): value is Unknown {
    return value === unknownValue;
}

export function isObject(value: unknown): value is { [key: string]: Plain } {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Copies resource inputs into plain data. The policy SDK hands policies a proxy that throws on
 * reading a value unknown during preview; `isUnknownAccess` tells such an error apart, and the value
 * becomes `unknownValue`, so a check skips that one value instead of the whole resource.
 */
export function toPlain(value: unknown, isUnknownAccess: (error: unknown) => boolean): Plain {
    if (typeof value !== "object" || value === null) {
        return typeof value === "boolean" || typeof value === "number" || typeof value === "string" ? value : null;
    }
    const read = (get: () => unknown): Plain => {
        try {
            return toPlain(get(), isUnknownAccess);
        } catch (error) {
            if (isUnknownAccess(error)) return unknownValue;
            throw error;
        }
    };
    if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => read(() => value[i]));
    const copy: { [key: string]: Plain } = {};
    for (const key of Object.keys(value)) copy[key] = read(() => (value as Record<string, unknown>)[key]);
    return copy;
}

/**
 * The value at `path` below `root`: `undefined` when a step is missing, `unknownValue` when a step
 * is unknown (then nothing below it can be known either).
 */
export function at(root: Plain | undefined, path: readonly string[]): Plain | undefined {
    let node: Plain | undefined = root;
    for (const key of path) {
        if (isUnknown(node)) return unknownValue;
        if (!isObject(node)) return undefined;
        node = node[key];
    }
    return node;
}

/** Every leaf (string, number, boolean, null or unknown) below `root`, with its path. */
export function* leaves(root: Plain | undefined, path: string[] = []): Generator<{ path: string[]; value: Plain }> {
    if (root === undefined) return;
    if (Array.isArray(root)) {
        for (let i = 0; i < root.length; i++) yield* leaves(root[i], [...path, String(i)]);
    } else if (isObject(root)) {
        for (const [key, value] of Object.entries(root)) yield* leaves(value, [...path, key]);
    } else {
        yield { path, value: root };
    }
}

/** Every object below `root` (itself included), with its path. */
export function* objects(root: Plain | undefined, path: string[] = []): Generator<{ path: string[]; value: { [key: string]: Plain } }> {
    if (Array.isArray(root)) {
        for (let i = 0; i < root.length; i++) yield* objects(root[i], [...path, String(i)]);
    } else if (isObject(root)) {
        yield { path, value: root };
        for (const [key, value] of Object.entries(root)) yield* objects(value, [...path, key]);
    }
}

/** `a.b.0.c`, with keys that contain dots quoted (`grafana.ini` → `["grafana.ini"]`). */
export function formatPath(path: readonly string[]): string {
    return path.map((k, i) => (k.includes(".") ? `["${k}"]` : i === 0 ? k : `.${k}`)).join("");
}

/** Where a release's chart comes from. */
export type ChartSource = { readonly kind: "repository"; readonly repository: string; readonly chart: string } | { readonly kind: "unknown" } | { readonly kind: "noRepository"; readonly reason: string };

/**
 * Resolves the chart source the way the Helm provider does: an `oci://` chart carries its
 * registry, otherwise `repositoryOpts.repo` names the repository. A bare `alias/chart` (the local
 * `helm repo` configuration), a path or a URL to an archive names no repository we can check.
 */
export function chartSource(r: ReleaseInputs): ChartSource {
    const chart = r.chart;
    if (isUnknown(chart)) return { kind: "unknown" };
    if (typeof chart !== "string" || chart === "") return { kind: "noRepository", reason: "sets no chart" };
    if (chart.startsWith("oci://")) {
        const ref = chart.replace(/\/+$/, "");
        const cut = ref.lastIndexOf("/");
        return { kind: "repository", repository: ref.slice(0, cut), chart: ref.slice(cut + 1) };
    }
    const repo = at(r.repositoryOpts, ["repo"]);
    if (isUnknown(repo)) return { kind: "unknown" };
    if (typeof repo === "string" && repo !== "") return { kind: "repository", repository: repo, chart };
    if (/^[a-z]+:\/\//i.test(chart)) return { kind: "noRepository", reason: `takes chart "${chart}" from a URL instead of a repository` };
    return { kind: "noRepository", reason: `names chart "${chart}" without repositoryOpts.repo (a local path or a local helm repo alias)` };
}

/** The chart's name: the last path segment of the chart reference. */
export function chartName(r: ReleaseInputs): string | undefined {
    const source = chartSource(r);
    if (source.kind === "repository") return source.chart.split("/").pop();
    return typeof r.chart === "string" ? r.chart.replace(/\/+$/, "").split("/").pop() : undefined;
}
