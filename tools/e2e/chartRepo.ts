/**
 * The pinned charts as an HTTP Helm repository on loopback: what an air-gapped user's chart mirror
 * is, and what the e2e stacks deploy from (`lgtm:charts.mirror`). Charts come from the local chart
 * directory render/verify use (LGTM_CHARTS_DIR, or the cache `npm run fetch-charts` fills).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { promisify } from "util";
import { charts } from "../../components/charts";
import { locateChart } from "../render/helm";

const execFileAsync = promisify(execFile);

export interface ChartRepository {
    readonly url: string;
    close(): Promise<void>;
}

/** Packages every pinned chart into `dir` and writes its index.yaml. */
export async function buildChartRepository(helmBin: string, dir: string, chartsDir?: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    for (const ref of Object.values(charts)) {
        const located = await locateChart(ref, helmBin, { chartsDir });
        if (located.endsWith(".tgz")) {
            fs.copyFileSync(located, path.join(dir, `${ref.name}-${ref.version}.tgz`));
        } else {
            await execFileAsync(helmBin, ["package", located, "--destination", dir]);
        }
    }
    await execFileAsync(helmBin, ["repo", "index", dir]);
}

/** Serves `dir` read-only on 127.0.0.1 at a free port. */
export async function serveChartRepository(dir: string): Promise<ChartRepository> {
    const server = http.createServer((request, response) => {
        const name = path.basename(decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname));
        const file = path.join(dir, name);
        if (request.method !== "GET" || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            response.writeHead(404).end();
            return;
        }
        response.writeHead(200, { "content-type": name.endsWith(".yaml") ? "application/yaml" : "application/gzip" });
        fs.createReadStream(file).pipe(response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
    };
}
