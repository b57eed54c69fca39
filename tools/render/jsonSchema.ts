/**
 * A small JSON-schema (draft-07) validator: enough of the spec to check chart values the way Helm
 * does (`values.schema.json`), without a dependency. Supported: type, enum, const, properties,
 * patternProperties, additionalProperties, required, items (schema or tuple), allOf, anyOf, oneOf,
 * not, and `$ref` to JSON pointers inside the same document (`#/definitions/…`, `#/$defs/…`).
 * Everything else (formats, numeric and length bounds, patterns) is ignored.
 */
import { formatPath, isPlainObject, PathSegment } from "./paths";

export type Schema = boolean | Record<string, unknown>;

export interface SchemaError {
    path: PathSegment[];
    message: string;
}

/** Follows a local `$ref` (`#/a/b`, with `~0`/`~1` escapes); throws on anything else. */
export function resolveRef(root: Schema, ref: string): Schema {
    if (!ref.startsWith("#")) throw new Error(`unsupported $ref "${ref}" (only same-document references are)`);
    let node: unknown = root;
    for (const raw of ref.slice(1).split("/").slice(1)) {
        const token = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
        node = isPlainObject(node) ? node[token] : undefined;
        if (node === undefined) throw new Error(`$ref "${ref}" points nowhere`);
    }
    return node as Schema;
}

function typeOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
    const actual = typeOf(value);
    return actual === type || (type === "number" && actual === "integer");
}

function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** Errors of `value` against `schema`; an empty list means valid. */
export function validateSchema(schema: Schema, value: unknown, root: Schema = schema, path: PathSegment[] = []): SchemaError[] {
    if (schema === true) return [];
    if (schema === false) return [{ path, message: `${formatPath(path)} is not allowed here` }];
    if (!isPlainObject(schema)) return [];
    // draft-07: a $ref replaces its siblings.
    if (typeof schema.$ref === "string") return validateSchema(resolveRef(root, schema.$ref), value, root, path);

    const errors: SchemaError[] = [];
    const fail = (message: string) => errors.push({ path, message: `${formatPath(path)}: ${message}` });

    if (schema.type !== undefined) {
        const types = Array.isArray(schema.type) ? schema.type.map(String) : [String(schema.type)];
        if (!types.some((t) => matchesType(value, t))) {
            fail(`expected ${types.join(" or ")}, got ${typeOf(value)} ${JSON.stringify(value)?.slice(0, 60)}`);
            return errors; // Nothing below makes sense for the wrong type.
        }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => sameValue(allowed, value))) {
        fail(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, got ${JSON.stringify(value)}`);
    }
    if ("const" in schema && !sameValue(schema.const, value)) fail(`must be ${JSON.stringify(schema.const)}`);

    if (isPlainObject(value)) {
        const properties = isPlainObject(schema.properties) ? schema.properties : {};
        const patterns = isPlainObject(schema.patternProperties) ? Object.entries(schema.patternProperties) : [];
        for (const required of Array.isArray(schema.required) ? schema.required : []) {
            if (!(String(required) in value)) fail(`missing required property "${required}"`);
        }
        for (const [key, item] of Object.entries(value)) {
            let matched = false;
            if (key in properties) {
                matched = true;
                errors.push(...validateSchema(properties[key] as Schema, item, root, [...path, key]));
            }
            for (const [pattern, sub] of patterns) {
                if (new RegExp(pattern, "u").test(key)) {
                    matched = true;
                    errors.push(...validateSchema(sub as Schema, item, root, [...path, key]));
                }
            }
            if (!matched && schema.additionalProperties !== undefined) {
                if (schema.additionalProperties === false) errors.push({ path: [...path, key], message: `${formatPath([...path, key])}: property "${key}" is not allowed` });
                else errors.push(...validateSchema(schema.additionalProperties as Schema, item, root, [...path, key]));
            }
        }
    }
    if (Array.isArray(value)) {
        if (Array.isArray(schema.items)) {
            schema.items.forEach((sub, i) => i < value.length && errors.push(...validateSchema(sub as Schema, value[i], root, [...path, i])));
        } else if (schema.items !== undefined) {
            value.forEach((item, i) => errors.push(...validateSchema(schema.items as Schema, item, root, [...path, i])));
        }
    }

    if (Array.isArray(schema.allOf)) for (const sub of schema.allOf) errors.push(...validateSchema(sub as Schema, value, root, path));
    if (Array.isArray(schema.anyOf)) {
        const branches = schema.anyOf.map((sub) => validateSchema(sub as Schema, value, root, path));
        if (!branches.some((b) => b.length === 0)) fail(`matches none of anyOf (${firstMessages(branches)})`);
    }
    if (Array.isArray(schema.oneOf)) {
        const branches = schema.oneOf.map((sub) => validateSchema(sub as Schema, value, root, path));
        const valid = branches.filter((b) => b.length === 0).length;
        if (valid === 0) fail(`matches none of oneOf (${firstMessages(branches)})`);
        else if (valid > 1) fail(`matches ${valid} branches of oneOf, exactly one allowed`);
    }
    if (schema.not !== undefined && validateSchema(schema.not as Schema, value, root, path).length === 0) fail("matches a schema it must not match (not)");
    return errors;
}

function firstMessages(branches: SchemaError[][]): string {
    return branches.map((b) => b[0]?.message).filter(Boolean).slice(0, 3).join("; ");
}

/**
 * The schemas that describe property `key` of an object described by `schema` (following $ref and
 * allOf/anyOf/oneOf branches). Empty when the schema does not mention the key. An object schema
 * that declares no `properties` is a free-form map: every key is described (by
 * `additionalProperties`, or by `true`).
 */
export function schemasForKey(schema: Schema, key: string, root: Schema): Schema[] {
    const out: Schema[] = [];
    const visit = (node: Schema, depth: number) => {
        if (depth > 20) return; // Recursive definitions: give up rather than loop.
        if (node === true) {
            out.push(true);
            return;
        }
        if (!isPlainObject(node)) return;
        if (typeof node.$ref === "string") return visit(resolveRef(root, node.$ref), depth + 1);
        for (const combinator of ["allOf", "anyOf", "oneOf"]) {
            const branches = node[combinator];
            if (Array.isArray(branches)) for (const branch of branches) visit(branch as Schema, depth + 1);
        }
        const properties = isPlainObject(node.properties) ? node.properties : undefined;
        if (properties && key in properties) out.push(properties[key] as Schema);
        if (isPlainObject(node.patternProperties)) {
            for (const [pattern, sub] of Object.entries(node.patternProperties)) if (new RegExp(pattern, "u").test(key)) out.push(sub as Schema);
        }
        const declaresObject = node.type === "object" || (Array.isArray(node.type) && node.type.includes("object"));
        if (!properties && !node.patternProperties) {
            if (node.additionalProperties === true || isPlainObject(node.additionalProperties)) out.push(node.additionalProperties as Schema);
            else if (node.additionalProperties === undefined && declaresObject) out.push(true);
        }
    };
    visit(schema, 0);
    return out;
}
