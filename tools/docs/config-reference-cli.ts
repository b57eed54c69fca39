import * as fs from "fs";
import * as path from "path";
import { exitCodes, parseCommandLine, runCommand, UsageError } from "../cli";
import { configReferenceFiles } from "./configReference";

const usage = `usage: npm run config-reference
  Writes docs/config-reference.md and schema/lgtm-config.schema.json from the zod schema in
  stacks/schema.ts (with the key lists of stacks/config.ts and the profiles' defaults). Run it after
  changing any of them: npm test fails while a committed copy is stale.
  Exit: 0 written, 2 usage error.`;

runCommand("config-reference", () => {
    const { positionals } = parseCommandLine(process.argv.slice(2), {}, usage);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}\n${usage}`);
    const projectDir = path.resolve(__dirname, "..", "..");
    for (const [file, content] of Object.entries(configReferenceFiles(projectDir))) {
        fs.mkdirSync(path.dirname(path.join(projectDir, file)), { recursive: true });
        fs.writeFileSync(path.join(projectDir, file), content);
        console.log(`wrote ${file}`);
    }
    return exitCodes.passed;
});
