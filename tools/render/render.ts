/**
 * The offline render + verify library: render every release of a collected stack with
 * `helm template`, write the (masked) manifests for review, and run the checks over them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { loadChartInfo } from "./chartValues";
import { allChecks, CheckResult } from "./checks";
import { assertHelmVersion, findHelm, helmTemplate, locateChart } from "./helm";
import { loadKubeSchemas } from "./kubeSchemas";
import { maskObjects, maskText } from "./mask";
import { assertStackModel } from "./model";
import { formatReport, countFindings } from "./report";
import { ChartInfo, K8sObject, KubeSchemas, RenderedRelease, StackModel } from "./types";

export interface RenderOptions {
    /** Local charts, `<dir>/<chart>/<version>/` or `<dir>/<chart>-<version>.tgz` (default: `$LGTM_CHARTS_DIR`). */
    chartsDir?: string;
    /** Where to write `<stack>/<release>.yaml`, `program-objects.yaml`, `index.md` (nothing is written without it). */
    outDir?: string;
    /** helm binary (default: `$HELM_BIN`, else `helm` on PATH). */
    helmBin?: string;
    /** Cache of pulled charts (default: `.cache/charts` in the project). */
    cacheDir?: string;
    /** Parallel `helm template` runs (default: CPU count, at least 2). */
    concurrency?: number;
    /** Kubernetes API schemas, `<dir>/v1.<minor>[.<patch>]/swagger.json` (default: `$LGTM_KUBE_SCHEMAS_DIR`, else `.cache/kube-schemas`). */
    kubeSchemasDir?: string;
    /** Told when a long stage starts (the commands print it on stderr). */
    progress?: (message: string) => void;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await work(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

/** Renders every release of `model` (hooks included) and, with `outDir`, writes the masked manifests. */
export async function renderModel(model: StackModel, opts: RenderOptions = {}): Promise<RenderedRelease[]> {
    assertStackModel(model);
    const helmBin = findHelm(opts.helmBin);
    assertHelmVersion(helmBin);
    // One after the other: pulls share the cache directory, and the same chart may serve two releases.
    const chartPaths = new Map<string, string>();
    for (const { chart } of model.releases) {
        const key = `${chart.repository}|${chart.name}|${chart.version}`;
        if (!chartPaths.has(key)) chartPaths.set(key, await locateChart(chart, helmBin, { chartsDir: opts.chartsDir, cacheDir: opts.cacheDir }));
    }
    const concurrency = opts.concurrency ?? Math.max(2, os.cpus().length);
    opts.progress?.(`rendering ${model.releases.length} releases with ${helmBin}, ${concurrency} at a time`);
    const rendered = await mapLimit(model.releases, concurrency, async (release) => {
        const chartPath = chartPaths.get(`${release.chart.repository}|${release.chart.name}|${release.chart.version}`)!;
        try {
            return { release, objects: await helmTemplate(helmBin, release, chartPath), chartPath };
        } catch (error) {
            // One broken release (e.g. values its schema rejects) should not hide what is wrong with the others.
            return { release, objects: [], chartPath, error: (error as Error).message };
        }
    });
    if (opts.outDir) writeRenderOutput(model, rendered, opts.outDir);
    return rendered;
}

function manifestText(objects: readonly K8sObject[]): string {
    // lineWidth 0: never fold long strings, so manifests diff line by line.
    return objects.map((object) => stringify(object, { lineWidth: 0 })).join("---\n");
}

function kindCounts(objects: readonly K8sObject[]): string {
    const counts = new Map<string, number>();
    for (const object of objects) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
    return [...counts]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, n]) => `${kind} ${n}`)
        .join(", ");
}

/** The overview of a rendered stack: one row per release. */
export function indexMarkdown(model: StackModel, rendered: readonly RenderedRelease[]): string {
    const lines = [
        `# Rendered stack \`${model.stack}\` (profile \`${model.profile}\`)`,
        "",
        "Secret data and known secret values are masked (`<masked>`).",
        "",
        "| release | chart | version | repository | namespace | objects | by kind |",
        "|---|---|---|---|---|---|---|",
        ...rendered.map(
            ({ release, objects, error }) =>
                `| ${release.releaseName} | ${release.chart.name} | ${release.chart.version} | ${release.chart.repository} | ${release.namespace} | ${error ? "render failed" : objects.length} | ${kindCounts(objects)} |`,
        ),
        "",
        `Program objects (program-objects.yaml): ${model.objects.length}${model.objects.length ? ` (${kindCounts(model.objects)})` : ""}`,
        "",
        `Object store: ${model.objectStore.type}, ${model.objectStore.tls ? "https" : "http"}://${model.objectStore.endpoint}`,
        "",
        `Buckets${model.objectStore.type === "external" ? " (not created by the stack: they must exist)" : ""}: ${model.buckets.join(", ") || "none"}`,
        "",
    ];
    return lines.join("\n");
}

/** Writes `<outDir>/<stack>/`: one masked manifest per release, the program's objects, and index.md. Returns that directory. */
export function writeRenderOutput(model: StackModel, rendered: readonly RenderedRelease[], outDir: string): string {
    const dir = path.join(outDir, model.stack);
    fs.mkdirSync(dir, { recursive: true });
    // Drop what an earlier run wrote (a release may have been removed since); leave anything else alone.
    for (const file of fs.readdirSync(dir)) if (/\.yaml$|^index\.md$|^verify\.txt$/.test(file)) fs.rmSync(path.join(dir, file));
    for (const { release, objects, error } of rendered) {
        const text = error ? `# helm template failed:\n${maskText(error, model.secretValues).replace(/^/gm, "# ")}\n` : manifestText(maskObjects(objects, model.secretValues));
        fs.writeFileSync(path.join(dir, `${release.releaseName}.yaml`), text);
    }
    fs.writeFileSync(path.join(dir, "program-objects.yaml"), manifestText(maskObjects(model.objects, model.secretValues)));
    fs.writeFileSync(path.join(dir, "index.md"), indexMarkdown(model, rendered));
    return dir;
}

/** Default values and schema of every rendered release's chart, keyed by release name. */
export function loadCharts(rendered: readonly RenderedRelease[]): Map<string, ChartInfo> {
    const byPath = new Map<string, ChartInfo>();
    const charts = new Map<string, ChartInfo>();
    for (const { release, chartPath } of rendered) {
        if (!chartPath) continue;
        if (!byPath.has(chartPath)) byPath.set(chartPath, loadChartInfo(chartPath));
        charts.set(release.releaseName, byPath.get(chartPath)!);
    }
    return charts;
}

/** Runs every check. Pure: no Helm, no files. */
export function verifyModel(model: StackModel, rendered: RenderedRelease[], charts: Map<string, ChartInfo>, kubeSchemas?: KubeSchemas): CheckResult[] {
    return allChecks.map((check) => check({ model, rendered, charts, kubeSchemas }));
}

export interface VerifyOutcome {
    results: CheckResult[];
    report: string;
    /** No check found an error. */
    ok: boolean;
    rendered: RenderedRelease[];
}

/** Render, verify, report; with `outDir` also writes `<outDir>/<stack>/verify.txt`. */
export async function renderAndVerify(model: StackModel, opts: RenderOptions = {}): Promise<VerifyOutcome> {
    const rendered = await renderModel(model, opts);
    opts.progress?.(`running ${allChecks.length} checks`);
    const results = verifyModel(model, rendered, loadCharts(rendered), loadKubeSchemas(opts.kubeSchemasDir));
    const report = formatReport(model.stack, results);
    if (opts.outDir) fs.writeFileSync(path.join(opts.outDir, model.stack, "verify.txt"), report);
    return { results, report, ok: countFindings(results, "error") === 0, rendered };
}
