import { strict as assert } from "assert";
import type { Evaluation } from "../../tools/render/evaluate";

/** A stack's Namespaces as `<resource name> <Pod Security level>[ protected][ retained]`, sorted; each resource is named as its namespace. */
export function stackNamespaces(e: Evaluation<unknown>): string[] {
    return e.resources
        .filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => {
            assert.equal(r.inputs.metadata.name, r.name, "a Namespace's resource name is its name");
            return `${r.name} ${r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]}${r.protect ? " protected" : ""}${r.retainOnDelete ? " retained" : ""}`;
        })
        .sort();
}
