/**
 * Credentials belong in Secrets. ConfigMaps, container args and literal env values are readable by
 * anyone who can list pods or ConfigMaps, and end up in logs and `kubectl describe`. This flags any
 * known secret value found there, and any credential-looking key with a literal value.
 */
import { parse } from "yaml";
import { allObjects, containersOf, dataEntries, describeObject, podTemplateOf } from "../objects";
import { isPlainObject } from "../paths";
import { CheckInput, CheckResult, FindingList } from "./types";

/** Keys that name a credential. */
const credentialKey = /password|passwd|secret|token|access_?key|secret_?key/i;

/**
 * Credential-looking keys that hold something else: a file or path to one, the name of a Secret,
 * a switch, a lifetime, a URL, an id, a header name (`secretName`, `token_file`, `password_enabled`…).
 */
const notACredentialKey = /(file|path|dir|name|ref|enabled|enable|disabled|ttl|timeout|duration|expiry|expiration|url|endpoint|header|type|length|mode|_?id|policy|selector|mount|volume)$|^existing/i;

/** Values that are not literal credentials: references to the environment or files, placeholders, switches, numbers, durations. */
export function isLiteralCredential(value: string): boolean {
    const v = value.trim().replace(/^["']|["']$/g, "");
    if (v === "" || v === "<masked>") return false;
    if (/^\$\{[^}]+\}$|^\$\([^)]+\)$|^\$[A-Za-z_][A-Za-z0-9_]*$|^\$__(env|file)\{[^}]*\}$|^\{\{.*\}\}$/.test(v)) return false;
    // Alloy reads the environment with sys.env("NAME") (an edge's login comes from a Secret that way).
    if (/^sys\.env\("[A-Za-z_][A-Za-z0-9_]*"\)$/.test(v)) return false;
    if (/^(\/|\.\/|~\/|file:)/.test(v)) return false;
    if (/^(true|false|null|~|yes|no|on|off)$/i.test(v)) return false;
    if (/^[+-]?\d+(\.\d+)?([eE]\d+)?$/.test(v) || /^(\d+(\.\d+)?(ns|us|ms|s|m|h|d|w|y))+$/.test(v)) return false;
    if (/^https?:\/\/[^@\s]+$/.test(v)) return false; // A URL without userinfo carries no credential.
    return true;
}

function isCredentialKey(key: string): boolean {
    return credentialKey.test(key) && !notACredentialKey.test(key);
}

/** Key/value pairs inside a config file: YAML/JSON parsed, anything else (ini, properties, flags) by lines. */
export function configPairs(text: string): { key: string; value: string }[] {
    const pairs: { key: string; value: string }[] = [];
    let parsed: unknown;
    try {
        parsed = parse(text);
    } catch {
        parsed = undefined;
    }
    if (isPlainObject(parsed) || Array.isArray(parsed)) {
        const visit = (node: unknown, key: string) => {
            if (Array.isArray(node)) node.forEach((item) => visit(item, key));
            else if (isPlainObject(node)) for (const [k, v] of Object.entries(node)) visit(v, k);
            else if (typeof node === "string" || typeof node === "number") pairs.push({ key, value: String(node) });
        };
        visit(parsed, "");
        return pairs;
    }
    for (const line of text.split("\n")) {
        const match = /^\s*([A-Za-z0-9_.-]+)\s*[:=]\s*(.*?)\s*$/.exec(line);
        if (match && !line.trim().startsWith("#") && !line.trim().startsWith(";")) pairs.push({ key: match[1], value: match[2] });
    }
    return pairs;
}

/** `--flag=value` and `--flag value` pairs of a command line. */
function argPairs(args: string[]): { key: string; value: string }[] {
    const pairs: { key: string; value: string }[] = [];
    args.forEach((arg, i) => {
        const match = /^--?([^=\s]+)=(.*)$/s.exec(arg);
        if (match) pairs.push({ key: match[1], value: match[2] });
        else if (/^--?[A-Za-z]/.test(arg) && i + 1 < args.length && !args[i + 1].startsWith("-")) pairs.push({ key: arg.replace(/^-+/, ""), value: args[i + 1] });
    });
    return pairs;
}

export function checkPlaintext(input: CheckInput): CheckResult {
    const findings = new FindingList("plaintext");
    // Short values (a user name like "admin") would match everywhere as substrings; compare those whole.
    const secrets = [...new Set(input.model.secretValues.filter((s) => s !== ""))];
    const containsSecret = (text: string) => secrets.some((s) => (s.length >= 6 ? text.includes(s) : text.trim() === s));

    let scanned = 0;
    const scan = (where: string, text: string, pairs: { key: string; value: string }[]) => {
        scanned++;
        if (containsSecret(text)) findings.error(`${where} contains the value of a known secret in plaintext; move it to a Secret`);
        for (const { key, value } of pairs) {
            if (isCredentialKey(key) && isLiteralCredential(value) && !containsSecret(value)) {
                findings.error(`${where}: "${key}" has a literal value; credentials belong in a Secret (reference it via env or a mounted file)`);
            }
        }
    };

    for (const { object, namespace, origin } of allObjects(input.model, input.rendered)) {
        const subject = `${describeObject(object, namespace)} (${origin})`;
        if (object.kind === "ConfigMap") {
            for (const [key, text] of Object.entries(dataEntries(object))) {
                // A one-line entry is itself a key/value pair (`password: hunter2` as a ConfigMap key).
                const own = text.includes("\n") ? [] : [{ key, value: text }];
                scan(`${subject} key ${key}`, text, [...own, ...configPairs(text)]);
            }
        }
        const template = podTemplateOf(object);
        for (const { container } of template ? containersOf(template.spec) : []) {
            const who = `${subject} container "${container.name}"`;
            const args = [...(Array.isArray(container.command) ? container.command : []), ...(Array.isArray(container.args) ? container.args : [])].map(String);
            if (args.length) scan(`${who} args`, args.join(" "), argPairs(args));
            for (const variable of Array.isArray(container.env) ? container.env.filter(isPlainObject) : []) {
                if (typeof variable.value !== "string") continue;
                scan(`${who} env ${variable.name}`, variable.value, [{ key: String(variable.name), value: variable.value }]);
            }
        }
    }
    return findings.result(`${scanned} ConfigMap entries, command lines and env values scanned for ${secrets.length} known secret value(s) and credential-looking keys`);
}
