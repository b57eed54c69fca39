import { ChartInfo, KubeSchemas, RenderedRelease, StackModel } from "../types";

export type Severity = "error" | "warning" | "info";

export interface Finding {
    check: string;
    severity: Severity;
    message: string;
}

export interface CheckResult {
    name: string;
    findings: Finding[];
    summary: string;
    /** Pre-formatted lines the report prints under the findings (the footprint table). */
    details?: string[];
}

export interface CheckInput {
    model: StackModel;
    rendered: RenderedRelease[];
    /** Keyed by release name. */
    charts: Map<string, ChartInfo>;
    /** Kubernetes API schemas to validate objects against; without them that check only warns. */
    kubeSchemas?: KubeSchemas;
}

export type Check = (input: CheckInput) => CheckResult;

/** Collects findings of one check and phrases its summary. */
export class FindingList {
    readonly findings: Finding[] = [];
    private readonly seen = new Set<string>();

    constructor(private readonly check: string) {}

    add(severity: Severity, message: string): void {
        // The same mistake reached through two paths (e.g. a value copied into two objects) is reported once.
        const key = `${severity}\u0000${message}`;
        if (this.seen.has(key)) return;
        this.seen.add(key);
        this.findings.push({ check: this.check, severity, message });
    }
    error(message: string): void {
        this.add("error", message);
    }
    warning(message: string): void {
        this.add("warning", message);
    }
    info(message: string): void {
        this.add("info", message);
    }

    count(severity: Severity): number {
        return this.findings.filter((f) => f.severity === severity).length;
    }

    result(okSummary: string, details?: string[]): CheckResult {
        const errors = this.count("error");
        const warnings = this.count("warning");
        const summary = errors || warnings ? `${errors} error(s), ${warnings} warning(s); ${okSummary}` : okSummary;
        return { name: this.check, findings: this.findings, summary, ...(details ? { details } : {}) };
    }
}
