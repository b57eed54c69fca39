/**
 * Chart values against a chart's `values.schema.json`, as Helm checks them at install (ajv, formats
 * not enforced), and the navigation the values check needs: which schemas describe a key.
 */
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
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

/**
 * Schema patterns written for Go (Kubernetes CRDs, charts validated by Helm): leading flags (`(?i)`,
 * also after `^`) become JavaScript flags; a pattern that JavaScript still cannot compile is not
 * enforced rather than failing the whole schema.
 */
export const goRegExp = Object.assign(
    (pattern: string, flags: string) => {
        const inline = /^(\^?)\(\?([imsU]+)\)/.exec(pattern);
        const source = inline ? inline[1] + pattern.slice(inline[0].length) : pattern;
        const extra = inline ? inline[2].replace(/[^ims]/g, "") : "";
        try {
            return new RegExp(source, flags + extra);
        } catch {
            return { test: () => true };
        }
    },
    { code: "goRegExp" },
);

/** An ajv error's `instancePath` (a JSON pointer) as path segments. */
export function instancePath(pointer: string): PathSegment[] {
    return pointer
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function typeOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

// One ajv per schema: charts' schemas may share an `$id`, which one instance would refuse.
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: Schema): ValidateFunction {
    const key = typeof schema === "object" ? schema : { schema };
    let validate = compiled.get(key);
    if (!validate) {
        // validateSchema off: charts name whichever draft they were written for in `$schema`.
        // inlineRefs off: loki's 270 KB schema compiles in half the time (about 1 s instead of 2).
        const ajv = new Ajv({
            strict: false,
            allErrors: true,
            verbose: true,
            validateSchema: false,
            validateFormats: false,
            inlineRefs: false,
            logger: false,
            code: { regExp: goRegExp },
        });
        validate = ajv.compile(schema);
        compiled.set(key, validate);
    }
    return validate;
}

function describeError(error: ErrorObject): string {
    const at = formatPath(instancePath(error.instancePath));
    switch (error.keyword) {
        case "type":
            return `${at}: expected ${String(error.params.type).split(",").join(" or ")}, got ${typeOf(error.data)} ${JSON.stringify(error.data)?.slice(0, 60)}`;
        case "enum":
            return `${at}: must be one of ${(error.params.allowedValues as unknown[]).map((e) => JSON.stringify(e)).join(", ")}, got ${JSON.stringify(error.data)}`;
        case "const":
            return `${at}: must be ${JSON.stringify(error.params.allowedValue)}`;
        case "required":
            return `${at}: missing required property "${error.params.missingProperty}"`;
        case "additionalProperties":
            return `${formatPath([...instancePath(error.instancePath), String(error.params.additionalProperty)])}: property "${error.params.additionalProperty}" is not allowed`;
        case "false schema":
            return `${at} is not allowed here`;
        case "not":
            return `${at}: matches a schema it must not match (not)`;
        default:
            return `${at}: ${error.message ?? error.keyword}`;
    }
}

/**
 * Errors of `value` against `schema`; an empty list means valid. The errors inside the branches of
 * a failed anyOf/oneOf are folded into its message (the first three), as on their own they would
 * each claim the value must be one thing.
 */
export function validateSchema(schema: Schema, value: unknown): SchemaError[] {
    const validate = validatorFor(schema);
    if (validate(value)) return [];
    const errors = validate.errors ?? [];
    const insideBranch = (error: ErrorObject, combinator: ErrorObject) => error !== combinator && error.schemaPath.startsWith(`${combinator.schemaPath}/`);
    const combinators = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
    const out: SchemaError[] = [];
    for (const error of errors) {
        if (combinators.some((c) => insideBranch(error, c))) continue;
        const path = instancePath(error.instancePath);
        let message = describeError(error);
        if (error.keyword === "anyOf" || error.keyword === "oneOf") {
            const passing = error.params.passingSchemas as number[] | null | undefined;
            const branches = errors
                .filter((e) => insideBranch(e, error))
                .map(describeError)
                .slice(0, 3)
                .join("; ");
            message = passing ? `${formatPath(path)}: matches ${passing.length} branches of oneOf, exactly one allowed` : `${formatPath(path)}: matches none of ${error.keyword} (${branches})`;
        }
        out.push({ path: error.keyword === "additionalProperties" ? [...path, String(error.params.additionalProperty)] : path, message });
    }
    return out;
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
