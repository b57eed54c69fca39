/**
 * Every values path the program sets must be one the chart knows. Helm silently ignores unknown
 * keys, so a misspelt `singleBinary.replicaz` deploys fine and does nothing. A path is known when
 * it exists in the chart's default values (subcharts included), when it sits below a free-form map
 * (an empty map, null or a list in the defaults, or an object the schema leaves open), when the
 * schema or a template (`.Values.a.b`) names it, or below an allow-listed path whose contents the
 * chart passes through verbatim. Values are also validated against values.schema.json.
 */
import { deepMerge } from "../../../stacks/config";
import { Schema, schemasForKey, validateSchema } from "../jsonSchema";
import { closestMatch, formatPath, getPath, isPlainObject, PathSegment } from "../paths";
import { CollectedRelease } from "../types";
import { freeFormValues } from "./valuesAllowList";
import { CheckInput, CheckResult, FindingList } from "./types";

function isEmptyMap(value: unknown): boolean {
    return isPlainObject(value) && Object.keys(value).length === 0;
}

/** Defaults that leave the contents to the user: `{}`, `[]`/lists, or null (`key: ~` placeholders). */
function isFreeForm(value: unknown): boolean {
    return value === null || isEmptyMap(value) || Array.isArray(value);
}

function allowListed(chart: string, path: PathSegment[]): string | undefined {
    const entry = freeFormValues.find((e) => e.chart === chart && e.path.length <= path.length && e.path.every((segment, i) => segment === "*" || segment === path[i]));
    return entry && `${entry.chart}:${formatPath(entry.path)}`;
}

interface WalkContext {
    release: CollectedRelease;
    root: Schema | undefined;
    /** Dotted paths the chart's templates read, and every prefix of them. */
    templatePaths: Set<string>;
    findings: FindingList;
    counts: { checked: number; allowListed: Set<string> };
}

const resourceRequirementKeys = ["requests", "limits", "claims"];

/**
 * A `resources` block whose chart default is a Kubernetes ResourceRequirements (requests/limits):
 * charts pass it to the container verbatim, so any resource name is fine below requests/limits,
 * but the block itself has exactly these keys (a `limit:` typo would be silently dropped).
 */
function isResourceRequirements(key: string, defaultValue: unknown): boolean {
    if (key !== "resources") return false;
    return defaultValue === null || (isPlainObject(defaultValue) && Object.keys(defaultValue).every((k) => resourceRequirementKeys.includes(k)));
}

function walk(ctx: WalkContext, program: Record<string, unknown>, defaults: unknown, schemas: Schema[], path: PathSegment[]): void {
    for (const [key, value] of Object.entries(program)) {
        const childPath = [...path, key];
        const childSchemas = ctx.root === undefined ? [] : schemas.flatMap((s) => schemasForKey(s, key, ctx.root!));
        const inDefaults = isPlainObject(defaults) && key in defaults;
        ctx.counts.checked++;
        if (inDefaults) {
            const defaultValue = (defaults as Record<string, unknown>)[key];
            if (!isPlainObject(value) || isEmptyMap(value)) continue;
            if (isResourceRequirements(key, defaultValue)) {
                for (const field of Object.keys(value).filter((k) => !resourceRequirementKeys.includes(k))) {
                    const guess = closestMatch(field, resourceRequirementKeys);
                    ctx.findings.error(
                        `release ${ctx.release.releaseName}: values ${formatPath([...childPath, field])} is not part of Kubernetes resources (requests, limits, claims)${guess ? `; did you mean "${guess}"?` : ""}`,
                    );
                }
            } else if (isFreeForm(defaultValue)) {
                continue;
            } else if (isPlainObject(defaultValue)) {
                walk(ctx, value, defaultValue, childSchemas, childPath);
            } else {
                ctx.findings.warning(
                    `release ${ctx.release.releaseName}: values ${formatPath(childPath)} is a map, but the chart's default is ${JSON.stringify(defaultValue)?.slice(0, 40)} (${typeof defaultValue}); check the chart's template accepts a map here`,
                );
            }
            continue;
        }
        if (childSchemas.includes(true) || childSchemas.some((s) => isPlainObject(s) && !s.properties && !s.$ref)) {
            continue; // The schema documents this key, and leaves its contents open.
        }
        if (childSchemas.length > 0) {
            // Documented by the schema only: check what is below against the schema.
            if (isPlainObject(value)) walk(ctx, value, undefined, childSchemas, childPath);
            continue;
        }
        if (childPath.every((segment) => typeof segment === "string") && ctx.templatePaths.has(childPath.join("."))) {
            // values.yaml leaves it out (often as a comment), but a template reads it.
            if (isPlainObject(value)) walk(ctx, value, undefined, childSchemas, childPath);
            continue;
        }
        const allowedBy = allowListed(ctx.release.chart.name, childPath);
        if (allowedBy) {
            ctx.counts.allowListed.add(allowedBy);
            continue;
        }
        const siblings = isPlainObject(defaults) ? Object.keys(defaults) : [];
        const prefix = path.length ? `${path.join(".")}.` : "";
        const readByTemplates = [...ctx.templatePaths].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes(".")).map((p) => p.slice(prefix.length));
        const guess = closestMatch(key, [...siblings, ...readByTemplates]);
        const shown = siblings.length > 15 ? `${siblings.slice(0, 15).join(", ")}, … (${siblings.length} keys)` : siblings.join(", ");
        ctx.findings.error(
            `release ${ctx.release.releaseName} (chart ${ctx.release.chart.name} ${ctx.release.chart.version}): values path ${formatPath(childPath)} is unknown to the chart (not in values.yaml${ctx.root === undefined ? "" : " or values.schema.json"}, read by no template)` +
                `${guess ? ` (did you mean "${formatPath([...path, guess])}"?)` : ""}; nearest existing parent ${path.length ? formatPath(path) : "(top level)"}` +
                `${shown ? ` has: ${shown}` : ""}`,
        );
    }
}

/** Schema errors of the merged values that concern something the program set (chart defaults are the chart's business). */
function schemaFindings(release: CollectedRelease, defaults: unknown, schema: Schema, findings: FindingList): void {
    // Helm coalesces: a null in the release values removes the chart default.
    const merged = deepMerge(defaults ?? {}, release.values, "delete");
    for (const error of validateSchema(schema, merged)) {
        if (getPath(release.values, error.path) === undefined) continue;
        findings.error(`release ${release.releaseName} (chart ${release.chart.name} ${release.chart.version}): values.schema.json: ${error.message}`);
    }
}

export function checkValues(input: CheckInput): CheckResult {
    const findings = new FindingList("values");
    const counts = { checked: 0, allowListed: new Set<string>() };
    let withSchema = 0;
    for (const release of input.model.releases) {
        const chart = input.charts.get(release.releaseName);
        if (!chart) {
            findings.warning(`release ${release.releaseName}: chart ${release.chart.name} ${release.chart.version} not loaded; values not checked`);
            continue;
        }
        const root = chart.schema as Schema | undefined;
        const templatePaths = new Set<string>();
        for (const read of chart.templateValuePaths ?? []) {
            const segments = read.split(".");
            segments.forEach((_, i) => templatePaths.add(segments.slice(0, i + 1).join(".")));
        }
        walk({ release, root, templatePaths, findings, counts }, release.values, chart.defaultValues, root === undefined ? [] : [root], []);
        if (root !== undefined) {
            withSchema++;
            schemaFindings(release, chart.defaultValues, root, findings);
        }
    }
    if (counts.allowListed.size) findings.info(`free-form by allow-list: ${[...counts.allowListed].sort().join(", ")}`);
    return findings.result(`${counts.checked} values path(s) in ${input.model.releases.length} release(s) checked; ${withSchema} validated against values.schema.json`);
}
