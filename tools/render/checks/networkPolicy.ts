/**
 * NetworkPolicy coverage (prod): every namespace that runs platform pods denies all ingress and
 * egress by default (a policy with an empty podSelector and no rules for that direction), and
 * every pod is then let through by at least one allow policy that selects it; a pod behind a
 * Service needs one that allows ingress, or the Service is unreachable. This is coverage, not
 * reachability: whether each allow rule admits the exact peers and ports the wiring uses is not
 * evaluated. Pods on the host network are exempt: NetworkPolicies do not apply to them.
 */
import { allObjects, selectorMatches, workloadsOf } from "../objects";
import { isPlainObject } from "../paths";
import { K8sObject } from "../types";
import { CheckInput, CheckResult, FindingList } from "./types";

type Direction = "Ingress" | "Egress";

interface Policy {
    name: string;
    namespace: string;
    podSelector: unknown;
    types: Direction[];
    rules: Record<Direction, unknown[]>;
}

function policyOf(object: K8sObject, namespace: string): Policy {
    const spec = (isPlainObject(object.spec) ? object.spec : {}) as Record<string, unknown>;
    const rules = {
        Ingress: Array.isArray(spec.ingress) ? spec.ingress : [],
        Egress: Array.isArray(spec.egress) ? spec.egress : [],
    };
    // Kubernetes' default: Ingress always, Egress only when the policy has egress rules.
    const types: Direction[] = Array.isArray(spec.policyTypes) ? spec.policyTypes.filter((t): t is Direction => t === "Ingress" || t === "Egress") : ["Ingress", ...(rules.Egress.length ? (["Egress"] as const) : [])];
    return { name: object.metadata.name, namespace, podSelector: spec.podSelector, types, rules };
}

/** A selector with no matchLabels and no matchExpressions: every pod of the namespace. */
function selectsAll(selector: unknown): boolean {
    if (!isPlainObject(selector)) return false;
    const labels = isPlainObject(selector.matchLabels) ? Object.keys(selector.matchLabels) : [];
    const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
    return labels.length === 0 && expressions.length === 0;
}

const deniesAll = (p: Policy, d: Direction) => selectsAll(p.podSelector) && p.types.includes(d) && p.rules[d].length === 0;
const allows = (p: Policy, d: Direction) => p.types.includes(d) && p.rules[d].length > 0;

export function checkNetworkPolicy(input: CheckInput): CheckResult {
    const findings = new FindingList("networkPolicy");
    if (input.model.profile === "dev") return findings.result("not required by the dev profile");
    const objects = allObjects(input.model, input.rendered);
    const policies = objects.filter(({ object }) => object.kind === "NetworkPolicy").map(({ object, namespace }) => policyOf(object, namespace));
    const services = objects.filter(({ object }) => object.kind === "Service");
    const workloads = workloadsOf(input.rendered);
    const pods = workloads.filter((w) => w.template.spec.hostNetwork !== true);
    const hostNetwork = workloads.length - pods.length;

    const namespaces = [...new Set(pods.map((w) => w.namespace))].sort();
    for (const namespace of namespaces) {
        const here = policies.filter((p) => p.namespace === namespace);
        const missing = (["Ingress", "Egress"] as const).filter((d) => !here.some((p) => deniesAll(p, d)));
        if (missing.length) {
            findings.error(
                `namespace "${namespace}": no default-deny NetworkPolicy for ${missing.join(" and ")} (podSelector {} with policyTypes ${missing.join(", ")} and no rules); ${here.length ? `its policies: ${here.map((p) => p.name).join(", ")}` : "it has no NetworkPolicy"}`,
            );
        }
    }

    let covered = 0;
    for (const w of pods) {
        const selecting = policies.filter((p) => p.namespace === w.namespace && selectorMatches(p.podSelector, w.labels));
        const allowing = selecting.filter((p) => allows(p, "Ingress") || allows(p, "Egress"));
        const behind = w.runsToCompletion
            ? []
            : services.filter(({ object, namespace }) => {
                  const selector = isPlainObject(object.spec) ? object.spec.selector : undefined;
                  return namespace === w.namespace && isPlainObject(selector) && Object.keys(selector).length > 0 && selectorMatches({ matchLabels: selector }, w.labels);
              });
        let ok = true;
        if (allowing.length === 0) {
            ok = false;
            findings.error(`${w.name}: no NetworkPolicy with allow rules selects its pods: under default-deny it can neither receive nor open a connection`);
        } else if (behind.length && !allowing.some((p) => allows(p, "Ingress"))) {
            ok = false;
            findings.error(
                `${w.name}: Service ${behind.map(({ object }) => object.metadata.name).join(", ")} routes to its pods but no NetworkPolicy selecting them allows ingress (policies: ${allowing.map((p) => p.name).join(", ")})`,
            );
        }
        if (ok) covered++;
    }
    const exempt = hostNetwork ? `; ${hostNetwork} host-network pod template(s) exempt` : "";
    return findings.result(`${covered} of ${pods.length} pod template(s) covered by allow policies in ${namespaces.length} namespace(s); ${policies.length} NetworkPolicy(ies)${exempt}`);
}
