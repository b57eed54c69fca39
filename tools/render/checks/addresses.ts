/**
 * Every in-cluster address the program hands to a chart or writes into an object must name a
 * Service that the stack actually creates, on a port it actually exposes. A typo here surfaces
 * only at runtime as a connection error, often minutes after a "successful" deploy.
 */
import { dnsPort } from "../../../components/networkPolicies";
import { allObjects, dataEntries, describeObject, namespaceOf, renderFailureNote } from "../objects";
import { closestMatch, forEachString, formatPath, isPlainObject } from "../paths";
import { K8sObject } from "../types";
import { CheckInput, CheckResult, FindingList } from "./types";

/**
 * `[scheme://][dnssrv+_srv._tcp.|dns+]name.namespace.svc[.cluster.local][:port]`. The lookbehind
 * keeps a match from starting inside a longer label; a pod host name in front
 * (`pod-0.svc.ns.svc…`) is skipped, leaving the Service part.
 */
const addressPattern = /(?:(https?):\/\/)?(?:dnssrv(?:noa)?\+_([a-z0-9-]+)\._tcp\.|dns\+)?(?<![a-z0-9-])([a-z0-9]([a-z0-9-]*[a-z0-9])?)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?![a-z0-9-])(?::(\d+))?/g;

export interface InClusterAddress {
    text: string;
    scheme?: string;
    /** SRV service name of a `dnssrv+_<srv>._tcp.` address. */
    srv?: string;
    service: string;
    namespace: string;
    /** Explicit port, else the scheme's default (80/443), else undefined (unchecked). */
    port?: number;
}

/** All in-cluster addresses in a piece of text (a URL, or a whole config file). */
export function findAddresses(text: string): InClusterAddress[] {
    const out: InClusterAddress[] = [];
    for (const match of text.matchAll(addressPattern)) {
        const [whole, scheme, srv, service, , namespace, port] = match;
        const defaultPort = scheme === "http" ? 80 : scheme === "https" ? 443 : undefined;
        out.push({ text: whole, scheme, srv, service, namespace, port: srv ? undefined : port ? Number(port) : defaultPort });
    }
    return out;
}

interface ServicePort {
    name?: string;
    port: number;
    protocol: string;
}

function servicePorts(service: K8sObject): ServicePort[] {
    const spec = isPlainObject(service.spec) ? service.spec : {};
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    return ports.filter(isPlainObject).map((p) => ({ name: typeof p.name === "string" ? p.name : undefined, port: Number(p.port), protocol: String(p.protocol ?? "TCP") }));
}

function formatPorts(ports: ServicePort[]): string {
    return ports.map((p) => (p.name ? `${p.name}:${p.port}` : String(p.port))).join("/") || "no ports";
}

/** Where to look for addresses: every string of the program's values and objects, with a name for each place. */
function addressSources(input: CheckInput): { text: string; where: string }[] {
    const sources: { text: string; where: string }[] = [];
    for (const release of input.model.releases) {
        forEachString(release.values, (text, path) => sources.push({ text, where: `release ${release.releaseName} values ${formatPath(path)}` }));
    }
    for (const object of input.model.objects) {
        const namespace = namespaceOf(object, "default");
        if (object.kind === "Secret" || object.kind === "ConfigMap") {
            for (const [key, text] of Object.entries(dataEntries(object))) sources.push({ text, where: `${describeObject(object, namespace)} key ${key}` });
        } else {
            const { metadata: _metadata, ...fields } = object;
            forEachString(fields, (text, path) => sources.push({ text, where: `${describeObject(object, namespace)} field ${formatPath(path)}` }));
        }
    }
    for (const hint of input.model.addresses) sources.push({ text: hint.value, where: hint.where });
    return sources;
}

/** Services every cluster has, which no release renders. */
const clusterServices: { namespace: string; name: string; ports: ServicePort[] }[] = [
    { namespace: "default", name: "kubernetes", ports: [{ name: "https", port: 443, protocol: "TCP" }] },
    {
        namespace: "kube-system",
        name: "kube-dns",
        ports: [
            { name: "dns", port: dnsPort, protocol: "UDP" },
            { name: "dns-tcp", port: dnsPort, protocol: "TCP" },
            { name: "metrics", port: 9153, protocol: "TCP" },
        ],
    },
];

export function checkAddresses(input: CheckInput): CheckResult {
    const findings = new FindingList("addresses");
    const services = new Map<string, Map<string, ServicePort[]>>();
    for (const { namespace, name, ports } of clusterServices) services.set(namespace, new Map([[name, ports]]));
    for (const { object, namespace } of allObjects(input.model, input.rendered)) {
        if (object.kind !== "Service") continue;
        if (!services.has(namespace)) services.set(namespace, new Map());
        services.get(namespace)!.set(object.metadata.name, servicePorts(object));
    }
    const servicesIn = (namespace: string) => {
        const inNamespace = services.get(namespace);
        if (!inNamespace || inNamespace.size === 0) return `namespace "${namespace}" has no Services`;
        const list = [...inNamespace].sort(([a], [b]) => a.localeCompare(b)).map(([name, ports]) => `${name} (${formatPorts(ports)})`);
        return `Services in "${namespace}": ${list.join(", ")}`;
    };

    let checked = 0;
    for (const { text, where } of addressSources(input)) {
        for (const address of findAddresses(text)) {
            checked++;
            const subject = `"${address.text}" (${where})`;
            const ports = services.get(address.namespace)?.get(address.service);
            if (!ports) {
                const guess = closestMatch(address.service, services.get(address.namespace)?.keys() ?? []);
                findings.error(
                    `${subject}: no Service "${address.service}" in namespace "${address.namespace}"${guess ? ` (did you mean "${guess}"?)` : ""}; ${servicesIn(address.namespace)}${renderFailureNote(input.rendered)}`,
                );
            } else if (address.srv) {
                // Kubernetes publishes SRV records `_<port name>._<protocol>` only for named ports.
                if (!ports.some((p) => p.name === address.srv && p.protocol.toUpperCase() === "TCP")) {
                    findings.error(`${subject}: SRV lookup _${address.srv}._tcp needs a TCP port named "${address.srv}" on Service ${address.namespace}/${address.service}, which has ${formatPorts(ports)}`);
                }
            } else if (address.port !== undefined && !ports.some((p) => p.port === address.port)) {
                const implied = /:\d+$/.test(address.text) ? "" : ` (implied by ${address.scheme}://)`;
                findings.error(`${subject}: Service ${address.namespace}/${address.service} has no port ${address.port}${implied}; its ports: ${formatPorts(ports)}`);
            }
        }
    }
    const serviceCount = [...services.values()].reduce((n, m) => n + m.size, 0) - clusterServices.length;
    return findings.result(`${checked} in-cluster address(es) checked against ${serviceCount} Service(s)`);
}
