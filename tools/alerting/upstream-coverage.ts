/**
 * How many of the upstream mixins' alerts that apply to what we deploy our rule files cover, per
 * component, from `alerts/upstream-coverage.yaml`:
 *
 *   ts-node --swc tools/alerting/upstream-coverage.ts [--before <git revision>]
 *
 * Prints the Markdown table of docs/runbooks/README.md. With `--before`, the "before" column counts
 * the upstream alerts whose mapped alert of ours already existed in the rule files at that revision.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import { exitCodes, parseCommandLine, runCommand } from "../cli";
import { defaultRulesDir, loadRuleFiles } from "../../components/alerting";

/** The coverage table's file. */
export const upstreamCoveragePath = path.resolve(defaultRulesDir(), "..", "upstream-coverage.yaml");

/** What an upstream alert that does not apply is mapped to: this prefix, then why. */
export const notApplicable = "not applicable: ";

const tableSchema = z.record(
    z.string(),
    z
        .object({
            source: z.object({ repo: z.string(), tag: z.string(), paths: z.array(z.string()).min(1) }).strict(),
            alerts: z.record(z.string(), z.string().min(1)),
        })
        .strict(),
);
/** Per component: where its upstream alerts come from, and each one's alert of ours or why none applies. */
export type UpstreamCoverage = z.infer<typeof tableSchema>;

/** Reads and checks the shape of the coverage table. */
export function loadUpstreamCoverage(file = upstreamCoveragePath): UpstreamCoverage {
    const parsed = tableSchema.safeParse(parse(fs.readFileSync(file, "utf8")));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return parsed.data;
}

/** One component's figures. */
export interface CoverageRow {
    readonly component: string;
    /** Alerts in the upstream files. */
    readonly upstream: number;
    /** Those that apply to what we deploy. */
    readonly applicable: number;
    /** Applicable ones whose mapped alert is one of `ours`. */
    readonly covered: number;
}

/** The figures of every component, and their total (last row, component `total`). */
export function coverageRows(table: UpstreamCoverage, ours: ReadonlySet<string>): CoverageRow[] {
    const rows = Object.entries(table).map(([component, { alerts }]) => {
        const applicable = Object.values(alerts).filter((ourName) => !ourName.startsWith(notApplicable));
        return { component, upstream: Object.keys(alerts).length, applicable: applicable.length, covered: applicable.filter((ourName) => ours.has(ourName)).length };
    });
    const sum = (key: "upstream" | "applicable" | "covered") => rows.reduce((n, r) => n + r[key], 0);
    return [...rows, { component: "total", upstream: sum("upstream"), applicable: sum("applicable"), covered: sum("covered") }];
}

/** The alert names of the rule files in `dir`. */
export function ourAlertNames(dir = defaultRulesDir()): Set<string> {
    return new Set(loadRuleFiles(dir).flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert])))));
}

/** The alert names of the rule files at a git revision of this repository. */
export function ourAlertNamesAt(revision: string, repoDir = path.resolve(defaultRulesDir(), "..", "..")): Set<string> {
    const git = (...args: string[]) => execFileSync("git", ["-C", repoDir, ...args], { encoding: "utf8" });
    const files = git("ls-tree", "--name-only", `${revision}:alerts/rules`)
        .split("\n")
        .filter((f) => f.endsWith(".yaml"));
    const names = new Set<string>();
    for (const file of files) {
        const doc = parse(git("show", `${revision}:alerts/rules/${file}`)) as { groups: { rules: { alert?: string }[] }[] };
        for (const group of doc.groups) for (const rule of group.rules) if (rule.alert !== undefined) names.add(rule.alert);
    }
    return names;
}

const percent = (covered: number, applicable: number) => `${applicable === 0 ? 100 : Math.floor((100 * covered) / applicable)} %`;

/** The Markdown table: component, upstream alerts, applicable, covered before (optional) and now. */
export function coverageMarkdown(now: readonly CoverageRow[], before?: { readonly revision: string; readonly rows: readonly CoverageRow[] }): string {
    const head = ["component", "upstream alerts", "applicable", ...(before ? [`covered at ${before.revision}`] : []), "covered now"];
    const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
    now.forEach((row, i) => {
        const was = before?.rows[i];
        const cells = [
            row.component,
            String(row.upstream),
            String(row.applicable),
            ...(was ? [`${was.covered} (${percent(was.covered, row.applicable)})`] : []),
            `${row.covered} (${percent(row.covered, row.applicable)})`,
        ];
        lines.push(`| ${cells.join(" | ")} |`);
    });
    return lines.join("\n");
}

const usage = `usage: npx ts-node --swc tools/alerting/upstream-coverage.ts [--before REV]
  prints the coverage of the upstream mixins' applicable alerts by our rules (docs/runbooks/README.md)
  --before REV   also the coverage at git revision REV
  -h, --help     this text`;

if (require.main === module) {
    runCommand("upstream-coverage", () => {
        const { values } = parseCommandLine(process.argv.slice(2), { before: { type: "string" } }, usage);
        const table = loadUpstreamCoverage();
        const before = values.before === undefined ? undefined : { revision: values.before, rows: coverageRows(table, ourAlertNamesAt(values.before)) };
        console.log(coverageMarkdown(coverageRows(table, ourAlertNames()), before));
        return exitCodes.passed;
    });
}
