/**
 * The platform's policies on Helm releases, as pure checks: each takes a release's inputs (plain
 * data, unknown values marked) and returns its violations as messages. `crossguard.ts` turns them
 * into CrossGuard policies; the tests call them directly on the inputs the program produces.
 * They judge only what the engine sees before it installs a release: where the chart comes from
 * and at which version, the release's name and namespace, and the values it stores. What the
 * charts render (volumes, replicas, container sizes) is checked on the manifests by
 * `npm run verify` (docs/render-and-verify.md, "Where each production rule lives").
 */
import * as path from "path";
import { ChartSource } from "../components/charts";
import { allowedChartSources, compareVersions, isExactVersion, normalizeRepository, verifiedVersions } from "./provenance";
import { chartName, chartSource, formatPath, isUnknown, leaves, objects, Plain, ReleaseInputs } from "./inputs";

interface CheckContext {
    /** The stack's `lgtm:charts`: a mirror or directory replaces the upstream repositories. */
    readonly chartSource?: ChartSource;
}

export interface ReleasePolicy {
    /** CrossGuard policy name. */
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: "mandatory" | "advisory";
    check(release: ReleaseInputs, context: CheckContext): string[];
}

const nonEmpty = (v: Plain | undefined) => typeof v === "string" && v.trim() !== "";

function checkNameAndNamespace(r: ReleaseInputs): string[] {
    const problems: string[] = [];
    if (!isUnknown(r.name) && !nonEmpty(r.name)) {
        problems.push("sets no release name, so the provider invents one with a random suffix; set `name` (Services are named after it)");
    }
    if (!isUnknown(r.namespace) && !nonEmpty(r.namespace)) {
        problems.push("sets no namespace, so it lands in whatever namespace the provider defaults to; set `namespace`");
    }
    return problems;
}

function checkVersionPinned(r: ReleaseInputs): string[] {
    if (isUnknown(r.version)) return [];
    if (!nonEmpty(r.version)) return ["sets no chart version, so Helm installs whatever is newest at the time; pin an exact version in components/charts.ts"];
    if (!isExactVersion(r.version as string)) {
        return [`chart version ${JSON.stringify(r.version)} is not an exact version (a range or tag drifts on its own); pin one such as 1.2.3`];
    }
    return [];
}

function checkRepository(r: ReleaseInputs, context: CheckContext): string[] {
    const allowedSources = allowedChartSources(context.chartSource);
    const allowed = allowedSources.directory
        ? `allowed: the charts directory ${allowedSources.directory} (lgtm:charts.directory)`
        : `allowed repositories: ${allowedSources.repositories.join(", ")}${context.chartSource ? " (lgtm:charts.mirror)" : ""}`;
    if (allowedSources.directory && typeof r.chart === "string" && !/^[a-z]+:\/\//i.test(r.chart)) {
        const inside = path.relative(allowedSources.directory, path.resolve(r.chart));
        return inside && !inside.startsWith("..") && !path.isAbsolute(inside) ? [] : [`chart ${r.chart} is outside the charts directory; ${allowed}`];
    }
    const source = chartSource(r);
    if (source.kind === "unknown") return [];
    if (source.kind === "noRepository") return [`${source.reason}; ${allowed}`];
    if (/bitnami/i.test(source.repository) || /bitnami/i.test(source.chart)) {
        return [`chart "${source.chart}" from ${source.repository} is a Bitnami chart, which the platform does not use; ${allowed}`];
    }
    if (!allowedSources.repositories.includes(normalizeRepository(source.repository))) {
        return [`repository ${source.repository} is not on the allow-list; ${allowed}`];
    }
    return [];
}

/** Words that make a values key look like it holds a credential. */
const credentialWords = /(password|passwd|passphrase|secret|accesskey|apikey|privatekey|token|credential)/;

/**
 * Whether a values key looks like it holds a credential itself, as opposed to naming where one is:
 * `existingSecret`, `secretName`, `secretKeyRef`, `passwordFile`, `tokenPath` and `passwordKey`
 * (the key inside a Secret) are references.
 */
export function isCredentialKey(key: string): boolean {
    const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
    if (!credentialWords.test(k)) return false;
    if (k.startsWith("existing")) return false;
    if (/(name|ref|file|path|dir|url|uri|mount|enabled)$/.test(k)) return false;
    if (/(password|passwd|passphrase|token|user|username)key$/.test(k)) return false;
    return true;
}

/**
 * The Prometheus Operator's `secrets` of a Prometheus, Alertmanager or ThanosRuler spec (and
 * kube-prometheus-stack's values that mirror them) list the names of Secrets to mount: references.
 */
function isSecretNameList(path: readonly string[]): boolean {
    const [index, key, spec] = [...path].reverse();
    return /^\d+$/.test(index) && key === "secrets" && ["prometheusSpec", "alertmanagerSpec", "thanosRulerSpec"].includes(spec);
}

/** `${VAR}` (expanded by the workload from its environment, which comes from a Secret) or Kubernetes' `$(VAR)`. */
const environmentReference = /^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\([A-Za-z_][A-Za-z0-9_]*\))$/;

function checkCredentials(r: ReleaseInputs): string[] {
    const problems: string[] = [];
    if (Array.isArray(r.valueYamlFiles) && r.valueYamlFiles.length > 0) {
        problems.push("takes values from valueYamlFiles, which policies cannot read; set them in `values`");
    }
    const literal = (v: Plain) => (typeof v === "string" && v !== "" && !environmentReference.test(v)) || typeof v === "number";
    const report = (path: string[]) =>
        problems.push(
            `values.${formatPath(path)} holds a literal credential; hand it to the chart as a reference to a Kubernetes Secret (existingSecret, envFrom or secretKeyRef, a mounted file, or a \${VAR} from the environment)`,
        );
    for (const { path, value } of leaves(r.values)) {
        const key = [...path].reverse().find((k) => !/^\d+$/.test(k));
        if (key !== undefined && isCredentialKey(key) && literal(value) && !isSecretNameList(path)) report(path);
    }
    // Environment variables as charts take them (`extraEnv: [{ name: DB_PASSWORD, value: … }]`).
    for (const { path, value } of objects(r.values)) {
        if (typeof value.name === "string" && isCredentialKey(value.name) && value.value !== undefined && literal(value.value)) report([...path, "value"]);
    }
    return problems;
}

function checkVersionVerified(r: ReleaseInputs): string[] {
    const chart = chartName(r);
    const verified = chart === undefined ? undefined : verifiedVersions[chart];
    if (verified === undefined || typeof r.version !== "string" || !isExactVersion(r.version)) return [];
    if (compareVersions(r.version, verified) >= 0) return [];
    return [`chart "${chart}" ${r.version} is older than ${verified}, the version this project verifies (components/charts.ts)`];
}

export const releasePolicies: readonly ReleasePolicy[] = [
    {
        name: "helm-release-name-and-namespace",
        description: "Every Helm release sets an explicit release name and namespace.",
        enforcementLevel: "mandatory",
        check: checkNameAndNamespace,
    },
    {
        name: "helm-chart-version-pinned",
        description: "Every Helm release pins an exact chart version.",
        enforcementLevel: "mandatory",
        check: checkVersionPinned,
    },
    {
        name: "helm-chart-repository-allowed",
        description: "Every chart comes from an allow-listed repository (those of components/charts.ts, or the stack's lgtm:charts mirror or directory); no Bitnami charts.",
        enforcementLevel: "mandatory",
        check: checkRepository,
    },
    {
        name: "helm-values-no-plaintext-credentials",
        description: "No credential-looking values key (password, secretKey, accessKey, token, …) holds a literal; credentials reach charts as Secret references.",
        enforcementLevel: "mandatory",
        check: checkCredentials,
    },
    {
        name: "helm-chart-version-verified",
        description: "Chart versions are not older than the set this project has verified (components/charts.ts).",
        enforcementLevel: "advisory",
        check: checkVersionVerified,
    },
];

/** Every violation of every policy for one release, as the tests and tools want them. */
export function violations(release: ReleaseInputs, context: CheckContext): { policy: string; enforcementLevel: string; message: string }[] {
    return releasePolicies.flatMap((p) => p.check(release, context).map((message) => ({ policy: p.name, enforcementLevel: p.enforcementLevel, message })));
}
