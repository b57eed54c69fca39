/**
 * Masking of secrets in everything the render step writes to disk: manifests are kept for review
 * and diffing, and must not become a second copy of the credentials.
 */
import { isPlainObject } from "./paths";
import { K8sObject } from "./types";

export const masked = "<masked>";

/** Secret values shorter than this are masked only where they are a whole string, not inside text (too many false hits). */
const minSubstringLength = 6;

/** Replaces every known secret value inside `text`. */
export function maskText(text: string, secretValues: readonly string[]): string {
    let out = text;
    for (const secret of secretValues) {
        if (secret === "") continue;
        if (out === secret) return masked;
        if (secret.length >= minSubstringLength && out.includes(secret)) out = out.split(secret).join(masked);
    }
    return out;
}

function maskDeep(value: unknown, secretValues: readonly string[]): unknown {
    if (typeof value === "string") return maskText(value, secretValues);
    if (Array.isArray(value)) return value.map((item) => maskDeep(item, secretValues));
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, secretValues)]));
    return value;
}

/** A copy of `object` with Secret `data`/`stringData` values and known secret values replaced by `<masked>`. */
export function maskObject(object: K8sObject, secretValues: readonly string[]): K8sObject {
    // Longest first, so a secret that contains another is masked whole.
    const ordered = [...secretValues].sort((a, b) => b.length - a.length);
    const copy = maskDeep(object, ordered) as K8sObject;
    if (object.kind === "Secret") {
        for (const field of ["data", "stringData"]) {
            const entries = copy[field];
            if (isPlainObject(entries)) copy[field] = Object.fromEntries(Object.keys(entries).map((key) => [key, masked]));
        }
    }
    return copy;
}

export function maskObjects(objects: readonly K8sObject[], secretValues: readonly string[]): K8sObject[] {
    return objects.map((object) => maskObject(object, secretValues));
}
