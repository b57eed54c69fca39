/** Relative links of the Markdown pages (README.md, docs/**): the file each names, and its #anchor, must exist. */
import * as fs from "fs";
import * as path from "path";

/** GitHub's anchor for a heading: lowercase, punctuation dropped (except - and _), each space a -. */
export function headingAnchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/ /g, "-");
}

/** The lines of a page outside fenced code blocks. */
function proseLines(text: string): string[] {
    let fenced = false;
    return text.split("\n").filter((line) => {
        if (/^\s*(```|~~~)/.test(line)) {
            fenced = !fenced;
            return false;
        }
        return !fenced;
    });
}

/** The anchors of a page's headings; a repeated heading gets -1, -2, … as on GitHub. */
export function pageAnchors(text: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const line of proseLines(text)) {
        const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
        if (heading === undefined) continue;
        const anchor = headingAnchor(heading);
        const n = seen.get(anchor) ?? 0;
        seen.set(anchor, n + 1);
        anchors.add(n === 0 ? anchor : `${anchor}-${n}`);
    }
    return anchors;
}

/** Link targets `[text](target)` outside code, without the scheme-qualified (http:, mailto:, …) ones. */
export function relativeLinks(text: string): string[] {
    const prose = proseLines(text)
        .map((line) => line.replace(/`[^`]*`/g, "``"))
        .join("\n");
    return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The Markdown pages checked: README.md and every .md under docs/. */
export function markdownPages(projectDir: string): string[] {
    const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".md") ? [path.join(dir, e.name)] : []));
    return [path.join(projectDir, "README.md"), ...walk(path.join(projectDir, "docs"))];
}

/** Each relative link of a page that does not resolve: its file is missing, or its #anchor is not a heading there. */
export function brokenLinks(page: string): string[] {
    const text = fs.readFileSync(page, "utf8");
    const broken: string[] = [];
    for (const target of relativeLinks(text)) {
        const [file, anchor] = target.split("#", 2);
        const resolved = file === "" ? page : path.resolve(path.dirname(page), decodeURIComponent(file));
        if (!fs.existsSync(resolved)) {
            broken.push(`${target}: no file ${resolved}`);
            continue;
        }
        if (anchor === undefined || anchor === "") continue;
        if (!resolved.endsWith(".md")) {
            broken.push(`${target}: an anchor into a file that is not Markdown`);
            continue;
        }
        if (!pageAnchors(fs.readFileSync(resolved, "utf8")).has(anchor)) broken.push(`${target}: no heading with anchor #${anchor} in ${resolved}`);
    }
    return broken;
}
