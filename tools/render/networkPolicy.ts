/**
 * Evaluates Kubernetes NetworkPolicies the way a conforming CNI does, against pods given by their
 * labels and ports: which policies isolate a pod, and whether a connection is allowed. Pure; it
 * reads policies as rendered manifests (named ports, `endPort`, `ipBlock.except` included).
 */
import { namespaceNameLabel } from "../../components/networkPolicies";
import { cidrContains, parseCidr } from "../../stacks/cidr";
import { selectorMatches, SourcedObject } from "./objects";
import { isPlainObject } from "./paths";

export type Labels = Readonly<Record<string, string>>;
export type Protocol = "TCP" | "UDP" | "SCTP";

export interface LabelSelector {
    readonly matchLabels?: Labels;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export interface ContainerPort {
    name?: string;
    containerPort: number;
    protocol: Protocol;
}

/** A pod on the pod network. */
export interface PodEndpoint {
    kind: "pod";
    namespace: string;
    labels: Labels;
    /** Labels of its namespace; default: the `kubernetes.io/metadata.name` label Kubernetes sets. */
    namespaceLabels?: Labels;
    /** Its containers' ports, to resolve named ports. */
    ports?: readonly ContainerPort[];
}

/**
 * Anything addressed by IP outside the pod network: the API server, a node, the internet. Without
 * `ip`, an address the caller does not know (a node's, from a render): only a rule that admits
 * every address is sure to admit it.
 */
export interface AddressEndpoint {
    kind: "address";
    ip?: string;
}

export type Endpoint = PodEndpoint | AddressEndpoint;

export interface PolicyPeer {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
    readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}
export interface PolicyPort {
    readonly protocol?: Protocol;
    readonly port?: number | string;
    readonly endPort?: number;
}
export interface NetworkPolicy {
    readonly metadata: { readonly name: string; readonly namespace: string };
    readonly spec: {
        readonly podSelector: LabelSelector;
        readonly policyTypes?: readonly ("Ingress" | "Egress")[];
        readonly ingress?: readonly { readonly from?: readonly PolicyPeer[]; readonly ports?: readonly PolicyPort[] }[];
        readonly egress?: readonly { readonly to?: readonly PolicyPeer[]; readonly ports?: readonly PolicyPort[] }[];
    };
}

/** The NetworkPolicies among `objects`, each in its effective namespace. */
export function networkPoliciesOf(objects: readonly SourcedObject[]): NetworkPolicy[] {
    return objects
        .filter(({ object }) => object.kind === "NetworkPolicy" && object.apiVersion === "networking.k8s.io/v1" && isPlainObject(object.spec))
        .map(({ object, namespace }) => ({ metadata: { name: object.metadata.name, namespace }, spec: object.spec as NetworkPolicy["spec"] }));
}

const namespaceLabelsOf = (pod: PodEndpoint): Labels => pod.namespaceLabels ?? { [namespaceNameLabel]: pod.namespace };

/** The policy types a policy has: as listed, else (the API server's default) Ingress always and Egress when it has egress rules. */
export function policyTypesOf(policy: NetworkPolicy): readonly ("Ingress" | "Egress")[] {
    if (policy.spec.policyTypes && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
    return policy.spec.egress && policy.spec.egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

/** Policies that select `pod` (its namespace, its labels), whatever their type. */
export function policiesSelecting(policies: readonly NetworkPolicy[], pod: PodEndpoint): NetworkPolicy[] {
    return policies.filter((p) => p.metadata.namespace === pod.namespace && selectorMatches(p.spec.podSelector ?? {}, pod.labels));
}

/** Whether a peer of a policy in `policyNamespace` matches `endpoint`. */
export function peerMatches(peer: PolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
    if (peer.ipBlock) {
        // ipBlock is meant for addresses outside the pod network; for pod IPs the result is CNI-specific, so never rely on it.
        if (endpoint.kind !== "address") return false;
        const cidr = parseCidr(peer.ipBlock.cidr);
        if (!cidr) return false;
        const { ip } = endpoint;
        if (ip === undefined) return cidr.prefix === 0 && (peer.ipBlock.except ?? []).length === 0;
        if (!cidrContains(cidr, ip)) return false;
        return !(peer.ipBlock.except ?? []).some((e) => {
            const except = parseCidr(e);
            return except !== undefined && cidrContains(except, ip);
        });
    }
    if (endpoint.kind !== "pod") return false;
    if (!peer.podSelector && !peer.namespaceSelector) return false;
    const namespaceOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, namespaceLabelsOf(endpoint)) : endpoint.namespace === policyNamespace;
    return namespaceOk && selectorMatches(peer.podSelector ?? {}, endpoint.labels);
}

/** Whether a rule's ports admit `port`/`protocol` on `destination` (named ports resolve against the destination pod). */
export function portMatches(ports: readonly PolicyPort[] | undefined, destination: Endpoint, port: number, protocol: Protocol): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
        if ((p.protocol ?? "TCP") !== protocol) return false;
        if (p.port === undefined) return true;
        if (typeof p.port === "number") return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
        return destination.kind === "pod" && (destination.ports ?? []).some((c) => c.name === p.port && c.containerPort === port && c.protocol === protocol);
    });
}

/** Whether `source`'s policies let it open `port` on `destination` (true when no policy isolates its egress). */
export function egressAllowed(policies: readonly NetworkPolicy[], source: PodEndpoint, destination: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
    const isolating = policiesSelecting(policies, source).filter((p) => policyTypesOf(p).includes("Egress"));
    if (isolating.length === 0) return true;
    return isolating.some((p) =>
        (p.spec.egress ?? []).some((rule) => (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, p.metadata.namespace, destination))) && portMatches(rule.ports, destination, port, protocol)),
    );
}

/** Whether `destination`'s policies admit `source` on `port` (true when no policy isolates its ingress). */
export function ingressAllowed(policies: readonly NetworkPolicy[], destination: PodEndpoint, source: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
    const isolating = policiesSelecting(policies, destination).filter((p) => policyTypesOf(p).includes("Ingress"));
    if (isolating.length === 0) return true;
    return isolating.some((p) =>
        (p.spec.ingress ?? []).some((rule) => (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, p.metadata.namespace, source))) && portMatches(rule.ports, destination, port, protocol)),
    );
}

/**
 * Whether a connection from `source` to `destination` on `port` gets through: the source's egress
 * and the destination's ingress must both allow it. Addresses outside the pod network carry no
 * policy of their own.
 */
export function connectionAllowed(policies: readonly NetworkPolicy[], source: Endpoint, destination: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
    return (source.kind !== "pod" || egressAllowed(policies, source, destination, port, protocol)) && (destination.kind !== "pod" || ingressAllowed(policies, destination, source, port, protocol));
}
