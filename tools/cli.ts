/**
 * What every command of the project shares, so that they behave alike: `--help`/`-h` prints the
 * usage on stdout and exits 0; the stack is a positional argument; exit codes are
 *   0  passed
 *   1  a check failed (verify's errors, a workflow problem, a dashboard not exported)
 *   2  usage or configuration error, or the command could not run (no helm, no kubectl)
 */
import { parseArgs, ParseArgsConfig } from "util";
import { quote } from "shell-quote";

export const exitCodes = { passed: 0, checkFailed: 1, usageOrConfig: 2 } as const;

/** Wrong arguments: the message ends with the command's usage. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;
const helpOption = { help: { type: "boolean", short: "h" } } as const;

/**
 * `util.parseArgs`, strict, with positionals; `--help` prints `usage` and exits 0, anything it does
 * not know is a UsageError.
 */
export function parseCommandLine<const O extends Options>(argv: string[], options: O, usage: string) {
    const config = { args: argv, options: { ...options, ...helpOption }, strict: true, allowPositionals: true } as const;
    let parsed: ReturnType<typeof parseArgs<typeof config>>;
    try {
        parsed = parseArgs(config);
    } catch (error) {
        throw new UsageError(`${(error as Error).message}\n${usage}`);
    }
    if ((parsed.values as { help?: boolean }).help) {
        process.stdout.write(`${usage}\n`);
        process.exit(exitCodes.passed);
    }
    return parsed;
}

/** The one stack a command takes as its positional argument (`npm run verify -- dev`). */
export function stackArgument(positionals: readonly string[], usage: string): string {
    if (positionals.length !== 1) throw new UsageError(`${positionals.length ? `one stack, not ${positionals.join(" ")}` : "which stack?"}\n${usage}`);
    return positionals[0];
}

/** `--local-port N`: a TCP port. */
export function portArgument(value: string | undefined, fallback: number, usage: string): number {
    if (value === undefined) return fallback;
    const port = Number(value);
    if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new UsageError(`--local-port ${JSON.stringify(value)}: expected a port, 1–65535\n${usage}`);
    return port;
}

/**
 * Runs a command's `main` and exits with its code; whatever it throws (usage, an invalid stack
 * config, a missing tool) exits 2 after `report` has shown the message (stderr, `<name>: …`).
 */
export function runCommand(name: string, main: () => number | Promise<number>, report = (message: string) => console.error(`${name}: ${message}`)): void {
    Promise.resolve()
        .then(main)
        .then(
            (code) => process.exit(code),
            (error: Error) => {
                report(error.message);
                process.exit(exitCodes.usageOrConfig);
            },
        );
}

// Words without shell characters stay as they are, so printed commands read as people type them.
const plainWord = /^[\w@%+=:,./-]+$/;

/** A command line as the user would type it: words with spaces or shell characters are quoted. */
export function shellLine(command: string, args: readonly string[]): string {
    return [command, ...args].map((word) => (plainWord.test(word) ? word : quote([word]))).join(" ");
}
