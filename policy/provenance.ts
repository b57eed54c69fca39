/**
 * Where each chart may come from and which version the project has verified. Pins and
 * repositories come from components/charts.ts, the project's one source of truth, so the pack
 * never drifts from what the program deploys.
 */
import * as path from "path";
import * as semver from "semver";
import { ChartSource, charts } from "../components/charts";

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
