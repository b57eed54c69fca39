/** The text report of a verification: one section per check, then a one-line summary. */
import { CheckResult, Severity } from "./checks/types";

const marks: Record<Severity, string> = { error: "ERROR", warning: "WARN ", info: "info " };
const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function countFindings(results: readonly CheckResult[], severity: Severity): number {
    return results.reduce((n, r) => n + r.findings.filter((f) => f.severity === severity).length, 0);
}

/** `verify dev: 6 checks, 0 errors, 2 warnings` */
export function summaryLine(stack: string, results: readonly CheckResult[]): string {
    return `verify ${stack}: ${results.length} checks, ${countFindings(results, "error")} errors, ${countFindings(results, "warning")} warnings`;
}

export function formatReport(stack: string, results: readonly CheckResult[]): string {
    const lines: string[] = [];
    for (const result of results) {
        const errors = result.findings.some((f) => f.severity === "error");
        lines.push(`[${errors ? "FAIL" : "ok"}] ${result.name}: ${result.summary}`);
        const findings = [...result.findings].sort((a, b) => order[a.severity] - order[b.severity]);
        for (const finding of findings) lines.push(`    ${marks[finding.severity]} ${finding.message}`);
        for (const line of result.details ?? []) lines.push(`    ${line}`);
    }
    lines.push(summaryLine(stack, results));
    return `${lines.join("\n")}\n`;
}
