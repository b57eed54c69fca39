/**
 * Kubernetes API schemas for offline validation, one file per minor version, from a local
 * directory (nothing is downloaded): `<dir>/v1.34[.<patch>]/swagger.json` (the OpenAPI v2 spec of
 * a Kubernetes release, `api/openapi-spec/swagger.json` in kubernetes/kubernetes) or
 * `<dir>/v1.34.0/_definitions.json` (the same definitions as cdk8s publishes them in its
 * `kubernetes-schemas/` directory, which can be used as `<dir>` directly).
 */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "./helm";
import { KubeSchemas, KubeSchemaVersion } from "./types";

/** Minor versions every object is validated against: the one the charts render for (helm.ts `kubeVersion`) and the two after it. */
export const kubeSchemaVersions = ["1.34", "1.35", "1.36"] as const;

/** `<project>/.cache/kube-schemas` (git-ignored), next to the chart cache. */
export const defaultKubeSchemasDir = path.join(projectRoot(), ".cache", "kube-schemas");

const schemaFiles = ["swagger.json", "_definitions.json"];

/** The directory for `version` in `dir`: `v1.34` or the highest `v1.34.<patch>` holding a schema file. */
function versionFile(dir: string, version: string): string | undefined {
    const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    const candidates = entries
        .map((name) => ({ name, patch: new RegExp(`^v${version.replace(".", "\\.")}(?:\\.(\\d+))?$`).exec(name) }))
        .filter((e) => e.patch)
        .sort((a, b) => Number(b.patch![1] ?? -1) - Number(a.patch![1] ?? -1));
    for (const { name } of candidates) {
        for (const file of schemaFiles) {
            const candidate = path.join(dir, name, file);
            if (fs.existsSync(candidate)) return candidate;
        }
    }
    return undefined;
}

/** Reads the schemas of `versions` found in `dir` (default: `$LGTM_KUBE_SCHEMAS_DIR`, else `.cache/kube-schemas`). */
export function loadKubeSchemas(dir = process.env.LGTM_KUBE_SCHEMAS_DIR ?? defaultKubeSchemasDir, versions: readonly string[] = kubeSchemaVersions): KubeSchemas {
    const found: KubeSchemaVersion[] = [];
    const missing: string[] = [];
    for (const version of versions) {
        const file = versionFile(dir, version);
        if (!file) {
            missing.push(version);
            continue;
        }
        const parsed = JSON.parse(fs.readFileSync(file, "utf8"));
        if (typeof parsed?.definitions !== "object" || parsed.definitions === null) throw new Error(`${file}: no "definitions" object; expected a Kubernetes OpenAPI v2 spec`);
        found.push({ version, file, definitions: parsed.definitions });
    }
    return { dir, versions: found, missing };
}
