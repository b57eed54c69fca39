import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { RawConfig, secretKeys } from "../../stacks/config";

/** Stand-in for a `secure:` value, which cannot be decrypted without the stack's secrets provider. */
export const undecryptedSecret = (key: string) => `<secret ${key} from stack config>`;

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
    const secret = new Set<string>(secretKeys);
    for (const [key, value] of Object.entries<any>(stackFile.config ?? {})) {
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
