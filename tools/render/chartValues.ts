/**
 * Default values (with subcharts merged in, as Helm does) and the values schema of a chart, read
 * from an unpacked chart directory or a packaged `.tgz`.
 */
import * as fs from "fs";
import * as path from "path";
import { Parser } from "tar";
import { parse } from "yaml";
import { deepMerge } from "../../stacks/config";
import { isPlainObject } from "./paths";
import { ChartInfo } from "./types";

/**
 * Path → content of every regular file of a gzipped tar (a packaged chart), read in memory without
 * unpacking to disk. tar's parser runs synchronously when given the whole archive at once.
 */
function readTgz(archive: Buffer): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    const parser = new Parser({
        onReadEntry: (entry) => {
            if (entry.type !== "File" && entry.type !== "OldFile" && entry.type !== "ContiguousFile") {
                entry.resume();
                return;
            }
            const chunks: Buffer[] = [];
            entry.on("data", (chunk: Buffer) => chunks.push(chunk));
            entry.on("end", () => files.set(entry.path.replace(/^\.\//, ""), Buffer.concat(chunks)));
        },
    });
    parser.end(archive);
    return files;
}

/** Read access to the files of one chart, whatever its packaging. */
interface ChartFiles {
    read(relative: string): Buffer | undefined;
    /** Contents of every file under `templates/`. */
    templates(): string[];
    /** The charts vendored under `charts/`. */
    subcharts(): ChartFiles[];
}

function filesUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
    });
}

function directoryChart(dir: string): ChartFiles {
    return {
        read: (relative) => {
            const file = path.join(dir, relative);
            return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
        },
        templates: () => filesUnder(path.join(dir, "templates")).map((file) => fs.readFileSync(file, "utf8")),
        subcharts: () => {
            const chartsDir = path.join(dir, "charts");
            if (!fs.existsSync(chartsDir)) return [];
            return fs.readdirSync(chartsDir, { withFileTypes: true }).flatMap((entry) => {
                const full = path.join(chartsDir, entry.name);
                if (entry.isDirectory() && fs.existsSync(path.join(full, "Chart.yaml"))) return [directoryChart(full)];
                if (entry.isFile() && entry.name.endsWith(".tgz")) return [archiveChart(readTgz(fs.readFileSync(full)))];
                return [];
            });
        },
    };
}

/** A chart inside an archive: every path starts with the chart's directory (`loki/values.yaml`). */
function archiveChart(files: Map<string, Buffer>, root?: string): ChartFiles {
    const base = root ?? [...files.keys()].find((f) => /^[^/]+\/Chart\.yaml$/.test(f))?.split("/")[0] ?? "";
    return {
        read: (relative) => files.get(`${base}/${relative}`),
        templates: () => [...files].filter(([file]) => file.startsWith(`${base}/templates/`)).map(([, content]) => content.toString("utf8")),
        subcharts: () => {
            const out: ChartFiles[] = [];
            for (const [file, content] of files) {
                const rest = file.startsWith(`${base}/charts/`) ? file.slice(base.length + "/charts/".length) : undefined;
                if (!rest) continue;
                if (/^[^/]+\/Chart\.yaml$/.test(rest)) out.push(archiveChart(files, `${base}/charts/${rest.split("/")[0]}`));
                else if (/^[^/]+\.tgz$/.test(rest)) out.push(archiveChart(readTgz(content)));
            }
            return out;
        },
    };
}

function parseYaml(content: Buffer | undefined): any {
    return content ? parse(content.toString("utf8")) : undefined;
}

/** Default values of a chart with its subcharts' defaults under their alias (parent overrides win). */
function defaultValuesOf(chart: ChartFiles): Record<string, unknown> {
    const parsed = parseYaml(chart.read("values.yaml"));
    const values: Record<string, unknown> = isPlainObject(parsed) ? parsed : {};
    for (const subchart of chart.subcharts()) {
        for (const key of subchartKeys(chart, subchart)) values[key] = deepMerge(defaultValuesOf(subchart), values[key], "delete");
    }
    return values;
}

/** The key a subchart's values live under in its parent: the dependency's alias, else its name. */
function subchartKeys(parent: ChartFiles, subchart: ChartFiles): string[] {
    const dependencies: { name?: string; alias?: string }[] = parseYaml(parent.read("Chart.yaml"))?.dependencies ?? [];
    const name = parseYaml(subchart.read("Chart.yaml"))?.name;
    if (typeof name !== "string") return [];
    const aliases = dependencies.filter((d) => d.name === name).map((d) => d.alias ?? name);
    return aliases.length ? aliases : [name];
}

/**
 * Every `.Values.a.b.c` a template reads, as `a.b.c` (subcharts' under their key). Charts often
 * read keys that values.yaml only mentions in a comment (`# ingressClassName: nginx`).
 */
function templateValuePaths(chart: ChartFiles, prefix = ""): Set<string> {
    const paths = new Set<string>();
    for (const text of chart.templates()) {
        for (const match of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) paths.add(`${prefix}${match[1].slice(1)}`);
    }
    for (const subchart of chart.subcharts()) {
        for (const key of subchartKeys(chart, subchart)) for (const p of templateValuePaths(subchart, `${prefix}${key}.`)) paths.add(p);
    }
    return paths;
}

/** Default values and schema of the chart at `chartPath` (a directory with Chart.yaml, or a .tgz). */
export function loadChartInfo(chartPath: string): ChartInfo {
    const chart = fs.statSync(chartPath).isDirectory() ? directoryChart(chartPath) : archiveChart(readTgz(fs.readFileSync(chartPath)));
    if (!chart.read("Chart.yaml")) throw new Error(`${chartPath} is not a Helm chart (no Chart.yaml)`);
    const schemaText = chart.read("values.schema.json");
    return {
        defaultValues: defaultValuesOf(chart),
        ...(schemaText ? { schema: JSON.parse(schemaText.toString("utf8")) } : {}),
        templateValuePaths: [...templateValuePaths(chart)].sort(),
    };
}

/** Name and version from a chart's Chart.yaml. */
export function chartIdentity(chartPath: string): { name: string; version: string } {
    const chart = fs.statSync(chartPath).isDirectory() ? directoryChart(chartPath) : archiveChart(readTgz(fs.readFileSync(chartPath)));
    const meta = parseYaml(chart.read("Chart.yaml")) ?? {};
    return { name: String(meta.name), version: String(meta.version) };
}
