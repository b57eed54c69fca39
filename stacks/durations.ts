/** Seconds per unit of Prometheus-style (ms … y) and Go-style (ns … h) durations. */
const unitSeconds: Record<string, number> = {
    ns: 1e-9,
    us: 1e-6,
    ms: 1e-3,
    s: 1,
    m: 60,
    h: 3600,
    d: 86400,
    w: 7 * 86400,
    y: 365 * 86400,
};

/**
 * Length of a duration such as `1w2d`, `36h` or `90m`, in seconds. The schema has already checked
 * the format; anything else is a programming error.
 */
export function durationSeconds(duration: string): number {
    const parts = [...duration.matchAll(/(\d+)(ns|us|ms|s|m|h|d|w|y)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) throw new Error(`not a duration: ${duration}`);
    return parts.reduce((total, [, n, unit]) => total + Number(n) * unitSeconds[unit], 0);
}
