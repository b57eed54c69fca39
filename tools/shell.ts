/** A command line as the user would type it: arguments with spaces or shell characters are quoted. */
export function shellLine(command: string, args: readonly string[]): string {
    return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}
