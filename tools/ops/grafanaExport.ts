/**
 * `npm run grafana-export`: dashboards made in Grafana's UI, brought into `dashboards/<area>/` so
 * that `pulumi up` provisions them and they outlive Grafana's database. Reads Grafana's dashboard
 * API (`dashboard.grafana.app/v1`, Grafana 13 and later), which serves every dashboard in the
 * classic JSON model whatever schema it is stored in; deciding what to write is pure.
 */
import * as path from "path";
import { buildDashboardConfigMaps, dashboardFolders, DashboardFile } from "../../components/dashboards";

/** Dashboards of organisation 1 (Grafana's namespace `default`), the only one the platform uses. */
export const dashboardsApiPath = "/apis/dashboard.grafana.app/v1/namespaces/default/dashboards";
/** Annotation naming what manages a dashboard; the sidecar's files are `classic-file-provisioning`. */
export const managedByAnnotation = "grafana.app/managedBy";

/** A GET against Grafana, relative to its URL. */
export type GrafanaGet = (apiPath: string) => Promise<{ readonly status: number; readonly body: string }>;

/** GETs with the admin login (HTTP basic auth) below `baseUrl` (`http://localhost:3000/`, or the ingress URL with its sub-path). */
export function basicAuthGet(baseUrl: string, user: string, password: string): GrafanaGet {
    const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    // Appended, not resolved: a Grafana served from /grafana keeps its API under /grafana/apis.
    const base = baseUrl.replace(/\/+$/, "");
    return async (apiPath) => {
        const response = await fetch(`${base}${apiPath}`, { headers: { authorization, accept: "application/json" } });
        return { status: response.status, body: await response.text() };
    };
}

/** A dashboard as Grafana lists it. */
export interface DashboardSummary {
    readonly uid: string;
    readonly title: string;
    /** What manages it (`classic-file-provisioning` for the repository's and kube-prometheus-stack's), or undefined when made in the UI. */
    readonly managedBy?: string;
}

/** A dashboard in the classic JSON model, ready for `dashboards/<area>/`: `uid` kept, the instance-specific `id` gone. */
export interface ExportedDashboard {
    readonly uid: string;
    readonly title: string;
    readonly json: Record<string, unknown>;
}

/** A dashboard that cannot be exported (missing, or not convertible); the others can still be. */
export class DashboardNotExported extends Error {}

type Resource = {
    metadata?: { name?: string; annotations?: Record<string, string>; continue?: string };
    spec?: Record<string, unknown>;
    status?: { conversion?: { failed?: boolean; storedVersion?: string; error?: string } };
    items?: Resource[];
};

async function getJson(get: GrafanaGet, apiPath: string, what: string): Promise<Resource> {
    const { status, body } = await get(apiPath);
    if (status === 401 || status === 403) throw new Error(`Grafana refused the admin login (HTTP ${status}) reading ${what}; does the grafanaAdminPassword output still match Grafana's database?`);
    if (status === 404) throw new DashboardNotExported(`Grafana has no ${what} (HTTP 404 on ${apiPath})`);
    if (status !== 200) throw new Error(`Grafana answered HTTP ${status} reading ${what}: ${body.slice(0, 300)}`);
    try {
        return JSON.parse(body) as Resource;
    } catch {
        throw new Error(`Grafana answered something other than JSON reading ${what}: ${body.slice(0, 300)}`);
    }
}

/** Every dashboard of the instance, page by page. */
export async function listDashboards(get: GrafanaGet, pageSize = 200): Promise<DashboardSummary[]> {
    const dashboards: DashboardSummary[] = [];
    let token: string | undefined;
    do {
        const query = new URLSearchParams({ limit: String(pageSize), ...(token ? { continue: token } : {}) });
        const page = await getJson(get, `${dashboardsApiPath}?${query}`, "dashboard list").catch((error: Error) => {
            // Unlike a missing dashboard, a missing list means an API this Grafana does not serve.
            throw error instanceof DashboardNotExported ? new Error(`${error.message}; the dashboard API needs Grafana 13 or later`) : error;
        });
        for (const item of page.items ?? []) {
            const uid = item.metadata?.name;
            if (!uid) continue;
            dashboards.push({ uid, title: String(item.spec?.title ?? uid), managedBy: item.metadata?.annotations?.[managedByAnnotation] });
        }
        token = page.metadata?.continue || undefined;
    } while (token);
    return dashboards;
}

/** One dashboard in the classic model; `DashboardNotExported` when Grafana has none or could not convert it to that model. */
export async function fetchDashboard(get: GrafanaGet, uid: string): Promise<ExportedDashboard> {
    const resource = await getJson(get, `${dashboardsApiPath}/${encodeURIComponent(uid)}`, `dashboard ${uid}`);
    const conversion = resource.status?.conversion;
    if (conversion?.failed) {
        throw new DashboardNotExported(
            `dashboard ${uid} is stored as ${conversion.storedVersion ?? "another schema"} and Grafana could not convert it to the classic JSON model (${conversion.error ?? "no reason given"}); export it from the UI instead`,
        );
    }
    if (!resource.spec || typeof resource.spec !== "object") throw new Error(`dashboard ${uid}: Grafana's answer has no spec`);
    // `id` is the row number in this Grafana's database: provisioning matches dashboards by uid.
    const { id: _id, ...rest } = resource.spec;
    const json: Record<string, unknown> = { ...rest, uid };
    return { uid, title: String(json.title ?? uid), json };
}

/** ConfigMap names are `dashboard-<area>-<file>`: at most 63 lower-case letters, digits and dashes. */
const maxConfigMapName = 63;

/** `Checkout latency (p99)` → `checkout-latency-p99`, short enough for the ConfigMap name of `area`. */
export function dashboardFileStem(title: string, uid: string, area: string): string {
    const slug = (s: string) =>
        s
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-+|-+$/g, "");
    const room = maxConfigMapName - `dashboard-${area}-`.length;
    const stem = (slug(title) || slug(uid)).slice(0, room).replace(/-+$/, "");
    return stem || "dashboard";
}

/** One file to write, relative to the dashboards directory. */
export interface DashboardWrite {
    readonly file: string;
    readonly uid: string;
    readonly text: string;
    /** Whether it replaces the file that already held this uid. */
    readonly replaces: boolean;
}

export interface ExportPlan {
    readonly writes: DashboardWrite[];
    /** Dashboards not written, and why. */
    readonly skipped: string[];
    /** What `npm test` will reject in the directory once the files are written (fix those files by hand). */
    readonly problems: string[];
}

/**
 * Where each dashboard goes: over the file that already holds its uid (in whatever area), else
 * `<area>/<title as a file name>.json`. A file name taken by another dashboard skips it rather than
 * overwrite. Then the whole directory as it will be is checked as `npm test` checks it.
 */
export function planDashboardExport(existing: readonly DashboardFile[], area: string, dashboards: readonly ExportedDashboard[], folders: Readonly<Record<string, string>> = dashboardFolders): ExportPlan {
    if (folders[area] === undefined) {
        throw new Error(`unknown area "${area}"; areas are ${Object.keys(folders).join(", ")} (a new one needs a folder in dashboardFolders, components/dashboards.ts)`);
    }
    const where = (f: { area: string; fileName: string }) => path.posix.join(f.area, f.fileName);
    const uidOf = (f: DashboardFile): string | undefined => {
        try {
            const uid = (JSON.parse(f.text) as { uid?: unknown }).uid;
            return typeof uid === "string" ? uid : undefined;
        } catch {
            return undefined;
        }
    };
    const files = new Map(existing.map((f) => [where(f), f]));
    const fileOfUid = new Map(existing.flatMap((f) => (uidOf(f) ? [[uidOf(f)!, f] as const] : [])));
    const writes: DashboardWrite[] = [];
    const skipped: string[] = [];
    for (const dashboard of dashboards) {
        const current = fileOfUid.get(dashboard.uid);
        const target = current ?? { area, fileName: `${dashboardFileStem(dashboard.title, dashboard.uid, area)}.json`, text: "" };
        const file = where(target);
        const holder = files.get(file);
        if (!current && holder) {
            skipped.push(`${dashboard.uid} ("${dashboard.title}"): ${file} already holds ${uidOf(holder) ? `dashboard ${uidOf(holder)}` : "another file"}; rename one of them`);
            continue;
        }
        const text = `${JSON.stringify(dashboard.json, null, 2)}\n`;
        const written: DashboardFile = { area: target.area, fileName: target.fileName, text };
        files.set(file, written);
        fileOfUid.set(dashboard.uid, written);
        writes.push({ file, uid: dashboard.uid, text, replaces: current !== undefined });
    }
    let problems: string[] = [];
    try {
        buildDashboardConfigMaps([...files.values()], folders);
    } catch (error) {
        problems = (error as Error).message
            .split("\n")
            .slice(1)
            .map((line) => line.replace(/^\s*- /, ""));
    }
    return { writes, skipped, problems };
}
