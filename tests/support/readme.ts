/** What the README tests read out of README.md. */
import { strict as assert } from "assert";

/** The text of a `## ` section of the README, up to the next one. */
export function readmeSection(text: string, title: string): string {
    const start = text.indexOf(`\n## ${title}\n`);
    assert.ok(start >= 0, `README has no section "## ${title}"`);
    const end = text.indexOf("\n## ", start + 1);
    return text.slice(start, end < 0 ? undefined : end);
}

/** `kind/name` references in commands (`statefulset/thanos-compact`, `secret/minio-root-credentials`, …). */
export function kubectlReferences(text: string): { kind: string; name: string }[] {
    const kinds: Record<string, string> = { statefulset: "StatefulSet", deployment: "Deployment", service: "Service", secret: "Secret", pvc: "PersistentVolumeClaim" };
    return [...text.matchAll(/\b(statefulset|deployment|service|secret|pvc)\/([a-z0-9][-a-z0-9]*[a-z0-9])\b/g)].map((m) => ({ kind: kinds[m[1]], name: m[2] }));
}
