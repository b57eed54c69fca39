import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import type { RawConfig } from "../../stacks/config";

/** Stand-in for a `secure:` value, which cannot be decrypted without the stack's secrets provider. */
export const undecryptedSecret = "<secret from stack config>";

/**
 * Reads a stack's config the way `pulumi` would hand it to the program: the project's declared
 * defaults from Pulumi.yaml, overlaid by Pulumi.<stack>.yaml. Only keys of this project are kept
 * (provider and `pulumi:` keys are not the program's). Objects become JSON text, as Pulumi passes them.
 */
export function readStackConfig(projectDir: string, stack: string): { project: string; raw: RawConfig } {
    const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8"));
    const name: string = project.name;
    const raw: Record<string, string> = {};
    for (const [key, decl] of Object.entries<any>(project.config ?? {})) {
        if (key.includes(":") && !key.startsWith(`${name}:`)) continue;
        const bare = key.replace(`${name}:`, "");
        const value = decl !== null && typeof decl === "object" && !Array.isArray(decl) ? (decl.default ?? decl.value) : decl;
        if (value !== undefined) raw[bare] = encode(value);
    }
    let stackFile: any;
    try {
        stackFile = parse(readFileSync(join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
    } catch (err) {
        throw new Error(`cannot read Pulumi.${stack}.yaml in ${projectDir}: ${(err as Error).message}`);
    }
    for (const [key, value] of Object.entries<any>(stackFile.config ?? {})) {
        if (!key.startsWith(`${name}:`)) continue;
        raw[key.slice(name.length + 1)] = encode(value);
    }
    return { project: name, raw };
}

function encode(value: unknown): string {
    if (value !== null && typeof value === "object" && "secure" in (value as object)) return undecryptedSecret;
    return typeof value === "string" ? value : JSON.stringify(value);
}
