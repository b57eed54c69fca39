/**
 * Alloy syntax as data, and the blocks every Alloy configuration of the project sends with: the
 * in-cluster agent (components/alloy.ts), a server's agent (components/serverAgent.ts) and an edge
 * cluster's agent all write to Loki, Prometheus remote write and OTLP through these builders, so
 * quoting, credentials and retry settings have one home. Pure: no I/O, no Pulumi.
 */

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * An Alloy string literal. JSON's escapes are a subset of Alloy's (Go-style), and every `{` is
 * written as `\u007b`, so no value can open a Helm action (`{{`) when a chart runs the config
 * through `tpl`; Alloy reads the same text either way. A string with a lone UTF-16 surrogate is
 * refused: JSON would write it as `\ud800`, which Alloy rejects as an invalid code point.
 */
export function alloyString(value: string): string {
    // The value is not quoted in the message: it may be a password.
    if (loneSurrogate.test(value)) throw new Error("a value is not well-formed Unicode (it has a lone surrogate), which Alloy cannot read");
    return JSON.stringify(value).replace(/\{/g, "\\u007b");
}

/** Text Alloy reads as an expression (a reference, a standard-library value): written by this program, never data. */
export class AlloyExpression {
    constructor(readonly text: string) {}
}
export const alloyExpression = (text: string) => new AlloyExpression(text);

export type AlloyValue = string | number | boolean | AlloyExpression | readonly AlloyValue[] | { readonly [key: string]: AlloyValue };

/** A block: `name "label" { attributes… blocks… }`. */
export interface AlloyBlock {
    /** `loki.write`, `endpoint`, … */
    readonly name: string;
    readonly label?: string;
    /** Lines of `//` comment above the block: why it is as it is. */
    readonly comments?: readonly string[];
    /** Attributes in order; an undefined value is left out (Alloy's default applies). */
    readonly attributes?: Readonly<Record<string, AlloyValue | undefined>>;
    readonly blocks?: readonly AlloyBlock[];
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

function renderValue(value: AlloyValue, indent: string): string {
    if (value instanceof AlloyExpression) return value.text;
    if (typeof value === "string") return alloyString(value);
    if (typeof value === "boolean") return String(value);
    if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new Error(`${value} is not a number Alloy can read`);
        return String(value);
    }
    if (Array.isArray(value)) return `[${value.map((v) => renderValue(v, indent)).join(", ")}]`;
    const entries = Object.entries(value as Record<string, AlloyValue>);
    if (entries.length === 0) return "{}";
    const keys = entries.map(([key]) => (identifier.test(key) ? key : alloyString(key)));
    const width = Math.max(...keys.map((k) => k.length));
    const inner = `${indent}  `;
    return `{\n${entries.map(([, v], i) => `${inner}${keys[i].padEnd(width)} = ${renderValue(v, inner)},\n`).join("")}${indent}}`;
}

/** The block as Alloy text, indented by `indent`, attributes aligned as `alloy fmt` aligns them. */
export function renderAlloyBlock(block: AlloyBlock, indent = ""): string {
    for (const name of block.name.split(".")) if (!identifier.test(name)) throw new Error(`${JSON.stringify(block.name)} is not an Alloy block name`);
    const attributes = Object.entries(block.attributes ?? {}).filter((e): e is [string, AlloyValue] => e[1] !== undefined);
    for (const [name] of attributes) if (!identifier.test(name)) throw new Error(`${JSON.stringify(name)} is not an Alloy attribute name`);
    const inner = `${indent}  `;
    const width = Math.max(0, ...attributes.map(([name]) => name.length));
    const groups = [
        ...(attributes.length ? [attributes.map(([name, value]) => `${inner}${name.padEnd(width)} = ${renderValue(value, inner)}\n`).join("")] : []),
        ...(block.blocks ?? []).map((b) => renderAlloyBlock(b, inner)),
    ];
    const comments = (block.comments ?? []).map((line) => `${indent}// ${line}`.trimEnd() + "\n").join("");
    const header = `${indent}${block.name}${block.label === undefined ? "" : ` ${alloyString(block.label)}`} {`;
    return groups.length === 0 ? `${comments}${header} }\n` : `${comments}${header}\n${groups.join("\n")}${indent}}\n`;
}

/** Blocks as a configuration file: top-level blocks separated by a blank line. */
export function renderAlloyConfig(blocks: readonly AlloyBlock[]): string {
    return blocks.map((b) => renderAlloyBlock(b)).join("\n");
}

/**
 * A duration as Go writes it, which Alloy's `duration` attributes read (`500ms`, `5m`, `1h30m`).
 * Whole milliseconds only.
 */
export function goDuration(seconds: number): string {
    const ms = Math.round(seconds * 1000);
    if (!Number.isFinite(seconds) || seconds < 0 || Math.abs(ms - seconds * 1000) > 1e-6) throw new Error(`${seconds} s is not a whole number of milliseconds`);
    if (ms === 0) return "0s";
    const parts: [number, string][] = [
        [Math.floor(ms / 3_600_000), "h"],
        [Math.floor(ms / 60_000) % 60, "m"],
        [Math.floor(ms / 1000) % 60, "s"],
        [ms % 1000, "ms"],
    ];
    return parts
        .filter(([n]) => n > 0)
        .map(([n, unit]) => `${n}${unit}`)
        .join("");
}

/** A duration for people: `1 h 3 min`, `8 h`, `45 min` (whole minutes, rounded down). */
export function humanDuration(seconds: number): string {
    const minutes = Math.floor(seconds / 60);
    const [h, m] = [Math.floor(minutes / 60), minutes % 60];
    return [h ? `${h} h` : "", m || !h ? `${m} min` : ""].filter(Boolean).join(" ");
}

// ---- Where the agents send: Loki, Prometheus remote write, OTLP over HTTP --------------------------

/** Basic-auth credentials at the central side's ingest gateway. */
export interface BasicAuth {
    readonly username: string | AlloyExpression;
    /** A literal (a server's config file, kept secret by whoever installs it), or an expression such as `sys.env("…")` reading it from a Secret. */
    readonly password: string | AlloyExpression;
}

// No URL, user name or password carries a control character (a line break, an escape), and a
// terminal or log line would render one.
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
const controlCharacter = /[\u0000-\u001f\u007f]/;

/** An http(s) URL, whole: `new URL` would silently drop a tab or line break inside it. */
function checkHttpUrl(what: string, url: string): void {
    let parsed: URL | undefined;
    try {
        parsed = new URL(url);
    } catch {
        parsed = undefined;
    }
    if (!/^https?:\/\/\S+$/.test(url) || controlCharacter.test(url) || !parsed) throw new Error(`${what} must be an http(s) URL, got ${JSON.stringify(url)}`);
}

function checkBasicAuth(what: string, auth: BasicAuth): void {
    // RFC 7617: the user name ends at the first colon, so one inside it would shift into the password.
    const { username, password } = auth;
    if (typeof username === "string" && (username === "" || username.includes(":") || controlCharacter.test(username))) {
        throw new Error(`${what}: the basic-auth user name must be non-empty, without ':' or control characters`);
    }
    // The password is never quoted in a message: it is a secret.
    if (typeof password === "string" && (password === "" || controlCharacter.test(password))) throw new Error(`${what}: the basic-auth password must be non-empty, without control characters`);
}

function basicAuthBlock(auth: BasicAuth): AlloyBlock {
    return { name: "basic_auth", attributes: { username: auth.username, password: auth.password } };
}

/**
 * How `loki.write` retries a batch the central side does not take (5xx, 429, no connection): the
 * backoff doubles from `minBackoffSeconds` up to `maxBackoffSeconds`, for at most `maxRetries`
 * attempts. While a batch is retried the queue behind it fills and then holds back the sources:
 * the journal and the files keep the lines, their positions stay where they were.
 */
export interface LokiRetry {
    readonly minBackoffSeconds: number;
    readonly maxBackoffSeconds: number;
    readonly maxRetries: number;
}

/**
 * The shortest time `loki.write` keeps a batch before it drops it, after dskit's backoff (which
 * Alloy's Loki client uses): of `maxRetries` attempts, the first `maxRetries - 1` are each followed
 * by a wait drawn from [lo, hi), where lo starts at the minimum backoff and hi at twice that, both
 * doubling (capped at the maximum backoff) until hi reaches the maximum; lo is the wait's floor.
 */
export function lokiRetrySpanSeconds(retry: LokiRetry): number {
    const double = (value: number) => Math.min(value * 2, retry.maxBackoffSeconds);
    let [lo, hi] = [retry.minBackoffSeconds, double(retry.minBackoffSeconds)];
    let total = 0;
    for (let wait = 1; wait < retry.maxRetries; wait++) {
        total += lo;
        if (lo < hi && hi < retry.maxBackoffSeconds) [lo, hi] = [double(lo), double(hi)];
    }
    return total;
}

/** `loki.write "<label>"`: one endpoint, its credentials and tenant, labels on every line. */
export interface LokiWrite {
    readonly label: string;
    /** Loki push API, `http(s)://…/loki/api/v1/push`. */
    readonly url: string;
    /** `X-Scope-OrgID`, for a multi-tenant Loki reached directly; unset behind a gateway that derives it. */
    readonly tenantId?: string;
    readonly basicAuth?: BasicAuth;
    readonly externalLabels: Readonly<Record<string, AlloyValue>>;
    /** Unset: Alloy's defaults (about 8.5 minutes of retries). */
    readonly retry?: LokiRetry;
}

export function lokiWriteBlock(w: LokiWrite): AlloyBlock {
    checkHttpUrl("Loki push URL", w.url);
    if (w.tenantId !== undefined && w.tenantId.trim() === "") throw new Error("Loki tenant must not be empty; leave it undefined when Loki is single-tenant");
    if (w.basicAuth) checkBasicAuth(`loki.write ${w.label}`, w.basicAuth);
    return {
        name: "loki.write",
        label: w.label,
        attributes: { external_labels: w.externalLabels },
        blocks: [
            {
                name: "endpoint",
                attributes: {
                    url: w.url,
                    tenant_id: w.tenantId,
                    min_backoff_period: w.retry && goDuration(w.retry.minBackoffSeconds),
                    max_backoff_period: w.retry && goDuration(w.retry.maxBackoffSeconds),
                    max_backoff_retries: w.retry?.maxRetries,
                },
                blocks: w.basicAuth ? [basicAuthBlock(w.basicAuth)] : [],
            },
        ],
    };
}

/**
 * The write-ahead log of `prometheus.remote_write`: samples stay on disk until sent, and are
 * removed unsent only once older than `maxKeepaliveSeconds` (checked every `truncateFrequencySeconds`).
 * Remote write itself retries a recoverable error (5xx, 429, no connection) for as long as it lasts.
 */
export interface RemoteWriteWal {
    readonly truncateFrequencySeconds: number;
    readonly minKeepaliveSeconds: number;
    readonly maxKeepaliveSeconds: number;
}

export interface RemoteWrite {
    readonly label: string;
    readonly url: string;
    readonly basicAuth?: BasicAuth;
    readonly externalLabels: Readonly<Record<string, AlloyValue>>;
    /** The longest wait between two retries of a send; unset: Alloy's 5 s. */
    readonly maxBackoffSeconds?: number;
    /** Unset: Alloy's defaults (which keep unsent samples 8 h). */
    readonly wal?: RemoteWriteWal;
}

export function prometheusRemoteWriteBlock(w: RemoteWrite): AlloyBlock {
    checkHttpUrl("Prometheus remote-write URL", w.url);
    if (w.basicAuth) checkBasicAuth(`prometheus.remote_write ${w.label}`, w.basicAuth);
    const endpointBlocks: AlloyBlock[] = [
        ...(w.basicAuth ? [basicAuthBlock(w.basicAuth)] : []),
        ...(w.maxBackoffSeconds === undefined ? [] : [{ name: "queue_config", attributes: { max_backoff: goDuration(w.maxBackoffSeconds) } }]),
    ];
    return {
        name: "prometheus.remote_write",
        label: w.label,
        attributes: { external_labels: w.externalLabels },
        blocks: [
            { name: "endpoint", attributes: { url: w.url }, blocks: endpointBlocks },
            ...(w.wal
                ? [
                      {
                          name: "wal",
                          attributes: {
                              truncate_frequency: goDuration(w.wal.truncateFrequencySeconds),
                              min_keepalive_time: goDuration(w.wal.minKeepaliveSeconds),
                              max_keepalive_time: goDuration(w.wal.maxKeepaliveSeconds),
                          },
                      },
                  ]
                : []),
        ],
    };
}

/**
 * How `otelcol.exporter.otlphttp` holds data the central side does not take: a batch is retried
 * (its waits growing to at most 30 s) until `maxElapsedSeconds` after its first failure, while new
 * spans wait in a queue of `queueSpans` spans in memory; once the queue is full, new spans are
 * refused (the sending SDK may retry them).
 */
export interface OtlpDelivery {
    readonly maxElapsedSeconds: number;
    readonly queueSpans: number;
}

export interface OtlpHttpExport {
    readonly label: string;
    /** OTLP/HTTP base URL; the exporter appends /v1/traces. */
    readonly endpoint: string;
    /** Sent through an `otelcol.auth.basic` of the same label. */
    readonly basicAuth?: BasicAuth;
    /** Unset: Alloy's defaults (5 minutes of retries, 1000 batches queued). */
    readonly delivery?: OtlpDelivery;
}

/** `otelcol.exporter.otlphttp "<label>"` (its `input` takes traces), and the `otelcol.auth.basic` it authenticates with. */
export function otlpHttpExporterBlocks(e: OtlpHttpExport): AlloyBlock[] {
    checkHttpUrl("OTLP/HTTP endpoint", e.endpoint);
    if (e.basicAuth) checkBasicAuth(`otelcol.exporter.otlphttp ${e.label}`, e.basicAuth);
    const auth: AlloyBlock[] = e.basicAuth ? [{ name: "otelcol.auth.basic", label: e.label, blocks: [{ name: "client_auth", attributes: { username: e.basicAuth.username, password: e.basicAuth.password } }] }] : [];
    const delivery: AlloyBlock[] = e.delivery
        ? [
              { name: "retry_on_failure", attributes: { max_elapsed_time: goDuration(e.delivery.maxElapsedSeconds) } },
              { name: "sending_queue", attributes: { sizer: "items", queue_size: e.delivery.queueSpans } },
          ]
        : [];
    const exporter: AlloyBlock = {
        name: "otelcol.exporter.otlphttp",
        label: e.label,
        blocks: [{ name: "client", attributes: { endpoint: e.endpoint, auth: e.basicAuth && alloyExpression(`otelcol.auth.basic.${e.label}.handler`) } }, ...delivery],
    };
    return [...auth, exporter];
}

/**
 * What a fleet member sends its traces through, from `input`: `cluster=<member>` set on every span's
 * resource, whatever the application set (its traces are the member's), a batch, and the OTLP/HTTP
 * exporter to the central gateway (`otelcol.exporter.otlphttp "central"`). `input` is
 * `otelcol.processor.transform.cluster.input`.
 */
export function centralTraceBlocks(cluster: string, endpoint: string, basicAuth: BasicAuth, delivery: OtlpDelivery): AlloyBlock[] {
    return [
        {
            name: "otelcol.processor.transform",
            label: "cluster",
            comments: ["cluster on every span's resource, whatever the application set: its traces are the member's."],
            attributes: { error_mode: "ignore" },
            blocks: [
                { name: "trace_statements", attributes: { context: "resource", statements: [`set(attributes["cluster"], ${JSON.stringify(cluster)})`] } },
                { name: "output", attributes: { traces: [alloyExpression("otelcol.processor.batch.default.input")] } },
            ],
        },
        {
            name: "otelcol.processor.batch",
            label: "default",
            blocks: [{ name: "output", attributes: { traces: [alloyExpression("otelcol.exporter.otlphttp.central.input")] } }],
        },
        ...otlpHttpExporterBlocks({ label: "central", endpoint, basicAuth, delivery }),
    ];
}
