import * as fs from "fs"; import * as path from "path";
import { loadChartInfo } from "../tools/render/chartValues";
import { validateSchema } from "../tools/render/jsonSchema";
const root = "/work/shared/charts";
for (const chart of fs.readdirSync(root)) {
    const dir = path.join(root, chart);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const version of fs.readdirSync(dir)) {
        const p = path.join(dir, version);
        try {
            const info = loadChartInfo(p);
            if (!info.schema) { console.log(chart, version, "no schema"); continue; }
            const t = Date.now();
            const errors = validateSchema(info.schema as any, info.defaultValues);
            console.log(chart, version, `${Date.now() - t} ms`, errors.length, errors.slice(0, 3).map(e => e.message));
        } catch (e) { console.log(chart, version, "ERR", (e as Error).message.slice(0, 200)); }
    }
}
