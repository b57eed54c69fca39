/** Whether every release rendered at all; a failed `helm template` is the first thing to fix. */
import { CheckInput, CheckResult, FindingList } from "./types";

export function checkRendered(input: CheckInput): CheckResult {
    const findings = new FindingList("render");
    for (const { release, error } of input.rendered) {
        if (error) findings.error(`release ${release.releaseName} (chart ${release.chart.name} ${release.chart.version}) did not render: ${error.replace(/\s*\n\s*/g, " ")}`);
    }
    const objects = input.rendered.reduce((n, r) => n + r.objects.length, 0);
    return findings.result(`${input.rendered.length - findings.count("error")} of ${input.rendered.length} release(s) rendered, ${objects} object(s)`);
}
