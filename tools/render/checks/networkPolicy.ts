/**
 * NetworkPolicies, in prod and in any stack that renders them (dev with `network.policies` on).
 *
 * Coverage: every namespace that runs pods denies all ingress and egress by default (a policy with
 * an empty podSelector and no rules for that direction), and every pod is let through by at least
 * one allow policy that selects it; a pod behind a Service needs one that allows ingress.
 *
 * Reachability, with the rendered policies evaluated as a conforming CNI does (../networkPolicy.ts)
 * on the rendered pods (../pods.ts): the egress of the source and the ingress of each destination
 * pod must both admit
 * - every in-cluster Service a pod's rendered configuration points it at (its args, env, the
 *   Secrets and ConfigMaps it mounts, a Prometheus' Alertmanagers), on that port;
 * - every target of every ServiceMonitor, PodMonitor and Probe, from each Prometheus (or agent)
 *   that selects it (its `*Selector` and `*NamespaceSelector`, namespaces known by name only);
 * - the cluster DNS, UDP and TCP port 53, from every pod.
 * A destination on the host network is a node, whose address the render does not know: only a
 * rule admitting every address is sure to let it through. Services outside the render (the
 * API server's, the kubelet's, the cluster DNS's) have addresses only the cluster knows, so
 * connections to them are not evaluated here (DNS aside, which is selected by pod labels).
 * Pods on the host network are exempt, as sources and from coverage: NetworkPolicies do not apply to them.
 */
import { clusterDns, namespaceNameLabel } from "../../../components/networkPolicies";
import { platformReleaseNames, sharedReleaseNames } from "../../../stacks/cluster";
import { egressAllowed, Endpoint, ingressAllowed, NetworkPolicy, networkPoliciesOf, PodEndpoint, policiesSelecting, policyTypesOf, Protocol } from "../networkPolicy";
import { allObjects, selectorMatches, SourcedObject } from "../objects";
import { isPlainObject } from "../paths";
import { configuredTargets, RenderedPod, renderedPods, serviceTargets } from "../pods";
import { CheckInput, CheckResult, FindingList } from "./types";

type Direction = "Ingress" | "Egress";

const record = (v: unknown): Record<string, unknown> => (isPlainObject(v) ? v : {});

/** A selector with no matchLabels and no matchExpressions: every pod of the namespace. */
function selectsAll(selector: unknown): boolean {
    const s = record(selector);
    return Object.keys(record(s.matchLabels)).length === 0 && !(Array.isArray(s.matchExpressions) && s.matchExpressions.length > 0);
}
const rulesOf = (p: NetworkPolicy, d: Direction): readonly unknown[] => (d === "Ingress" ? p.spec.ingress : p.spec.egress) ?? [];
const deniesAll = (p: NetworkPolicy, d: Direction) => isPlainObject(p.spec.podSelector) && selectsAll(p.spec.podSelector) && policyTypesOf(p).includes(d) && rulesOf(p, d).length === 0;
const allows = (p: NetworkPolicy, d: Direction) => policyTypesOf(p).includes(d) && rulesOf(p, d).length > 0;

const { metrics: kps } = sharedReleaseNames;
const { objectStorage: minio, thanos, traces: tempo } = platformReleaseNames;
/**
 * Mentions of a Service in a chart's rendered configuration that are not connections the pod
 * opens. They are the charts', under the release names every stack gives them, so they hold for every stack.
 */
const notConnections: { pod: RegExp; service: RegExp; why: string }[] = [
    { pod: new RegExp(`^${kps}-admission-create$`), service: new RegExp(`^${kps}-operator$`), why: "host names written into the webhook's certificate" },
    // tempo-distributed mounts one config in every part; each part runs only its own section of it.
    { pod: new RegExp(`^${tempo}-(distributor|ingester|querier|query-frontend|compactor)$`), service: new RegExp(`^${kps}-prometheus$`), why: "remote write is the metrics generator's section" },
    { pod: new RegExp(`^${tempo}-(distributor|metrics-generator)$`), service: new RegExp(`^${minio}$`), why: "distributors and the generator keep no blocks" },
    { pod: new RegExp(`^${thanos}-receive-ingestor$`), service: new RegExp(`^${thanos}-receive-ingestor-headless$`), why: "its own address, by which it finds itself in the hashring (--receive.local-endpoint)" },
];

/** The cluster's DNS pods, as the policies select them. */
const dnsPods: PodEndpoint = { kind: "pod", namespace: clusterDns.peer.namespaceSelector.matchLabels[namespaceNameLabel], labels: clusterDns.peer.podSelector.matchLabels };
/** A node's address, unknown to the render. */
const node: Endpoint = { kind: "address" };

const endpointOf = (pod: RenderedPod): Endpoint => (pod.hostNetwork ? node : pod);
const nameOf = (e: Endpoint): string =>
    "id" in e
        ? String(e.id)
        : e.kind === "address"
          ? (e.ip ?? "a node")
          : `pods ${Object.entries(e.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(",")} in ${e.namespace}`;

/**
 * Why `policies` refuse `source` → `destination` on `port`: which side (egress of the source,
 * ingress of the destination) and the policies of which namespace isolate it; undefined when allowed.
 */
function refusal(policies: readonly NetworkPolicy[], source: PodEndpoint, destination: Endpoint, port: number, protocol: Protocol): string | undefined {
    const isolating = (pod: PodEndpoint, d: Direction) =>
        policiesSelecting(policies, pod)
            .filter((p) => policyTypesOf(p).includes(d))
            .map((p) => p.metadata.name)
            .join(", ");
    const sides: string[] = [];
    if (!egressAllowed(policies, source, destination, port, protocol)) sides.push(`the egress of namespace "${source.namespace}"'s policies selecting the source (${isolating(source, "Egress")})`);
    if (destination.kind === "pod" && !ingressAllowed(policies, destination, source, port, protocol)) {
        sides.push(`the ingress of namespace "${destination.namespace}"'s policies selecting the destination (${isolating(destination, "Ingress")})`);
    }
    return sides.length ? `refused by ${sides.join(" and by ")}` : undefined;
}

/** One connection to check: where to, on which port, and how it was found. */
interface Target {
    to: Endpoint;
    port: number;
    protocol: Protocol;
    /** `Service monitoring/loki-gateway (Deployment monitoring/loki-gateway (release loki))` */
    what: string;
}

const monitorFields: Record<string, string> = { ServiceMonitor: "serviceMonitor", PodMonitor: "podMonitor", Probe: "probe" };

/** Whether a Prometheus (or agent) takes `monitor`: the operator's rules (a missing selector selects none; a missing namespace selector, its own namespace). */
function scrapes(prometheus: RenderedPod, { object, namespace }: SourcedObject): boolean {
    const field = monitorFields[object.kind];
    const selector = prometheus.spec[`${field}Selector`];
    if (!isPlainObject(selector) || !selectorMatches(selector, object.metadata.labels ?? {})) return false;
    const namespaces = prometheus.spec[`${field}NamespaceSelector`];
    return isPlainObject(namespaces) ? selectorMatches(namespaces, { [namespaceNameLabel]: namespace }) : namespace === prometheus.namespace;
}

/** Namespaces a ServiceMonitor's or PodMonitor's `namespaceSelector` names: undefined for any. */
function monitoredNamespaces(spec: Record<string, unknown>, own: string): string[] | undefined {
    const selector = record(spec.namespaceSelector);
    if (selector.any === true) return undefined;
    return Array.isArray(selector.matchNames) ? selector.matchNames.map(String) : [own];
}

/** A container port of `pod` by number or name. */
function podPort(pod: RenderedPod, port: unknown): { containerPort: number; protocol: Protocol } | undefined {
    if (typeof port === "number") return { containerPort: port, protocol: "TCP" };
    return typeof port === "string" ? pod.ports.find((c) => c.name === port) : undefined;
}

/** Collects what the render gives to check reachability on. */
class Reachability {
    readonly pods: RenderedPod[];
    readonly objects: SourcedObject[];
    constructor(
        private readonly input: CheckInput,
        private readonly findings: FindingList,
    ) {
        this.pods = renderedPods(input.rendered, input.model);
        this.objects = allObjects(input.model, input.rendered);
    }

    /** Where Service port(s) lead; a kube-system Service selecting no rendered pod leads to the cluster DNS or the control plane on the nodes. */
    serviceTargets(namespace: string, service: string, port: { port?: number; portName?: string }, what: string): Target[] | undefined {
        const leadsTo = serviceTargets({ namespace, service, ...port }, this.input.model, this.input.rendered, this.pods);
        if (leadsTo === undefined) return undefined;
        if (leadsTo.length > 0) return leadsTo.map((t) => ({ to: endpointOf(t.pod), port: t.containerPort, protocol: t.protocol, what: `Service ${namespace}/${service} (${t.pod.id})` }));
        const object = this.objects.find((o) => o.object.kind === "Service" && o.namespace === namespace && o.object.metadata.name === service)!.object;
        const spec = record(object.spec);
        const ports = (Array.isArray(spec.ports) ? spec.ports.filter(isPlainObject) : []).filter((p) => (port.portName !== undefined ? p.name === port.portName : port.port === undefined || Number(p.port) === port.port));
        if (namespace === dnsPods.namespace) {
            // kube-prometheus-stack's Services for what kubeadm runs: CoreDNS, and the control plane and kube-proxy on the host network.
            const to = selectorMatches({ matchLabels: record(spec.selector) }, dnsPods.labels) ? dnsPods : node;
            const numbered = ports.filter((p) => typeof (p.targetPort ?? p.port) === "number");
            return numbered.map((p) => ({ to, port: Number(p.targetPort ?? p.port), protocol: (p.protocol ?? "TCP") as Protocol, what: `Service ${namespace}/${service} (${nameOf(to)})` }));
        }
        this.findings.warning(`${what}: Service ${namespace}/${service} selects no rendered pod, so where it leads cannot be evaluated`);
        return [];
    }

    /** The targets of one ServiceMonitor, PodMonitor or Probe; undefined when a ServiceMonitor selects no Service of the render (the kubelet's, the API server's). A prober that is no in-cluster Service is warned about. */
    monitorTargets({ object, namespace }: SourcedObject): Target[] | undefined {
        const spec = record(object.spec);
        const what = `${object.kind} ${namespace}/${object.metadata.name}`;
        if (object.kind === "Probe") {
            // The prober's `host:port`, the host a Service's `name.namespace[.svc[.cluster.local]]` (the MinIO chart writes `minio.monitoring:9000`).
            const url = String(record(spec.prober).url ?? "");
            const prober = /^([a-z0-9-]+)\.([a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?:(\d+)$/.exec(url);
            if (prober) return this.serviceTargets(prober[2], prober[1], { port: Number(prober[3]) }, what);
            this.findings.warning(`${what}: prober "${url}" is no in-cluster Service's <name>.<namespace>:<port>, so whether Prometheus reaches it cannot be evaluated`);
            return [];
        }
        const namespaces = monitoredNamespaces(spec, namespace);
        const inScope = (ns: string) => !namespaces || namespaces.includes(ns);
        const selector = spec.selector ?? {};
        if (object.kind === "PodMonitor") {
            const endpoints = Array.isArray(spec.podMetricsEndpoints) ? spec.podMetricsEndpoints.filter(isPlainObject) : [];
            return this.pods
                .filter((p) => inScope(p.namespace) && !p.runsToCompletion && selectorMatches(selector, p.labels))
                .flatMap((pod) =>
                    endpoints.flatMap((e) => {
                        const port = podPort(pod, e.port ?? e.portNumber ?? e.targetPort);
                        return port ? [{ to: endpointOf(pod), port: port.containerPort, protocol: port.protocol, what: pod.id }] : [];
                    }),
                );
        }
        const services = this.objects.filter((o) => o.object.kind === "Service" && inScope(o.namespace) && selectorMatches(selector, o.object.metadata.labels ?? {}));
        if (services.length === 0) return undefined;
        const endpoints = Array.isArray(spec.endpoints) ? spec.endpoints.filter(isPlainObject) : [];
        return services.flatMap(({ object: service, namespace: ns }) =>
            endpoints.flatMap((e): Target[] => {
                if (typeof e.port === "string") return this.serviceTargets(ns, service.metadata.name, { portName: e.port }, what) ?? [];
                // The deprecated targetPort: a port of the pods behind the Service.
                return (serviceTargets({ namespace: ns, service: service.metadata.name }, this.input.model, this.input.rendered, this.pods) ?? []).flatMap(({ pod }) => {
                    const port = podPort(pod, e.targetPort);
                    return port ? [{ to: endpointOf(pod), port: port.containerPort, protocol: port.protocol, what: `Service ${ns}/${service.metadata.name} (${pod.id})` }] : [];
                });
            }),
        );
    }
}

export function checkNetworkPolicy(input: CheckInput): CheckResult {
    const findings = new FindingList("networkPolicy");
    const objects = allObjects(input.model, input.rendered);
    const policies = networkPoliciesOf(objects);
    if (input.model.profile === "dev" && policies.length === 0) return findings.result("not required by the dev profile, which renders no NetworkPolicy (network.policies off)");
    const services = objects.filter(({ object }) => object.kind === "Service");
    const reach = new Reachability(input, findings);
    const pods = reach.pods.filter((p) => !p.hostNetwork);
    const hostNetwork = reach.pods.length - pods.length;

    // Coverage.
    const namespaces = [...new Set(pods.map((p) => p.namespace))].sort();
    for (const namespace of namespaces) {
        const here = policies.filter((p) => p.metadata.namespace === namespace);
        const missing = (["Ingress", "Egress"] as const).filter((d) => !here.some((p) => deniesAll(p, d)));
        if (missing.length) {
            findings.error(
                `namespace "${namespace}": no default-deny NetworkPolicy for ${missing.join(" and ")} (podSelector {} with policyTypes ${missing.join(", ")} and no rules); ${here.length ? `its policies: ${here.map((p) => p.metadata.name).join(", ")}` : "it has no NetworkPolicy"}`,
            );
        }
    }
    let covered = 0;
    for (const pod of pods) {
        const allowing = policiesSelecting(policies, pod).filter((p) => allows(p, "Ingress") || allows(p, "Egress"));
        const behind = pod.runsToCompletion
            ? []
            : services.filter(({ object, namespace }) => {
                  const selector = record(object.spec).selector;
                  return namespace === pod.namespace && isPlainObject(selector) && Object.keys(selector).length > 0 && selectorMatches({ matchLabels: selector }, pod.labels);
              });
        if (allowing.length === 0) {
            findings.error(`${pod.id}: no NetworkPolicy with allow rules selects its pods: under default-deny it can neither receive nor open a connection`);
        } else if (behind.length && !allowing.some((p) => allows(p, "Ingress"))) {
            findings.error(
                `${pod.id}: Service ${behind.map(({ object }) => object.metadata.name).join(", ")} routes to its pods but no NetworkPolicy selecting them allows ingress (policies: ${allowing.map((p) => p.metadata.name).join(", ")})`,
            );
        } else covered++;
    }

    // Reachability: each connection is checked (and counted) once, under the first place that names it.
    /** 1 when `source` → `target` is new and allowed, 0 when already checked or refused (then reported). */
    const connect = (checked: Set<string>, source: RenderedPod, target: Target, context: string): number => {
        const key = `${source.id}\u0000${nameOf(target.to)}\u0000${target.protocol}/${target.port}`;
        if (checked.has(key)) return 0;
        checked.add(key);
        const refused = refusal(policies, source, target.to, target.port, target.protocol);
        if (refused) findings.error(`${source.id} → ${target.what} ${target.protocol}/${target.port} (${context}): ${refused}`);
        return refused ? 0 : 1;
    };
    const wired = new Set<string>();
    let wiredAllowed = 0;
    for (const pod of pods) {
        for (const t of configuredTargets(pod, input.model, input.rendered)) {
            if (notConnections.some((n) => n.pod.test(pod.name) && n.service.test(t.service))) continue;
            const where = `configured in ${t.where}`;
            for (const target of reach.serviceTargets(t.namespace, t.service, t, `${pod.id}, ${where}`) ?? []) wiredAllowed += connect(wired, pod, target, where);
        }
    }

    const scrapers = pods.filter((p) => p.workloadKind === "Prometheus" || p.workloadKind === "PrometheusAgent");
    const monitors = objects.filter((o) => o.object.kind in monitorFields && o.object.apiVersion.startsWith("monitoring.coreos.com/"));
    const scraped = new Set<string>();
    let scrapeAllowed = 0;
    const outside: string[] = [];
    for (const monitor of monitors) {
        const takers = scrapers.filter((p) => scrapes(p, monitor));
        if (takers.length === 0) continue;
        const targets = reach.monitorTargets(monitor);
        const what = `${monitor.object.kind} ${monitor.namespace}/${monitor.object.metadata.name}`;
        if (targets === undefined) {
            outside.push(what);
            continue;
        }
        for (const prometheus of takers) for (const target of targets) scrapeAllowed += connect(scraped, prometheus, target, `a target of ${what}`);
    }

    let resolving = 0;
    for (const pod of pods) {
        const refused = clusterDns.ports.flatMap(({ port, protocol }) => {
            const why = refusal(policies, pod, dnsPods, port, protocol);
            return why ? [`${protocol}/${port}: ${why}`] : [];
        });
        if (refused.length) findings.error(`${pod.id} → the cluster DNS (${nameOf(dnsPods)}) ${refused.join("; ")}`);
        else resolving++;
    }

    const exempt = hostNetwork ? `; ${hostNetwork} host-network pod template(s) exempt` : "";
    const unevaluated = outside.length ? ` (not evaluated, their Services are not in the render: ${outside.join(", ")})` : "";
    return findings.result(
        `${covered} of ${pods.length} pod template(s) covered by allow policies in ${namespaces.length} namespace(s); ${wiredAllowed} wired connection(s) allowed, ${scrapeAllowed} scrape target(s) reachable${unevaluated}, ${resolving} pod template(s) reach the cluster DNS; ${policies.length} NetworkPolicy(ies)${exempt}`,
    );
}
