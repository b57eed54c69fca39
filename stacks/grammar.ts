import { z } from "zod";
import { parseIp } from "./cidr";

/**
 * The grammar of each place a config string lands: a chart value that `tpl` evaluates, a line of a
 * Loki or Tempo config file, a Kubernetes name or label, a command-line flag. A value is valid only
 * if it is valid there, so each grammar is that of its destination (or a strict subset of it), and
 * none admits the Helm template delimiters `{{`/`}}`, a newline or a space. Every key of
 * `stacks/schema.ts` that needs one of these takes it from here.
 */

/** A rule a value must follow, and what is accepted when it does not. */
type Rule = readonly [test: (value: string) => boolean, accepted: string];

/** A string that follows every rule; a value is refused with the first rule it breaks (one message per value). */
function grammar(rules: readonly Rule[], typeMessage?: string) {
    return z.string(typeMessage).superRefine((value, ctx) => {
        const broken = rules.find(([test]) => !test(value));
        if (broken) ctx.addIssue({ code: "custom", message: broken[1], input: value });
    });
}

const matches = (pattern: RegExp) => (value: string) => pattern.test(value);

/** Helm evaluates `{{ … }}` in any value a chart passes through `tpl` (Loki's config, twice). */
export const templateDelimiters = /\{\{|\}\}/;
/** Text that reaches no chart (a kubeconfig context name): only the template delimiters are refused. */
export const untemplated = grammar([[(v) => !templateDelimiters.test(v), "no Helm template delimiters {{ or }}"]]);

const dnsLabelPattern = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const dnsLabelMessage = "a DNS label: lower-case letters, digits and '-', at most 63 characters";
/** An RFC 1123 label: Services, StorageClasses, IngressClasses, Secrets named by the platform. */
export const dnsLabel = grammar([[matches(new RegExp(`^${dnsLabelPattern}$`)), dnsLabelMessage]]);

/** The cluster's own namespaces: the platform labels its namespaces "restricted" and puts a default-deny in each. */
export const clusterNamespaces = ["kube-system", "kube-public", "kube-node-lease", "default"] as const;
/** A namespace the platform creates and owns: an RFC 1123 label, none of the cluster's own. */
export const namespaceName = grammar([
    [matches(new RegExp(`^${dnsLabelPattern}$`)), dnsLabelMessage],
    [
        (v) => !(clusterNamespaces as readonly string[]).includes(v),
        `a namespace of the platform's own, not one of the cluster's (${clusterNamespaces.join(", ")}): the platform enforces Pod Security "restricted" and a default-deny NetworkPolicy in its namespaces`,
    ],
]);

const hostnamePattern = `(?=.{1,253}$)${dnsLabelPattern}(\\.${dnsLabelPattern})*`;
/** An RFC 1123 host name, as an Ingress host and a certificate take it. */
export const hostname = grammar([[matches(new RegExp(`^${hostnamePattern}$`)), "a DNS host name such as grafana.example.com (lower case, no scheme, no port, no path)"]]);

const validPort = (value: string) => {
    const port = /:(\d+)$/.exec(value)?.[1];
    return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
};
/**
 * host or host:port, never a scheme nor a path: an RFC 1123 host name and an optional port.
 * `typeMessage` is what a missing value (or one that is no string) is told; by default `accepted`.
 */
export const hostPort = (accepted: string, typeMessage = accepted) =>
    grammar(
        [
            [matches(new RegExp(`^(?=[^:]{1,253}(:|$))${dnsLabelPattern}(\\.${dnsLabelPattern})*(:\\d{1,5})?$`)), accepted],
            [validPort, "a port between 1 and 65535"],
        ],
        typeMessage,
    );

/** A Kubernetes object name (DNS subdomain), such as the name of a cert-manager issuer. */
const objectNameMessage = "a Kubernetes object name: lower-case letters, digits, '-' and '.', such as letsencrypt-prod";
export const objectName = grammar([[matches(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/), objectNameMessage]], objectNameMessage);

/**
 * An S3 bucket name after AWS' rules, which S3-compatible services follow: 3-63 characters of
 * lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, no '..', not
 * an IP address, none of the prefixes and suffixes AWS reserves.
 */
export const bucketName = grammar([
    [matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/), "an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit"],
    [(v) => !v.includes(".."), "an S3 bucket name without two adjacent dots"],
    [(v) => !/^\d+\.\d+\.\d+\.\d+$/.test(v), "an S3 bucket name that is not formatted as an IP address"],
    [
        (v) => !/^(xn--|sthree-|amzn-s3-demo-)/.test(v) && !/(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(v),
        "an S3 bucket name without a prefix (xn--, sthree-, amzn-s3-demo-) or suffix (-s3alias, --ol-s3, .mrap, --x-s3) S3 reserves",
    ],
]);

/**
 * An S3 region: AWS' (us-east-1, eu-west-3) or a custom one as S3-compatible services name theirs
 * (default, garage): lower-case letters, digits and '-'. Loki writes it unquoted into its config.
 */
export const s3Region = grammar([[matches(new RegExp(`^${dnsLabelPattern}$`)), "an S3 region such as us-east-1, or a custom region name of lower-case letters, digits and '-' (at most 63)"]]);

/** A Loki tenant ID after Loki's rules: at most 150 of letters, digits and !-_.*'(), and neither "." nor "..". */
export const lokiTenant = grammar([
    [matches(/^[A-Za-z0-9!._*'()-]{1,150}$/), "a Loki tenant ID: letters, digits and !-_.*'() (at most 150)"],
    [(v) => v !== "." && v !== "..", `a Loki tenant ID other than "." and ".." (Loki refuses both)`],
]);

// Kubernetes label syntax: an optional DNS-subdomain prefix and a name of at most 63 characters.
const labelNamePattern = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const labelValueMessage = "a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
export const labelKey = grammar([[matches(new RegExp(`^((?=[^/]{1,253}/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${labelNamePattern}$`)), "a label key such as kubernetes.io/metadata.name"]]);
/** A Kubernetes label value, empty included. */
export const labelValue = grammar([[matches(new RegExp(`^(${labelNamePattern})?$`)), labelValueMessage]]);
/** A label value that says something: not empty. */
export const nonEmptyLabelValue = (accepted: string) => grammar([[matches(new RegExp(`^${labelNamePattern}$`)), accepted]]);

const unitNanos: Record<string, bigint> = {
    ns: 1n,
    us: 1000n,
    ms: 1000_000n,
    s: 1000_000_000n,
    m: 60n * 1000_000_000n,
    h: 3600n * 1000_000_000n,
    d: 86400n * 1000_000_000n,
    w: 7n * 86400n * 1000_000_000n,
    y: 365n * 86400n * 1000_000_000n,
};
/** Both Prometheus and Go keep a duration in an int64 of nanoseconds, and refuse one that does not fit. */
const maxNanos = 2n ** 63n - 1n;

/** Length of a duration such as `1w2d`, `36h` or `90m`, in nanoseconds. */
function durationNanos(duration: string): bigint {
    if (duration === "0") return 0n;
    const parts = [...duration.matchAll(/(\d+)(ns|us|ms|s|m|h|d|w|y)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) throw new Error(`not a duration: ${duration}`);
    return parts.reduce((total, [, n, unit]) => total + BigInt(n) * unitNanos[unit], 0n);
}

/**
 * Length of a duration such as `1w2d`, `36h` or `90m`, in seconds. The schema has already checked
 * the format; anything else is a programming error.
 */
export function durationSeconds(duration: string): number {
    return Number(durationNanos(duration)) / 1e9;
}

const inRange = (v: string) => durationNanos(v) <= maxNanos;
const rangeMessage = "a duration that fits in int64 nanoseconds, as Prometheus and Go keep it (at most 106751d23h47m16s, about 292 years)";

/**
 * Prometheus' `model.ParseDuration`, which Prometheus, the Prometheus operator, Thanos and Loki's
 * `retention_period` use: units y w d h m s ms, in that order, each at most once, or 0.
 */
const promDurationPattern = /^(0|(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;
export const promDuration = grammar([
    [matches(promDurationPattern), "a duration such as 30s, 12h, 15d or 1d12h (units y, w, d, h, m, s, ms, largest first, each at most once)"],
    [inRange, rangeMessage],
]);

/** How often Prometheus scrapes or probes a job: a Prometheus duration of at least a second (0 would be refused). */
export const promInterval = grammar([
    [matches(promDurationPattern), "an interval such as 30s, 1m or 1m30s (units y, w, d, h, m, s, ms, largest first, each at most once)"],
    [inRange, rangeMessage],
    [(v) => durationNanos(v) >= unitNanos.s, "an interval of at least 1s, such as 30s or 1m"],
]);

/** Go's `time.ParseDuration` in whole numbers, which Tempo's config fields take: units h m s ms us ns, or 0. */
export const goDuration = grammar([
    [matches(/^(0|(\d+(ns|us|ms|s|m|h))+)$/), "a duration in hours, minutes or seconds such as 336h or 90m (Tempo takes no days)"],
    [inRange, rangeMessage],
]);

const powers = (base: number, units: readonly string[]) => Object.fromEntries(units.map((u, i) => [u, base ** (i + 1)]));
/** Prometheus' `--storage.tsdb.retention.size` units, powers of 1024 (`units.ParseBase2Bytes`). */
const byteUnits: Record<string, number> = { B: 1, ...powers(1024, ["KB", "MB", "GB", "TB", "PB", "EB"]) };
const bytesSizePattern = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|PB|EB)$/;
/** Bytes of a size such as `40GB` (base 2, as Prometheus reads it). */
export function sizeBytes(size: string): number {
    const m = bytesSizePattern.exec(size);
    if (!m) throw new Error(`not a size: ${size}`);
    return Number(m[1]) * byteUnits[m[2]];
}
export const bytesSize = grammar([[matches(bytesSizePattern), "a size such as 512MB or 50GB (units B, KB, MB, GB, TB, PB, EB)"]]);

/** Kubernetes quantity suffixes: binary (Ki …) and decimal (k …). */
const quantityUnits: Record<string, number> = { "": 1, ...powers(1024, ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]), ...powers(1000, ["k", "M", "G", "T", "P", "E"]) };
const quantityPattern = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
/** Bytes of a Kubernetes quantity such as `50Gi` or `500M`. */
export function quantityBytes(quantity: string): number {
    const m = quantityPattern.exec(quantity);
    if (!m) throw new Error(`not a quantity: ${quantity}`);
    return Number(m[1]) * quantityUnits[m[2] ?? ""];
}
/** A volume size: a Kubernetes quantity of more than nothing. */
export const volumeQuantity = grammar([
    [matches(quantityPattern), "a Kubernetes quantity such as 10Gi or 500Mi"],
    [(v) => quantityBytes(v) > 0, "a size of more than 0, such as 10Gi (a volume cannot be empty)"],
]);

// ---------------------------------------------------------------------------------------------
// Collection: static scrape targets, blackbox probes (stacks/collection.ts)
// ---------------------------------------------------------------------------------------------

/**
 * A scrape or probe job's name: it is the `job` label of every series it collects and names the
 * ScrapeConfig or Probe that carries it, so it follows the stricter of the two, a DNS label.
 */
export const jobName = grammar([
    [matches(new RegExp(`^${dnsLabelPattern}$`)), "a job name: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit (it is the job label and names the ScrapeConfig or Probe)"],
]);

/** A Prometheus label name as PromQL takes it without quoting; `__` starts the names Prometheus keeps for itself. */
export const promLabelName = grammar([
    [matches(/^[a-zA-Z_][a-zA-Z0-9_]*$/), "a Prometheus label name: letters, digits and '_', not starting with a digit"],
    [(v) => !v.startsWith("__"), "a label name not starting with __ (Prometheus reserves those for itself)"],
]);
/** A label value: Prometheus drops a label whose value is empty, and a control character would break the ScrapeConfig's YAML and every query that names it. */
export const promLabelValue = grammar([[(v) => v !== "" && !/\p{Cc}/u.test(v), "a label value: not empty, no control characters"]]);

/** A network endpoint of a target: a host name or an IP address, and for a scrape target a port. */
export interface Endpoint {
    /** Host name, or IP address (IPv6 without brackets). */
    readonly host: string;
    /** IP family when `host` is an address; undefined for a host name. */
    readonly family?: 4 | 6;
    readonly port?: number;
}

const hostnameOnly = new RegExp(`^${hostnamePattern}$`);

/** A host as Prometheus and the blackbox exporter dial it (the ICMP prober takes nothing else): an IP address or a DNS name; undefined for anything else. */
export function parseHost(host: string): Endpoint | undefined {
    // An IPv6 zone (fe80::1%eth0) names an interface of one node: no CIDR can hold it.
    if (host.includes("%")) return undefined;
    const ip = parseIp(host);
    if (ip) return { host, family: ip.family };
    // Digits and dots only would be taken for an (invalid) IPv4 address, never looked up as a name.
    if (/^[\d.]+$/.test(host)) return undefined;
    return hostnameOnly.test(host) ? { host } : undefined;
}

/**
 * `host:port` (`[v6]:port` for IPv6), as a Prometheus static target and the blackbox exporter's TCP
 * prober take it; undefined when it is not one.
 */
export function parseHostPort(target: string): Endpoint | undefined {
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
    if (!m) return undefined;
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return undefined;
    const host = m[1] !== undefined ? parseHost(m[1]) : parseHost(m[2]);
    // Brackets are for IPv6 addresses only.
    if (!host || (m[1] !== undefined) !== (host.family === 6)) return undefined;
    return { ...host, port };
}

/**
 * The host and port an `http://` or `https://` URL connects to (80 or 443 unless it names one);
 * undefined for anything else, for a URL carrying a user name or password (the Probe and Pulumi's
 * state would hold them in clear text), and for one whose host is not written as it is dialled
 * (upper case, `10.1` for 10.0.0.1): the URL reaches the blackbox exporter as written.
 */
export function parseHttpUrl(text: string): (Endpoint & { readonly port: number }) | undefined {
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        return undefined;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    if (url.username !== "" || url.password !== "") return undefined;
    const written = /^https?:\/\/([^/?#]*?)(:\d+)?(?=[/?#]|$)/.exec(text)?.[1];
    if (written !== url.hostname) return undefined;
    const host = parseHost(url.hostname.replace(/^\[(.*)\]$/, "$1"));
    if (!host) return undefined;
    return { ...host, port: url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80 };
}

/** A key of a Secret's data, as Kubernetes takes it. */
export const secretKeyName = grammar([[matches(/^[-._a-zA-Z0-9]{1,253}$/), "a key of the Secret's data: letters, digits, '-', '_' or '.', such as password or ca.crt"]]);

/** The HTTP path Prometheus scrapes: absolute, and without a query or fragment (Prometheus would escape them into the path). */
export const httpPath = grammar([[matches(/^\/[^\s?#]*$/), "an absolute HTTP path such as /metrics, without spaces, query or fragment"]]);
