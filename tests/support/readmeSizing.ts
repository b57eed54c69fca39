import * as fs from "fs";
import * as path from "path";

/** The rows of the first table under "Sizing prod" in docs/prod.md, by column name; none when it is missing. */
export function readmeSizingRows(): Record<string, string>[] {
    const page = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "prod.md"), "utf8");
    const section = /^## Sizing prod$([\s\S]*?)^#{1,3} /m.exec(page)?.[1] ?? "";
    const lines = section.split("\n");
    const start = lines.findIndex((l) => l.startsWith("|"));
    if (start === -1) return [];
    const end = lines.findIndex((l, i) => i > start && !l.startsWith("|"));
    const cells = (line: string) =>
        line
            .split("|")
            .slice(1, -1)
            .map((c) => c.trim());
    const [header, , ...rows] = lines.slice(start, end === -1 ? undefined : end).map(cells);
    return rows.map((row) => Object.fromEntries(row.map((cell, i) => [header[i], cell])));
}

/** A sizing table row's rates: the number a cell starts with ("10 (0.86 TB/day)" → 10). */
export const rowRates = (row: Record<string, string>) => ({ logs: parseFloat(row["logs MB/s"]), spans: parseFloat(row["spans MB/s"]) });
