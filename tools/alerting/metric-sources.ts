/**
 * The metric names our alert rules and dashboard queries read, against `alerts/metric-sources.yaml`,
 * the table of where each is defined in the source of the program that exposes it:
 *
 *   ts-node --swc tools/alerting/metric-sources.ts
 *
 * Prints every used metric without an entry and every entry no rule or query uses, and exits
 * non-zero if there is any (tests/alerting.spec.ts runs the same check).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import { defaultRulesDir, loadRuleFiles } from "../../components/alerting";
import { projectDashboardsDirectory, readDashboardFiles } from "../../components/dashboards";
import { dashboardQueries, withVariablesSubstituted } from "../dashboards/write-promql-rules";

/** The table's file. */
export const metricSourcesPath = path.resolve(defaultRulesDir(), "..", "metric-sources.yaml");

const entrySchema = z
    .object({
        component: z.string().min(1),
        source: z.string().regex(/^[\w.-]+(\/[\w.-]+)+@\S+$/, "<repository or Go module>@<tag or version>"),
        at: z.string().regex(/^[^:\s]+:\d+$/, "<file>:<line>"),
        line: z.string().min(1),
        prefix: z.string(),
        name: z.string().min(1),
        suffix: z.string().optional(),
        note: z.string().min(1).optional(),
    })
    .strict();
/** One metric's definition in its program's source. */
export type MetricSource = z.infer<typeof entrySchema>;

/** Reads and checks the shape of the table: metric (histograms without _bucket/_count/_sum) → where it is defined. */
export function loadMetricSources(file = metricSourcesPath): Record<string, MetricSource> {
    const parsed = z.record(z.string(), entrySchema).safeParse(parse(fs.readFileSync(file, "utf8")));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return parsed.data;
}

const keywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan", "atan2"]);

/**
 * The metric names a PromQL expression selects: identifiers outside strings, label matchers, range
 * brackets and label lists (`by (…)`, `on (…)`, …) that are neither a function call, a keyword nor
 * a duration.
 */
export function promqlMetricNames(expr: string): Set<string> {
    const bare = expr
        .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
        .replace(/\{[^}]*\}/g, "")
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
    const names = new Set<string>();
    for (const m of bare.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
        const [, name, call] = m;
        if (call !== undefined || keywords.has(name.toLowerCase()) || /^\d+[smhdwy]$/.test(name)) continue;
        names.add(name);
    }
    return names;
}

/** Every metric name our rule files and dashboard queries use, with where each is used. */
export function usedMetrics(rulesDir = defaultRulesDir(), dashboardsDir = projectDashboardsDirectory): Map<string, string[]> {
    const used = new Map<string, string[]>();
    const add = (expr: string, where: string) => {
        for (const name of promqlMetricNames(expr)) used.set(name, [...(used.get(name) ?? []), where]);
    };
    for (const file of loadRuleFiles(rulesDir)) {
        for (const group of file.groups) for (const rule of group.rules) add(rule.expr, `alerts/rules/${file.stem}.yaml ${rule.alert ?? rule.record}`);
    }
    for (const file of readDashboardFiles(dashboardsDir)) {
        for (const query of dashboardQueries(JSON.parse(file.text))) add(withVariablesSubstituted(query.expr), `dashboards/${file.area}/${file.fileName} ${query.where}`);
    }
    return used;
}

/** The table entry a metric name falls under: itself, or the histogram it is a series of. */
export function metricEntry(name: string, table: Readonly<Record<string, MetricSource>>): string | undefined {
    if (name in table) return name;
    const histogram = name.replace(/_(bucket|count|sum)$/, "");
    return histogram !== name && histogram in table ? histogram : undefined;
}

/** Used metrics without an entry, and entries nothing uses. */
export function metricSourceProblems(table: Readonly<Record<string, MetricSource>>, used: ReadonlyMap<string, readonly string[]>): string[] {
    const problems: string[] = [];
    const covered = new Set<string>();
    for (const [name, where] of used) {
        const entry = metricEntry(name, table);
        if (entry === undefined) problems.push(`${name} (used by ${where[0]}) has no entry in alerts/metric-sources.yaml`);
        else covered.add(entry);
    }
    for (const entry of Object.keys(table)) if (!covered.has(entry)) problems.push(`alerts/metric-sources.yaml: ${entry} is used by no rule or dashboard query`);
    return problems;
}

if (require.main === module) {
    const used = usedMetrics();
    const problems = metricSourceProblems(loadMetricSources(), used);
    for (const p of problems) console.error(p);
    console.log(`${used.size} metric names used, ${problems.length} problem(s)`);
    process.exit(problems.length === 0 ? 0 : 1);
}
