/**
 * Every object the stack applies (rendered releases and the program's own objects) must be valid
 * for each Kubernetes minor version we support, offline: built-in kinds against that version's
 * OpenAPI definitions, custom resources against the schema of the CRD that the stack renders.
 * Validation is strict, as `kubectl --validate=strict` and Helm are: a field the schema does not
 * know is an error, not something the API server silently drops. An API version a Kubernetes
 * release no longer serves (e.g. `policy/v1beta1`) is an error for that release. Explicit nulls
 * are dropped first: the API server reads them as "not set".
 */
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import { allObjects, describeObject, SourcedObject } from "../objects";
import { goRegExp, instancePath } from "../jsonSchema";
import { formatPath, isPlainObject } from "../paths";
import { K8sObject } from "../types";
import { CheckInput, CheckResult, FindingList } from "./types";

/** Errors shown per object and version; the rest are counted. */
const maxErrorsPerObject = 5;

type Json = Record<string, unknown>;

/**
 * Closes every object schema that lists its properties (`additionalProperties: false`), unless it
 * declares `x-kubernetes-preserve-unknown-fields`. Keys inside `properties` are field names, not schemas.
 */
function strictSchema(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(strictSchema);
    if (!isPlainObject(node)) return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
        out[key] = (key === "properties" || key === "patternProperties") && isPlainObject(value) ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, strictSchema(schema)])) : strictSchema(value);
    }
    if (isPlainObject(out.properties) && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) out.additionalProperties = false;
    return out;
}

/** Copy without null-valued fields (the API server treats an explicit null as unset). */
function withoutNulls(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutNulls);
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(
        Object.entries(value)
            .filter(([, v]) => v !== null)
            .map(([k, v]) => [k, withoutNulls(v)]),
    );
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
    const cut = apiVersion.lastIndexOf("/");
    return cut < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, cut), version: apiVersion.slice(cut + 1) };
}

/** `group/version/kind` → definition name, from the definitions' `x-kubernetes-group-version-kind`. */
function kindIndex(definitions: Json): Map<string, string> {
    const index = new Map<string, string>();
    for (const [name, schema] of Object.entries(definitions)) {
        const gvks = isPlainObject(schema) ? schema["x-kubernetes-group-version-kind"] : undefined;
        if (!Array.isArray(gvks) || gvks.length !== 1) continue; // Shared meta types (DeleteOptions, WatchEvent) list many.
        const gvk = gvks[0] as Json;
        index.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
    return index;
}

interface CrdVersion {
    key: string;
    schema: Json;
}

/** Custom resource schemas (`group/version/kind` → openAPIV3Schema) of every served version of every CRD in the stack. */
function crdSchemas(objects: SourcedObject[]): CrdVersion[] {
    const out: CrdVersion[] = [];
    for (const { object } of objects) {
        if (object.kind !== "CustomResourceDefinition" || !isPlainObject(object.spec)) continue;
        const spec = object.spec as Json;
        const kind = isPlainObject(spec.names) ? spec.names.kind : undefined;
        for (const version of Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : []) {
            const schema = isPlainObject(version.schema) && isPlainObject(version.schema.openAPIV3Schema) ? version.schema.openAPIV3Schema : undefined;
            if (schema && version.served !== false) out.push({ key: `${spec.group}/${version.name}/${kind}`, schema });
        }
    }
    return out;
}

/**
 * A custom resource's schema: CRDs leave `metadata` open, and the API server checks it as the
 * ObjectMeta of its own version, so it is validated apart (see `checkKubeSchema`).
 */
function customResourceSchema(schema: Json): Json {
    const properties = isPlainObject(schema.properties) ? schema.properties : {};
    return { ...schema, properties: { apiVersion: { type: "string" }, kind: { type: "string" }, ...properties, metadata: {} } };
}

/** Named schemas under one root, each compiled on first use. */
class SchemaSet {
    private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false, code: { regExp: goRegExp } });
    private readonly compiled = new Map<string, ValidateFunction>();

    constructor(definitions: Json) {
        this.ajv.addSchema({ $id: "root", definitions });
    }

    validate(name: string, value: unknown): ErrorObject[] {
        let validate = this.compiled.get(name);
        if (!validate) {
            validate = this.ajv.getSchema(`root#/definitions/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`)!;
            this.compiled.set(name, validate);
        }
        return validate(withoutNulls(value)) ? [] : (validate.errors ?? []);
    }
}

/** The built-in API of one Kubernetes version. */
class KubeVersion {
    readonly kinds: Map<string, string>;
    readonly schemas: SchemaSet;

    constructor(definitions: Json) {
        this.kinds = kindIndex(definitions);
        const strict = strictSchema(definitions) as Json;
        // Kubernetes accepts integers and strings for these; swagger.json types them as plain strings.
        strict["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = { anyOf: [{ type: "integer" }, { type: "string" }] };
        strict["io.k8s.apimachinery.pkg.api.resource.Quantity"] = { anyOf: [{ type: "number" }, { type: "string" }] };
        this.schemas = new SchemaSet(strict);
    }
}

/** Readable messages: `spec.template.spec.containers[0]: unknown field "imagePullPolice"`; anyOf noise folded. */
function describeErrors(errors: ErrorObject[]): string[] {
    const branchTypes = new Map<string, string[]>();
    for (const e of errors) {
        if (/\/anyOf\/\d+\/type$|\/oneOf\/\d+\/type$/.test(e.schemaPath) && e.keyword === "type") {
            branchTypes.set(e.instancePath, [...(branchTypes.get(e.instancePath) ?? []), String(e.params.type)]);
        }
    }
    const out: string[] = [];
    for (const e of errors) {
        const at = formatPath(instancePath(e.instancePath));
        if (/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath) && branchTypes.has(e.instancePath)) continue;
        switch (e.keyword) {
            case "additionalProperties":
                out.push(`${formatPath([...instancePath(e.instancePath), String(e.params.additionalProperty)])}: unknown field "${e.params.additionalProperty}"`);
                break;
            case "required":
                out.push(`${at}: missing required field "${e.params.missingProperty}"`);
                break;
            case "enum":
                out.push(`${at}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`);
                break;
            case "anyOf":
            case "oneOf":
                out.push(`${at}: ${branchTypes.has(e.instancePath) ? `must be ${branchTypes.get(e.instancePath)!.join(" or ")}` : (e.message ?? e.keyword)}`);
                break;
            default:
                out.push(`${at}: ${e.message ?? e.keyword}`);
        }
    }
    return [...new Set(out)];
}

export function checkKubeSchema(input: CheckInput): CheckResult {
    const findings = new FindingList("kubeSchema");
    const schemas = input.kubeSchemas;
    if (!schemas || schemas.versions.length === 0) {
        findings.warning(
            `no Kubernetes schemas in ${schemas?.dir ?? "(no directory given)"}: objects not validated (put v1.X/swagger.json or cdk8s' v1.X.0/_definitions.json there for ${schemas?.missing.join(", ") || "the supported versions"})`,
        );
        return findings.result("not run");
    }
    if (schemas.missing.length) findings.warning(`no Kubernetes schema for ${schemas.missing.join(", ")} in ${schemas.dir}: not validated against those versions`);
    const objects = allObjects(input.model, input.rendered);
    const crds = crdSchemas(objects);
    // Custom resources do not depend on the Kubernetes version (only their metadata does): compiled and validated once.
    const customResources = new SchemaSet(Object.fromEntries(crds.map(({ key, schema }) => [key, strictSchema(customResourceSchema(schema))])));
    const customErrors = new Map<K8sObject, string[]>();
    const problems = new Map<string, string[]>();
    const unknownKinds = new Map<string, number>();
    let validated = 0;
    // A group any of the versions serves is built in: a kind or version of it missing from one release is not served there.
    const builtInGroups = new Set(schemas.versions.flatMap((v) => [...kindIndex(v.definitions).keys()].map((key) => key.slice(0, key.indexOf("/")))));
    for (const { version, definitions } of schemas.versions) {
        const kube = new KubeVersion(definitions);
        for (const { object, namespace, origin } of objects) {
            const subject = `${origin}: ${describeObject(object, namespace)} (${object.apiVersion})`;
            const { group, version: apiVersion } = splitApiVersion(object.apiVersion);
            const key = `${group}/${apiVersion}/${object.kind}`;
            let messages: string[];
            if (kube.kinds.has(key)) {
                messages = describeErrors(kube.schemas.validate(kube.kinds.get(key)!, object));
            } else if (crds.some((c) => c.key === key)) {
                if (!customErrors.has(object)) customErrors.set(object, describeErrors(customResources.validate(key, object)));
                const metadata = kube.schemas.validate("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", object.metadata).map((e) => ({ ...e, instancePath: `/metadata${e.instancePath}` }));
                messages = [...customErrors.get(object)!, ...describeErrors(metadata)];
            } else if (builtInGroups.has(group)) {
                messages = [`${object.apiVersion} ${object.kind} is not served`];
            } else {
                unknownKinds.set(`${object.apiVersion} ${object.kind}`, (unknownKinds.get(`${object.apiVersion} ${object.kind}`) ?? 0) + 1);
                continue;
            }
            validated++;
            const shown = messages.length > maxErrorsPerObject ? [...messages.slice(0, maxErrorsPerObject), `and ${messages.length - maxErrorsPerObject} more`] : messages;
            for (const message of shown) {
                const problem = `${subject}: ${message}`;
                problems.set(problem, [...(problems.get(problem) ?? []), version]);
            }
        }
    }
    const all = schemas.versions.map((v) => v.version);
    for (const [message, versions] of problems)
        findings.error(`${message} (Kubernetes ${versions.length === all.length ? all.join(", ") : `${versions.join(", ")}; valid in ${all.filter((v) => !versions.includes(v)).join(", ")}`})`);
    const skipped = [...unknownKinds].map(([kind, n]) => `${kind} ×${n / schemas.versions.length}`);
    if (skipped.length) findings.info(`no schema (neither built in nor a CRD of the stack), not validated: ${skipped.join(", ")}`);
    return findings.result(`${validated / schemas.versions.length} object(s) validated against Kubernetes ${all.join(", ")} (${crds.length} CRD version schema(s) from the stack) from ${schemas.dir}`);
}
