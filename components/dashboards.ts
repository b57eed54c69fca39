import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { dashboardFolderAnnotation, dashboardLabel, datasourceUids } from "./grafana";

/** The project's own dashboards: `dashboards/<area>/<name>.json`. */
export const projectDashboardsDirectory = path.resolve(__dirname, "..", "dashboards");

/** Grafana folder of the Kubernetes, Prometheus and Alertmanager dashboards kube-prometheus-stack ships. */
export const kubernetesDashboardsFolder = "Kubernetes";

/** Grafana folder of each area: `dashboards/<area>/*.json` lands in the folder named here. */
export const dashboardFolders: Readonly<Record<string, string>> = {
    logs: "Logs",
    traces: "Traces",
    "long-term-metrics": "Long-term metrics",
    "object-storage": "Object storage",
    collection: "Collection",
};

/**
 * Most a ConfigMap may hold is 1 MiB (the API server's object size limit), metadata included;
 * one dashboard's JSON must leave room for the name, labels and annotations.
 */
export const maxDashboardBytes = 1024 * 1024 - 16 * 1024;

/** One dashboard JSON file as read from the repository. */
export interface DashboardFile {
    /** Directory under the dashboards directory, e.g. `logs`. */
    readonly area: string;
    /** File name, e.g. `loki.json`. */
    readonly fileName: string;
    /** File content. */
    readonly text: string;
}

/** What one dashboard ConfigMap holds. */
export interface DashboardConfigMapSpec {
    /** ConfigMap name: `dashboard-<area>-<file name without .json>`. */
    readonly name: string;
    /** Grafana folder (the `grafana_folder` annotation). */
    readonly folder: string;
    /** Data key, which is also the file name the sidecar writes: `<file name>`. */
    readonly key: string;
    /** The dashboard JSON, compact. */
    readonly json: string;
    /** The dashboard's uid (Grafana matches provisioned dashboards by it). */
    readonly uid: string;
    /** The dashboard's title. */
    readonly title: string;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const grafanaUid = /^[A-Za-z0-9_-]{1,40}$/;

/** Reads `<directory>/<area>/*.json`, in a stable order. Anything else in the tree is an error, not silently skipped. */
export function readDashboardFiles(directory: string): DashboardFile[] {
    const files: DashboardFile[] = [];
    for (const area of fs.readdirSync(directory).sort()) {
        const areaDir = path.join(directory, area);
        if (!fs.statSync(areaDir).isDirectory()) throw new Error(`${areaDir}: expected only area directories in ${directory}`);
        for (const fileName of fs.readdirSync(areaDir).sort()) {
            if (!fileName.endsWith(".json")) throw new Error(`${path.join(areaDir, fileName)}: expected only .json dashboard files`);
            files.push({ area, fileName, text: fs.readFileSync(path.join(areaDir, fileName), "utf8") });
        }
    }
    return files;
}

/** A value of a dashboard's JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every panel, rows' nested panels included. */
export function dashboardPanels(dashboard: Record<string, Json>): Record<string, Json>[] {
    const out: Record<string, Json>[] = [];
    const visit = (panels: Json | undefined) => {
        for (const panel of Array.isArray(panels) ? panels : []) {
            if (!isObject(panel)) continue;
            out.push(panel);
            visit(panel.panels);
        }
    };
    visit(dashboard.panels);
    return out;
}

/** Why a dashboard's datasource references would not resolve in our Grafana; empty when they all do. */
function datasourceProblems(dashboard: Record<string, Json>, knownUids: ReadonlySet<string>): string[] {
    const problems: string[] = [];
    const check = (where: string, ref: Json | undefined) => {
        if (!isObject(ref) || typeof ref.uid !== "string") {
            problems.push(`${where} has no datasource {type, uid} (got ${JSON.stringify(ref ?? null)})`);
        } else if (!knownUids.has(ref.uid)) {
            problems.push(`${where} uses datasource "${ref.uid}"; provisioned UIDs are ${[...knownUids].join(", ")}`);
        }
    };
    for (const panel of dashboardPanels(dashboard)) {
        if (panel.type === "row") continue;
        const name = `panel "${panel.title}"`;
        check(name, panel.datasource);
        const targets = Array.isArray(panel.targets) ? panel.targets : [];
        if (targets.length === 0) problems.push(`${name} has no queries`);
        targets.forEach((target, i) => check(`${name} query ${i + 1}`, isObject(target) ? target.datasource : undefined));
    }
    const variables = isObject(dashboard.templating) && Array.isArray(dashboard.templating.list) ? dashboard.templating.list : [];
    for (const variable of variables) {
        if (isObject(variable) && variable.type === "query") check(`variable "${variable.name}"`, variable.datasource);
    }
    // An import placeholder (`${DS_PROMETHEUS}`) survives only in dashboards exported "for sharing externally".
    const placeholder = /\$\{DS_[A-Za-z0-9_]+\}/.exec(JSON.stringify(dashboard));
    if (placeholder) problems.push(`contains the import placeholder ${placeholder[0]}; reference a datasource UID instead`);
    return problems;
}

/**
 * The ConfigMaps of the project's dashboards, one per file, in the folder of its area. Pure; fails
 * with every problem at once (the file, and what is wrong) before anything is created: unknown
 * area, invalid JSON, missing or duplicate uid/title, a datasource Grafana does not have, a name
 * Kubernetes would reject, or a dashboard too large for a ConfigMap.
 */
export function buildDashboardConfigMaps(
    files: readonly DashboardFile[],
    folders: Readonly<Record<string, string>> = dashboardFolders,
    knownDatasourceUids: readonly string[] = Object.values(datasourceUids),
): DashboardConfigMapSpec[] {
    const problems: string[] = [];
    const specs: DashboardConfigMapSpec[] = [];
    const uids = new Map<string, string>();
    const titles = new Map<string, string>();
    const known = new Set(knownDatasourceUids);
    for (const file of files) {
        const where = `dashboards/${file.area}/${file.fileName}`;
        const fail = (message: string) => problems.push(`${where}: ${message}`);
        const folder = folders[file.area];
        if (folder === undefined) fail(`no Grafana folder for area "${file.area}"; areas are ${Object.keys(folders).join(", ")}`);
        const name = `dashboard-${file.area}-${file.fileName.replace(/\.json$/, "")}`;
        if (!dnsLabel.test(name) || name.length > 63) fail(`ConfigMap name "${name}" is not a DNS label (lower-case letters, digits and '-', at most 63 characters)`);
        let dashboard: Json;
        try {
            dashboard = JSON.parse(file.text) as Json;
        } catch (error) {
            fail(`not valid JSON: ${(error as Error).message}`);
            continue;
        }
        if (!isObject(dashboard)) {
            fail("not a dashboard object");
            continue;
        }
        const { uid, title } = dashboard;
        if (typeof uid !== "string" || !grafanaUid.test(uid)) fail(`uid ${JSON.stringify(uid)} must be 1-40 letters, digits, '-' or '_'`);
        else if (uids.has(uid)) fail(`uid "${uid}" is also used by ${uids.get(uid)}`);
        else uids.set(uid, where);
        if (typeof title !== "string" || title.trim() === "") fail("has no title");
        else if (titles.has(title)) fail(`title "${title}" is also used by ${titles.get(title)}`);
        else titles.set(title, where);
        // Provisioning matches dashboards by uid; a numeric id from an export would point at another dashboard.
        if (dashboard.id !== undefined && dashboard.id !== null) fail(`has "id": ${JSON.stringify(dashboard.id)}; remove it (provisioned dashboards are matched by uid)`);
        for (const problem of datasourceProblems(dashboard, known)) fail(problem);
        const json = JSON.stringify(dashboard);
        const bytes = Buffer.byteLength(json, "utf8");
        if (bytes > maxDashboardBytes) fail(`${bytes} bytes of JSON exceed the ${maxDashboardBytes} bytes a ConfigMap can hold`);
        if (folder !== undefined && typeof uid === "string" && typeof title === "string") specs.push({ name, folder, key: file.fileName, json, uid, title });
    }
    if (problems.length) throw new Error(`Invalid dashboards:\n  - ${problems.join("\n  - ")}`);
    return specs;
}

export interface PlatformDashboardsArgs {
    /** Namespace of the dashboard ConfigMaps; Grafana's sidecar must search it. */
    readonly namespace: pulumi.Input<string>;
    /** Directory of `<area>/<name>.json` dashboard files (the project's is `projectDashboardsDirectory`). */
    readonly directory: string;
}

/**
 * The platform's own dashboards (Loki, Tempo, Thanos, object storage, Alloy) as ConfigMaps that
 * Grafana's dashboard sidecar loads, each into the folder of its area.
 */
export class PlatformDashboards extends pulumi.ComponentResource {
    public readonly configMaps: k8s.core.v1.ConfigMap[];
    /** Namespace the ConfigMaps are in. */
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: PlatformDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:dashboards:PlatformDashboards", name, {}, opts);

        const specs = buildDashboardConfigMaps(readDashboardFiles(args.directory));
        this.configMaps = specs.map(
            (spec) =>
                new k8s.core.v1.ConfigMap(
                    `${name}-${spec.name}`,
                    {
                        metadata: {
                            name: spec.name,
                            namespace: args.namespace,
                            labels: { [dashboardLabel]: "1" },
                            annotations: { [dashboardFolderAnnotation]: spec.folder },
                        },
                        data: { [spec.key]: spec.json },
                    },
                    { parent: this },
                ),
        );
        this.namespace = pulumi.output(args.namespace);
        this.registerOutputs({ namespace: this.namespace });
    }
}
