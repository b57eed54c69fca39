import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { RawConfig, secretKeys } from "../../stacks/config";
import { isPlainObject } from "./paths";

/**
 * Stand-in for a `secure:` value, which cannot be decrypted without the stack's secrets provider.
 * Without whitespace and long enough, it passes the form rules of every credential key.
 */
export const undecryptedSecret = (key: string) => `<secret:${key}:from-stack-config>`;

/** Keys whose values no message repeats: the secret keys, and `kubeconfig`, whose contents may hold a token. */
const undisclosedKeys = new Set<string>([...secretKeys, "kubeconfig"]);
const notShown = "(secret, not shown)";

/**
 * Reads a stack's config the way `pulumi` would hand it to the program: the project's declared
 * defaults from Pulumi.yaml, overlaid by Pulumi.<stack>.yaml. Only keys of this project are kept
 * (provider and `pulumi:` keys are not the program's). Objects become JSON text, as Pulumi passes them.
 */
export function readStackConfig(projectDir: string, stack: string): { project: string; raw: RawConfig } {
    const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8"));
    const name: string = project.name;
    const raw: Record<string, string> = {};
    for (const [key, decl] of Object.entries<unknown>(project.config ?? {})) {
        if (key.includes(":") && !key.startsWith(`${name}:`)) continue;
        const bare = key.replace(`${name}:`, "");
        const value = isPlainObject(decl) ? (decl.default ?? decl.value) : decl;
        if (value !== undefined) raw[bare] = encode(value);
    }
    let stackFile: { config?: Record<string, unknown> };
    try {
        stackFile = parse(readFileSync(join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
    } catch (err) {
        throw new Error(`cannot read Pulumi.${stack}.yaml in ${projectDir}: ${(err as Error).message}`, { cause: err });
    }
    const secret = new Set<string>(secretKeys);
    for (const [key, value] of Object.entries<unknown>(stackFile.config ?? {})) {
        if (!key.startsWith(`${name}:`)) continue;
        const bare = key.slice(name.length + 1);
        if (secret.has(bare) && !isSecure(value)) {
            // The value itself is not repeated: it is a credential, and now in a file it should not be in.
            throw new Error(`${key} is in clear text in Pulumi.${stack}.yaml: remove it and set it as a secret: pulumi config set --secret ${key} <value>`);
        }
        raw[bare] = isSecure(value) ? undecryptedSecret(key) : encode(value);
    }
    return { project: name, raw };
}

function isSecure(value: unknown): boolean {
    return value !== null && typeof value === "object" && "secure" in (value as object);
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * `--set` assignments (`key=value`) as whole-key overrides of a stack's `raw` config. A bare key
 * takes the value as Pulumi would hand it (`profile=prod`, `loki={"mode":"Distributed"}`); a dotted
 * path sets one field of a structured key and keeps the rest of what the stack sets there, like
 * `pulumi config set --path` (`loki.expectedIngestMBps=40`). A field's value is read as JSON when it
 * is JSON (numbers, booleans, objects), as text otherwise (`grafana.ingress.host=grafana.example.com`).
 */
export function configAssignments(raw: RawConfig, assignments: readonly string[]): Record<string, string> {
    const overrides: Record<string, string> = {};
    for (const assignment of assignments) {
        const cut = assignment.indexOf("=");
        const [key, ...path] = cut > 0 ? assignment.slice(0, cut).split(".") : [];
        const secret = key !== undefined && undisclosedKeys.has(key);
        const shownAssignment = JSON.stringify(secret ? `${assignment.slice(0, cut)}=${notShown}` : assignment);
        const shown = (value: unknown) => (secret ? notShown : JSON.stringify(value));
        if (key === undefined || path.some((segment) => segment === "")) {
            throw new Error(`--set ${shownAssignment}: expected key=value or key.field=value, such as loki.expectedIngestMBps=40`);
        }
        const text = assignment.slice(cut + 1);
        if (path.length === 0) {
            overrides[key] = text;
            continue;
        }
        const current = overrides[key] ?? raw[key];
        let root: unknown = {};
        if (current !== undefined) {
            try {
                root = JSON.parse(current);
            } catch {
                root = undefined;
            }
        }
        if (!isPlainObject(root)) throw new Error(`--set ${shownAssignment}: ${key} is not a structured key here (its value is ${shown(current)}), so it has no field ${path.join(".")}`);
        let node = root;
        for (const segment of path.slice(0, -1)) {
            const next = node[segment] ?? {};
            if (!isPlainObject(next)) throw new Error(`--set ${shownAssignment}: ${key}.${segment} is ${shown(next)}, not an object`);
            node[segment] = next;
            node = next;
        }
        node[path[path.length - 1]] = parseValue(text);
        overrides[key] = JSON.stringify(root);
    }
    return overrides;
}

function parseValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
