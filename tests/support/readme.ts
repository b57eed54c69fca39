/** What the README tests read out of README.md and the pages under docs/. */
import * as fs from "fs";
import * as path from "path";

/** The text of a page under docs/ (`docPage("backup.md")`). */
export function docPage(name: string): string {
    return fs.readFileSync(path.join(__dirname, "..", "..", "docs", name), "utf8");
}

/** `kind/name` references in commands (`statefulset/thanos-compact`, `secret/minio-root-credentials`, …). */
export function kubectlReferences(text: string): { kind: string; name: string }[] {
    const kinds: Record<string, string> = { statefulset: "StatefulSet", deployment: "Deployment", service: "Service", secret: "Secret", pvc: "PersistentVolumeClaim" };
    return [...text.matchAll(/\b(statefulset|deployment|service|secret|pvc)\/([a-z0-9][-a-z0-9]*[a-z0-9])\b/g)].map((m) => ({ kind: kinds[m[1]], name: m[2] }));
}
