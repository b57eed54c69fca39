/**
 * Writes the meta-monitoring rules the Thanos chart's ruler evaluates (components/thanos.ts), as a
 * fleet's centre has them (every rule), for promtool to check and to test against
 * alerts/meta-monitoring.test.yaml:
 *
 *   ts-node --swc tools/alerting/write-meta-rules.ts <dir>
 *
 * Writes `<dir>/meta-monitoring.yaml` and prints its path.
 */
import * as fs from "fs";
import * as path from "path";
import { globalRulesJob } from "../../components/globalRules";
import { buildMetaMonitoringRules } from "../../components/thanos";
import { sharedReleaseNames } from "../../stacks/cluster";
import { defaultNamespace } from "../../stacks/config";

const [dir] = process.argv.slice(2);
if (!dir) {
    console.error("usage: ts-node --swc tools/alerting/write-meta-rules.ts <dir>");
    process.exit(2);
}
const file = path.join(dir, "meta-monitoring.yaml");
// The names the test file uses: kube-prometheus-stack's Prometheus Service and the fleet's evaluator, in the default namespace.
fs.writeFileSync(file, buildMetaMonitoringRules(`${sharedReleaseNames.metrics}-prometheus`, defaultNamespace, globalRulesJob("global")));
console.log(file);
