import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podSecurityLabels } from "../components/podSecurity";
import { PlatformConfig } from "./schema";

/** The Kubernetes provider of a stack (a platform's or an edge's): the cluster its config names. */
export function clusterProvider(config: Pick<PlatformConfig, "kubeconfig" | "kubeContext">): k8s.Provider {
    return new k8s.Provider("kubernetes", {
        // Contents may carry a token, and the provider keeps its inputs in state: encrypted as a secret
        // there however the key was set (a path costs nothing to hide).
        ...(config.kubeconfig ? { kubeconfig: pulumi.secret(config.kubeconfig) } : {}),
        ...(config.kubeContext ? { context: config.kubeContext } : {}),
    });
}

/** What a stack's Namespaces are for: the keys of `namespaces` in config, each naming one. */
type NamespaceRole = keyof PlatformConfig["namespaces"];

/** The Namespaces a stack created: each role's name (an output of its Namespace, so what goes in it waits for it), and the Namespaces by name. */
interface StackNamespaces<Roles> {
    readonly ns: { readonly [R in keyof Roles]: pulumi.Output<string> };
    readonly byName: ReadonlyMap<string, k8s.core.v1.Namespace>;
}

/**
 * Creates the Namespaces of the roles a stack uses (`roles`: each role, and whether its Namespace
 * holds PersistentVolumeClaims), one per name: roles may share one. The agents' namespace gets Pod
 * Security "privileged" (node-exporter and Alloy read the host), every other one "restricted". With
 * `protect`, a destroy refuses them, and a name that any role holding volumes uses also stays in the
 * cluster when the stack deletes it (`retainOnDelete`), with its PersistentVolumeClaims. A role
 * absent from `roles` gets no Namespace. Each Namespace's resource name is its own name, never the
 * role's: stacks that exist have them under these names, and another name would replace them.
 */
export function createNamespaces<Roles extends Partial<Record<NamespaceRole, boolean>>>(config: Pick<PlatformConfig, "namespaces">, roles: Roles, provider: k8s.Provider, protect: boolean): StackNamespaces<Roles> {
    const used = Object.entries(roles) as [NamespaceRole, boolean][];
    const holdingVolumes = new Set(used.filter(([, holds]) => holds).map(([role]) => config.namespaces[role]));
    const byName = new Map<string, k8s.core.v1.Namespace>();
    const ns = Object.fromEntries(
        used.map(([role]) => {
            const name = config.namespaces[role];
            if (!byName.has(name)) {
                const level = name === config.namespaces.agents ? "privileged" : "restricted";
                const retainOnDelete = protect && holdingVolumes.has(name);
                byName.set(name, new k8s.core.v1.Namespace(name, { metadata: { name, labels: podSecurityLabels(level) } }, { provider, protect, retainOnDelete }));
            }
            return [role, byName.get(name)!.metadata.name];
        }),
    ) as StackNamespaces<Roles>["ns"];
    return { ns, byName };
}

/**
 * The Helm release names of the parts both a platform and an edge stack deploy. A release's name
 * names its Services, so what other releases are told derives from it; it never changes, since a
 * renamed release is a new release (and new volumes).
 */
export const sharedReleaseNames = { crds: "prometheus-crds", metrics: "kps", agents: "alloy" } as const;

/** The release names of the parts only a platform deploys (Grafana's is `grafanaReleaseName`, the collection's `collectionReleaseNames`). */
export const platformReleaseNames = { objectStorage: "minio", thanos: "thanos", logs: "loki", traces: "tempo" } as const;
