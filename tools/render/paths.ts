/** Paths into values and objects, printed the way people write them in values files. */

export type PathSegment = string | number;

/** `["loki", "storage", "s3", "endpoint"]` → `loki.storage.s3.endpoint`; dotted keys are quoted: `["grafana.ini"].server`. */
export function formatPath(path: readonly PathSegment[]): string {
    let out = "";
    for (const segment of path) {
        if (typeof segment === "number") out += `[${segment}]`;
        else if (/^[A-Za-z0-9_$-]+$/.test(segment)) out += out ? `.${segment}` : segment;
        else out += `[${JSON.stringify(segment)}]`;
    }
    return out || "(root)";
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Calls `visit` for every string inside `value` (objects and arrays, depth first). */
export function forEachString(value: unknown, visit: (text: string, path: PathSegment[]) => void, path: PathSegment[] = []): void {
    if (typeof value === "string") {
        visit(value, path);
    } else if (Array.isArray(value)) {
        value.forEach((item, index) => forEachString(item, visit, [...path, index]));
    } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) forEachString(item, visit, [...path, key]);
    }
}

/** The value at `path`, or undefined. */
export function getPath(value: unknown, path: readonly PathSegment[]): unknown {
    let current: unknown = value;
    for (const segment of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<string | number, unknown>)[segment];
    }
    return current;
}

/** Levenshtein distance, for "did you mean …" hints on misspelled keys. */
export function editDistance(a: string, b: string): number {
    const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = previous[0];
        previous[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = previous[j];
            previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return previous[b.length];
}

/** The candidate closest to `word` when it is close enough to be a likely typo. */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of candidates) {
        const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
