/**
 * Writes every PromQL query of the project's dashboards as recording rules, for `promtool check
 * rules` to parse:
 *
 *   ts-node --swc tools/dashboards/write-promql-rules.ts <dir>
 *
 * One `<dir>/<area>-<name>.rules.yml` per dashboard, one rule group per panel (named after the
 * dashboard and the panel, so promtool's errors point at them) and one for the template variables.
 * Prints the files, one per line.
 *
 * Grafana's variables are not PromQL. Interval variables (`$__rate_interval`, `$__interval`,
 * `$__range`) become `5m`; every other variable becomes `.*`, which is only valid inside a label
 * matcher's quotes, where our dashboards use them: a variable anywhere else fails the parse.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { buildDashboardConfigMaps, dashboardPanels, type Json, projectDashboardsDirectory, readDashboardFiles } from "../../components/dashboards";

/** One PromQL expression of a dashboard and where it is. */
export interface DashboardQuery {
    /** `panel "<title>"` or `variable "<name>"`. */
    readonly where: string;
    readonly expr: string;
}

const isObject = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `label_values(<selector>, <label>)` → the selector; `query_result(<expr>)` → the expression; other variable queries hold no PromQL. */
export function variablePromql(query: string): string | undefined {
    const labelValues = /^\s*label_values\(\s*(.+),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/s.exec(query);
    if (labelValues) return labelValues[1];
    const queryResult = /^\s*query_result\((.+)\)\s*$/s.exec(query);
    return queryResult ? queryResult[1] : undefined;
}

/** Every PromQL expression of a dashboard: panel queries, and the selectors of query variables. */
export function dashboardQueries(dashboard: Record<string, Json>): DashboardQuery[] {
    const queries: DashboardQuery[] = [];
    for (const panel of dashboardPanels(dashboard)) {
        for (const target of (Array.isArray(panel.targets) ? panel.targets : []) as unknown[]) {
            if (isObject(target) && typeof target.expr === "string") queries.push({ where: `panel "${panel.title}"`, expr: target.expr });
        }
    }
    const variables = isObject(dashboard.templating) && Array.isArray(dashboard.templating.list) ? dashboard.templating.list : [];
    for (const variable of variables.filter(isObject)) {
        if (variable.type !== "query") continue;
        const query = isObject(variable.query) ? variable.query.query : variable.query;
        const expr = typeof query === "string" ? variablePromql(query) : undefined;
        if (expr !== undefined) queries.push({ where: `variable "${variable.name}"`, expr });
    }
    return queries;
}

/** The expression with Grafana's variables replaced by what PromQL accepts in their place (see the file comment). */
export function withVariablesSubstituted(expr: string): string {
    return expr
        .replace(/\$\{?__(rate_interval|interval|range)\}?/g, "5m")
        .replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(:[A-Za-z]+)?\}|\$[A-Za-z_][A-Za-z0-9_]*/g, ".*");
}

/**
 * A rule file with one recording rule per query, grouped by panel (and one group for the
 * variables). Record names are numbered through the file: promtool rejects duplicates.
 */
export function promqlRuleFile(title: string, queries: readonly DashboardQuery[]): { groups: { name: string; rules: { record: string; expr: string }[] }[] } {
    const groups = new Map<string, { record: string; expr: string }[]>();
    queries.forEach(({ where, expr }, i) => {
        groups.set(where, [...(groups.get(where) ?? []), { record: `dashboard_query_${i + 1}`, expr: withVariablesSubstituted(expr) }]);
    });
    return { groups: [...groups].map(([where, rules]) => ({ name: `${title}: ${where}`, rules })) };
}

/** Writes one rule file per dashboard of `dashboardsDir` into `outDir`; returns the files. */
export function writePromqlRules(dashboardsDir: string, outDir: string): string[] {
    fs.mkdirSync(outDir, { recursive: true });
    return buildDashboardConfigMaps(readDashboardFiles(dashboardsDir)).map((spec) => {
        const file = path.join(outDir, `${spec.name}.rules.yml`);
        fs.writeFileSync(file, stringify(promqlRuleFile(spec.title, dashboardQueries(JSON.parse(spec.json))), { lineWidth: 0 }));
        return file;
    });
}

if (require.main === module) {
    const dir = process.argv[2];
    if (!dir) {
        console.error("usage: write-promql-rules.ts <output dir>");
        process.exit(2);
    }
    for (const file of writePromqlRules(projectDashboardsDirectory, path.resolve(dir))) console.log(file);
}
