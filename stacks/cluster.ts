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

/**
 * The Namespaces a stack creates, each once, on first use: the agents' namespace gets Pod Security
 * "privileged" (node-exporter and Alloy read the host), every other one "restricted". With `protect`,
 * a destroy refuses them, and those in `holdingVolumes` also stay in the cluster when the stack
 * deletes them (`retainOnDelete`), with their PersistentVolumeClaims.
 */
export function namespaceRegistry(config: Pick<PlatformConfig, "namespaces">, provider: k8s.Provider, protect: boolean, holdingVolumes: ReadonlySet<string>) {
    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    const namespace = (name: string): pulumi.Output<string> => {
        if (!namespaces.has(name)) {
            const level = name === config.namespaces.agents ? "privileged" : "restricted";
            const retainOnDelete = protect && holdingVolumes.has(name);
            namespaces.set(name, new k8s.core.v1.Namespace(name, { metadata: { name, labels: podSecurityLabels(level) } }, { provider, protect, retainOnDelete }));
        }
        return namespaces.get(name)!.metadata.name;
    };
    return { namespaces, namespace };
}
