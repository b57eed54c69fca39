/**
 * Where the node agent sends what it collects, read in Alloy's rendered configuration (the file its
 * pods load, not our values): the configuration must parse, and every log endpoint must be a
 * Service of the Loki release, every OTLP exporter a Service of the Tempo release, every remote write
 * a Service of the metrics release. An address a template turned into another host would otherwise
 * ship the cluster's logs and traces elsewhere while every other check passes.
 */
import { AlloyBlock, parseAlloy, stringsOf, walk } from "../alloySyntax";
import { dataEntries, describeObject, namespaceOf } from "../objects";
import { isPlainObject } from "../paths";
import { RenderedRelease, StackModel } from "../types";
import { findAddresses } from "./addresses";
import { CheckInput, CheckResult, FindingList } from "./types";

/** The Alloy chart's config key. */
const alloyConfigKey = "config.alloy";

type CentralEndpoints = NonNullable<StackModel["central"]>;

/**
 * What each Alloy component sends, the attribute naming where, the charts whose Services may
 * receive it, and on an edge the member's endpoint at the central platform it must send to instead.
 */
const sinks: readonly {
    readonly component: string;
    readonly block: string;
    readonly attribute: string;
    readonly signal: string;
    readonly charts: readonly string[];
    readonly central: keyof CentralEndpoints;
}[] = [
    { component: "loki.write", block: "endpoint", attribute: "url", signal: "logs", charts: ["loki"], central: "lokiPushUrl" },
    { component: "otelcol.exporter.otlp", block: "client", attribute: "endpoint", signal: "traces", charts: ["tempo", "tempo-distributed"], central: "otlpHttpEndpoint" },
    { component: "otelcol.exporter.otlphttp", block: "client", attribute: "endpoint", signal: "traces", charts: ["tempo", "tempo-distributed"], central: "otlpHttpEndpoint" },
    { component: "prometheus.remote_write", block: "endpoint", attribute: "url", signal: "metrics", charts: ["kube-prometheus-stack"], central: "remoteWriteUrl" },
];

/** On an edge, the Prometheus agent's remote writes (in its rendered PrometheusAgent) go to the member's remote-write URL and nowhere else. */
function checkAgentRemoteWrite(input: CheckInput, central: CentralEndpoints, findings: FindingList): number {
    let checked = 0;
    for (const { release, objects } of input.rendered) {
        for (const object of objects.filter((o) => o.kind === "PrometheusAgent")) {
            const spec = isPlainObject(object.spec) ? object.spec : {};
            const writes = Array.isArray(spec.remoteWrite) ? spec.remoteWrite.filter(isPlainObject) : [];
            const where = `${describeObject(object, namespaceOf(object, release.namespace))} (release ${release.releaseName})`;
            if (writes.length === 0) findings.error(`${where}: no remoteWrite, so the edge's metrics go nowhere`);
            for (const write of writes) {
                checked++;
                if (write.url !== central.remoteWriteUrl)
                    findings.error(`${where}: remoteWrite.url ${JSON.stringify(write.url)} is not the member's remote-write URL at the central platform ${JSON.stringify(central.remoteWriteUrl)}`);
            }
        }
    }
    return checked;
}

/** Services (`namespace/name`) each chart's releases render. */
function servicesByChart(rendered: readonly RenderedRelease[]): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const { release, objects } of rendered) {
        const services = out.get(release.chart.name) ?? new Set<string>();
        for (const object of objects) if (object.kind === "Service") services.add(`${namespaceOf(object, release.namespace)}/${object.metadata?.name}`);
        out.set(release.chart.name, services);
    }
    return out;
}

export function checkAgentSinks(input: CheckInput): CheckResult {
    const findings = new FindingList("agentSinks");
    const services = servicesByChart(input.rendered);
    let checked = 0;
    for (const rendered of input.rendered) {
        if (rendered.release.chart.name !== "alloy" || rendered.error) continue;
        const documents = rendered.objects.filter((o) => o.kind === "ConfigMap" && alloyConfigKey in dataEntries(o));
        if (documents.length === 0) findings.error(`release ${rendered.release.releaseName}: no ConfigMap with ${alloyConfigKey}, so where the agent sends cannot be checked`);
        for (const object of documents) {
            const where = `${describeObject(object, namespaceOf(object, rendered.release.namespace))} key ${alloyConfigKey} (release ${rendered.release.releaseName})`;
            let root: AlloyBlock;
            try {
                root = parseAlloy(dataEntries(object)[alloyConfigKey]);
            } catch (error) {
                findings.error(`${where}: does not parse as Alloy configuration, so the agent cannot start with it: ${(error as Error).message}`);
                continue;
            }
            walk(root, (component) => {
                const sink = sinks.find((s) => s.component === component.name);
                if (!sink) return;
                const central = input.model.central;
                if (central) {
                    for (const target of stringsOf(component, [sink.block], sink.attribute)) {
                        checked++;
                        if (target !== central[sink.central]) {
                            findings.error(
                                `${where} ${component.name} "${component.label ?? ""}" ${sink.block}.${sink.attribute} ${JSON.stringify(target)}: sends ${sink.signal} elsewhere than the member's endpoint at the central platform ${JSON.stringify(central[sink.central])}`,
                            );
                        }
                    }
                    return;
                }
                const allowed = new Set(sink.charts.flatMap((chart) => [...(services.get(chart) ?? [])]));
                for (const target of stringsOf(component, [sink.block], sink.attribute)) {
                    checked++;
                    const at = `${where} ${component.name} "${component.label ?? ""}" ${sink.block}.${sink.attribute} ${JSON.stringify(target)}`;
                    const [address] = findAddresses(target);
                    if (address === undefined || !allowed.has(`${address.namespace}/${address.service}`)) {
                        findings.error(
                            `${at}: sends ${sink.signal} to ${address ? `Service ${address.namespace}/${address.service}` : "an address outside the cluster"}, not to a Service of the ${sink.charts.join(" or ")} release (${[...allowed].sort().join(", ") || "none rendered"})`,
                        );
                    }
                }
            });
        }
    }
    if (input.model.central) {
        checked += checkAgentRemoteWrite(input, input.model.central, findings);
        return findings.result(`${checked} agent endpoint(s) checked against the member's endpoints at the central platform`);
    }
    return findings.result(`${checked} agent endpoint(s) checked against the Services of the releases that receive them`);
}
