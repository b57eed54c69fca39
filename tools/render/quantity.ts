/** Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `1G`, `2e3`) as plain numbers: cores or bytes. */

const suffixes: Record<string, number> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** The quantity's value in base units, or undefined when it is not a quantity. */
export function parseQuantity(quantity: unknown): number | undefined {
    if (typeof quantity === "number") return Number.isFinite(quantity) ? quantity : undefined;
    if (typeof quantity !== "string") return undefined;
    const match = /^\s*([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?\s*$/.exec(quantity);
    if (!match) return undefined;
    const [, number, exponent, suffix = ""] = match;
    return Number(number) * 10 ** Number(exponent ?? 0) * suffixes[suffix];
}

/** `1.25` cores → `1250m`. */
export function formatCpu(cores: number): string {
    return `${Math.round(cores * 1000)}m`;
}

/** Bytes → `640Mi` or `2.50Gi`. */
export function formatMemory(bytes: number): string {
    if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)}Gi`;
    return `${Math.round(bytes / 2 ** 20)}Mi`;
}
