/**
 * The Helm CLI, as the render step uses it: find the binary, find (or pull) a pinned chart, and
 * `helm template` one release into parsed objects.
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parseAllDocuments } from "yaml";
import { localChartPath } from "../../components/charts";
import { chartIdentity } from "./chartValues";
import { ChartRef, CollectedRelease, K8sObject } from "./types";

const execFileAsync = promisify(execFile);

/** Rendered manifests of a big chart (CRDs) run to several MiB; Node's default buffer is 1 MiB. */
const maxBuffer = 64 * 1024 * 1024;

/** Kubernetes version the charts render for (their `kubeVersion` gates and Capabilities checks). */
export const kubeVersion = "1.34.0";
/** API groups assumed present: the CRD release installs them before anything that creates monitors. */
export const apiVersions = ["monitoring.coreos.com/v1"];

const installHint = "install Helm v3.8+ or v4 (https://helm.sh/docs/intro/install/) or set HELM_BIN";

/** The nearest directory above this file with a package.json: the project root, also when running compiled from bin/. */
export function projectRoot(): string {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "package.json"))) return dir;
        if (path.dirname(dir) === dir) return process.cwd();
    }
}

/** Pulled charts are kept in `<project>/.cache/charts` (git-ignored) between runs. */
export const defaultCacheDir = path.join(projectRoot(), ".cache", "charts");

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** The helm binary: `explicit`, else `$HELM_BIN`, else `helm` on PATH. Throws with install instructions when there is none. */
export function findHelm(explicit?: string): string {
    const configured = explicit ?? process.env.HELM_BIN;
    if (configured) {
        if (isExecutable(configured)) return configured;
        throw new Error(`helm not found at ${configured} (${explicit ? "helmBin option" : "HELM_BIN"}): ${installHint}`);
    }
    const names = process.platform === "win32" ? ["helm.exe", "helm"] : ["helm"];
    for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
        for (const name of names) {
            const candidate = path.join(dir, name);
            if (isExecutable(candidate)) return candidate;
        }
    }
    throw new Error(`helm not found on PATH: ${installHint}`);
}

/** Helm 3 before 3.8 cannot pull OCI charts; refuse it with the same advice. */
export function assertHelmVersion(helmBin: string): string {
    const result = spawnSync(helmBin, ["version", "--short"], { encoding: "utf8" });
    const version = (result.stdout ?? "").trim();
    const match = /^v(\d+)\.(\d+)/.exec(version);
    if (result.status !== 0 || !match) throw new Error(`cannot run ${helmBin} version: ${(result.stderr || result.error?.message || "").trim()}; ${installHint}`);
    const [major, minor] = [Number(match[1]), Number(match[2])];
    if (major < 3 || (major === 3 && minor < 8)) throw new Error(`${helmBin} is ${version}: ${installHint}`);
    return version;
}

export interface ChartLocation {
    /** A local charts directory (`--charts DIR` / `LGTM_CHARTS_DIR`). */
    chartsDir?: string;
    /** Where pulled charts are kept between runs. */
    cacheDir?: string;
}

/**
 * The chart in a local directory or the cache, or undefined, found as a stack's `lgtm:charts.directory`
 * finds it (`localChartPath`): `<dir>/<chart>-<version>.tgz` or `<dir>/<chart>/<version>/Chart.yaml`.
 */
export function findLocalChart(ref: ChartRef, dirs: string[]): string | undefined {
    for (const dir of dirs) {
        const candidate = localChartPath(ref, dir);
        if (candidate === undefined) continue;
        const found = chartIdentity(candidate);
        // A chart filed under the wrong name or version would make the whole verification a lie.
        if (found.name !== ref.name || found.version !== ref.version) {
            throw new Error(`${candidate} holds chart ${found.name} ${found.version}, expected ${ref.name} ${ref.version}`);
        }
        return candidate;
    }
    return undefined;
}

/** Where `helm pull` finds a pinned chart: OCI charts by full reference, HTTP charts by name and `--repo`. */
export function chartSourceArgs(ref: ChartRef): string[] {
    return ref.repository.startsWith("oci://") ? [`${ref.repository.replace(/\/+$/, "")}/${ref.name}`] : [ref.name, "--repo", ref.repository];
}

/** `helm pull` arguments for a pinned chart, as an archive into `destination`. */
export function pullArgs(ref: ChartRef, destination: string): string[] {
    return ["pull", ...chartSourceArgs(ref), "--version", ref.version, "--destination", destination];
}

/** Path of the chart: from the charts directory, else the cache, else pulled into the cache. */
export async function locateChart(ref: ChartRef, helmBin: string, where: ChartLocation = {}): Promise<string> {
    const chartsDir = where.chartsDir ?? process.env.LGTM_CHARTS_DIR;
    const cacheDir = where.cacheDir ?? defaultCacheDir;
    const local = findLocalChart(ref, chartsDir ? [chartsDir, cacheDir] : [cacheDir]);
    if (local) return local;
    fs.mkdirSync(cacheDir, { recursive: true });
    try {
        await execFileAsync(helmBin, pullArgs(ref, cacheDir), { maxBuffer });
    } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new Error(
            `cannot pull chart ${ref.name} ${ref.version} from ${ref.repository}: ${stderr || (error as Error).message}` +
                `${chartsDir ? "" : " (offline? pass --charts DIR or set LGTM_CHARTS_DIR to a directory of charts)"}`,
            { cause: error },
        );
    }
    const pulled = path.join(cacheDir, `${ref.name}-${ref.version}.tgz`);
    if (!fs.existsSync(pulled)) throw new Error(`helm pull of ${ref.name} ${ref.version} did not produce ${pulled}`);
    return pulled;
}

/** `helm template` arguments for one release. */
export function templateArgs(release: CollectedRelease, chartPath: string, valuesFile: string): string[] {
    return [
        "template",
        release.releaseName,
        chartPath,
        "--namespace",
        release.namespace,
        "--kube-version",
        kubeVersion,
        ...apiVersions.flatMap((v) => ["--api-versions", v]),
        // The CRD chart's whole point is its CRDs; every other chart gets them from that release.
        ...(release.chart.name === "prometheus-operator-crds" ? ["--include-crds"] : []),
        // Hooks stay (MinIO's bucket Job, the webhook certificate Jobs); `helm test` pods are never installed.
        "--skip-tests",
        "--values",
        valuesFile,
    ];
}

/** Parses multi-document YAML, skipping empty documents; throws on syntax errors. */
export function parseManifests(text: string, source: string): K8sObject[] {
    const objects: K8sObject[] = [];
    for (const document of parseAllDocuments(text)) {
        if (document.errors.length) throw new Error(`${source}: ${document.errors[0].message}`);
        const object = document.toJS({ maxAliasCount: -1 });
        if (object && typeof object === "object" && typeof object.kind === "string") objects.push(object as K8sObject);
    }
    return objects;
}

/** Renders one release with its values, exactly as `helm install` would (minus the cluster). */
export async function helmTemplate(helmBin: string, release: CollectedRelease, chartPath: string): Promise<K8sObject[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-render-"));
    const valuesFile = path.join(dir, "values.json");
    try {
        // JSON is YAML, and it round-trips every string (multi-line configs included) byte for byte.
        fs.writeFileSync(valuesFile, JSON.stringify(release.values), { mode: 0o600 });
        let stdout: string;
        try {
            ({ stdout } = await execFileAsync(helmBin, templateArgs(release, chartPath, valuesFile), { maxBuffer, encoding: "utf8" }));
        } catch (error) {
            const stderr = (error as { stderr?: string }).stderr?.trim();
            throw new Error(`helm template of release ${release.releaseName} (chart ${release.chart.name} ${release.chart.version}) failed: ${stderr || (error as Error).message}`, { cause: error });
        }
        return parseManifests(stdout, `helm template ${release.releaseName}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
