/**
 * Runs the real Thanos on what a stack renders for it (extract.ts), inside the network
 * namespace the caller made, and says whether each accepted it.
 *
 * Each container's program starts with its rendered arguments and environment in a mount namespace
 * of its own, where:
 *  - the files its volumes mount are local copies (arguments naming a mount path are pointed at
 *    them), emptyDir and claims are empty directories;
 *  - /etc/hosts maps the object store's host (and its virtual-host bucket name) to 127.0.0.1, where
 *    an S3 server (gofakes3, memory backend) listens on the rendered port; behind TLS, with a test
 *    CA that the process trusts through SSL_CERT_FILE, when the store is reached over https;
 *  - /run holds a service-account token and KUBERNETES_SERVICE_HOST/PORT point at loopback, as in a
 *    pod (nothing answers there).
 * Any other in-cluster name does not resolve, so the peers a component dials are unreachable, as
 * they are in a pod whose peers are not up yet. What is checked: that the program starts and
 * becomes ready on its own readiness endpoint with this configuration, and that it logs no warning
 * or error about an unknown, unsupported or deprecated setting.
 */
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import { promisify } from "util";
import { thanosHttpPort } from "../../components/thanos";
import { ContainerRun, flagValue, ObjstoreDocument, objstoreEndpoint } from "./extract";

const execFileAsync = promisify(execFile);

export interface CheckOutcome {
    stack: string;
    name: string;
    ok: boolean;
    seconds: number;
    /** The verdict in a line, with the program's own words when it refused something. */
    detail: string;
    /** Where the program's whole output is. */
    log?: string;
}

export interface RunOptions {
    /** The directory with thanos, gofakes3 and .version-thanos. */
    bin: string;
    workDir: string;
    /** How long a program may take to become ready. */
    readySeconds?: number;
    /** How long to keep listening after it is ready, for warnings logged just after start. */
    settleSeconds?: number;
}

/** Lines a program writes when it ignores, rejects or warns about a setting. */
const settingProblem = /deprecat|unknown|unrecogni[sz]ed|not supported|unsupported|not defined|invalid|did not find expected|cannot unmarshal|not found in type/i;
/** logfmt or JSON log lines at warning level or worse. */
const warnOrWorse = /\blevel=(warn|warning|error|fatal)\b|"level":"(warn|warning|error|fatal)"/i;

/** The lines of a program's output that fail the check: warnings and errors about its settings. */
export function settingProblems(output: string): string[] {
    return output.split("\n").filter((line) => warnOrWorse.test(line) && settingProblem.test(line));
}

const slug = (text: string) => text.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-|-$/g, "");

/** Writes a container's mounts under `root` (mirroring their absolute paths) and points its args at them. */
export function materialize(container: ContainerRun, root: string): string[] {
    for (const mount of container.mounts) {
        const target = path.join(root, mount.mountPath);
        if ("." in mount.files) {
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, mount.files["."]);
            continue;
        }
        fs.mkdirSync(target, { recursive: true });
        for (const [file, content] of Object.entries(mount.files)) {
            fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
            fs.writeFileSync(path.join(target, file), content);
        }
    }
    // Longest first, so /etc/thanos/rules wins over /etc/thanos; a path is matched whole (at the start
    // of an argument or after `=`, up to `/` or the end).
    const mountPaths = container.mounts.map((m) => m.mountPath.replace(/\/+$/, "")).sort((a, b) => b.length - a.length);
    return container.args.map((arg) => {
        for (const mountPath of mountPaths) {
            const escaped = mountPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            const pattern = new RegExp(`(^|=)${escaped}(?=/|$)`);
            if (pattern.test(arg)) return arg.replace(pattern, `$1${path.join(root, mountPath)}`);
        }
        return arg;
    });
}

/** `0.0.0.0:10902`, `:12345` → the loopback URL of that port. */
function loopbackUrl(listen: string): string {
    const port = listen.slice(listen.lastIndexOf(":") + 1);
    return `http://127.0.0.1:${port}`;
}

function httpOk(url: string): Promise<boolean> {
    return new Promise((resolve) => {
        const request = http.get(url, { timeout: 1000 }, (response) => {
            response.resume();
            resolve(response.statusCode === 200);
        });
        request.on("error", () => resolve(false));
        request.on("timeout", () => request.destroy());
    });
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

/** How long a healthy component may wait on its peers before it counts as started. */
const peerWaitSeconds = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The host names an S3 client reaches an endpoint by (each also with the bucket in front, for
 * virtual-host addressing): minio-go, Thanos' S3 client, sends requests for an AWS regional endpoint
 * to its dual-stack name, s3.dualstack.<region>.amazonaws.com.
 */
export function storeHostNames(host: string): string[] {
    const aws = /^s3[.-]([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
    return aws ? [host, `s3.dualstack.${aws[1]}.amazonaws.com`] : [host];
}

/** The S3 endpoints a stack's Thanos configuration names, served on loopback for the duration of a stack's checks. */
class ObjectStores {
    private readonly children: ChildProcess[] = [];
    private readonly proxies: net.Server[] = [];
    readonly hosts: string[] = [];
    caFile?: string;

    constructor(
        private readonly bin: string,
        private readonly dir: string,
    ) {}

    async start(documents: readonly string[]): Promise<void> {
        const endpoints = new Map<string, NonNullable<ReturnType<typeof objstoreEndpoint>>>();
        for (const document of documents) {
            const endpoint = objstoreEndpoint(document);
            if (endpoint) endpoints.set(`${endpoint.host}:${endpoint.port}`, endpoint);
        }
        const tlsHosts = [...endpoints.values()].filter((e) => e.tls).flatMap((e) => storeHostNames(e.host));
        const certificate = tlsHosts.length > 0 ? await this.writeCertificate(tlsHosts) : undefined;
        for (const endpoint of endpoints.values()) {
            const names = storeHostNames(endpoint.host);
            this.hosts.push(...names.flatMap((name) => [name, `${endpoint.bucket}.${name}`]));
            const port = endpoint.tls ? await freePort() : endpoint.port;
            const log = fs.openSync(path.join(this.dir, `s3-${slug(endpoint.host)}.log`), "a");
            const child = spawn(path.join(this.bin, "gofakes3"), ["-backend", "memory", "-autobucket", "-host", `127.0.0.1:${port}`, "-hostbucketbase", names.join(",")], { stdio: ["ignore", log, log] });
            this.children.push(child);
            if (endpoint.tls && certificate) {
                const proxy = tls.createServer({ key: certificate.key, cert: certificate.cert }, (socket) => {
                    const upstream = net.connect(port, "127.0.0.1");
                    socket.pipe(upstream).pipe(socket);
                    upstream.on("error", () => socket.destroy());
                    socket.on("error", () => upstream.destroy());
                });
                await new Promise<void>((resolve, reject) => proxy.listen(endpoint.port, "127.0.0.1", resolve).on("error", reject));
                this.proxies.push(proxy);
            }
            const deadline = Date.now() + 10_000;
            while (
                !(await new Promise<boolean>((resolve) =>
                    net
                        .connect(port, "127.0.0.1")
                        .on("connect", function (this: net.Socket) {
                            this.destroy();
                            resolve(true);
                        })
                        .on("error", () => resolve(false)),
                ))
            ) {
                if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the S3 server for ${endpoint.host}:${endpoint.port} did not start (log in ${this.dir})`);
                await sleep(200);
            }
        }
    }

    /** A CA the checked processes trust (SSL_CERT_FILE) and a serving certificate for the TLS endpoints. */
    private async writeCertificate(hosts: readonly string[]): Promise<{ key: Buffer; cert: Buffer }> {
        const dir = path.join(this.dir, "pki");
        fs.mkdirSync(dir, { recursive: true });
        const openssl = (args: string[]) => execFileAsync("openssl", args, { cwd: dir });
        await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=lgtm-components-test-ca"]);
        fs.writeFileSync(path.join(dir, "s3.ext"), `subjectAltName=${hosts.flatMap((h) => [`DNS:${h}`, `DNS:*.${h}`]).join(",")}\nextendedKeyUsage=serverAuth\n`);
        await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "s3.key", "-out", "s3.csr", "-subj", `/CN=${hosts[0]}`]);
        await openssl(["x509", "-req", "-in", "s3.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "s3.crt", "-days", "1", "-extfile", "s3.ext"]);
        this.caFile = path.join(dir, "ca.crt");
        return { key: fs.readFileSync(path.join(dir, "s3.key")), cert: fs.readFileSync(path.join(dir, "s3.crt")) };
    }

    async stop(): Promise<void> {
        for (const proxy of this.proxies) await new Promise((resolve) => proxy.close(resolve));
        for (const child of this.children) child.kill("SIGTERM");
    }
}

interface Sandbox {
    hostsFile: string;
    runDir: string;
    /** The object stores' host names, which resolve to the S3 server on loopback. */
    storeHosts: readonly string[];
}

interface Started {
    exitCode: () => number | null;
    output: () => string;
    stop: () => Promise<void>;
}

/**
 * Starts `program` in a mount namespace of its own with /etc/hosts and /run replaced (see the top of
 * this file); its output goes to `logFile`.
 */
function startSandboxed(binary: string, args: readonly string[], env: Record<string, string>, sandbox: Sandbox, logFile: string): Started {
    const script = 'mount --bind "$1" /etc/hosts && mount --bind "$2" /run && shift 2 && exec "$@"';
    const child = spawn("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", sandbox.hostsFile, sandbox.runDir, binary, ...args], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const log = fs.createWriteStream(logFile);
    for (const stream of [child.stdout, child.stderr]) {
        stream.on("data", (chunk: Buffer) => {
            output += chunk.toString();
            log.write(chunk);
        });
    }
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    return {
        exitCode: () => child.exitCode ?? (child.signalCode ? 128 : null),
        output: () => output,
        stop: async () => {
            if (child.exitCode === null && child.signalCode === null) {
                child.kill("SIGTERM");
                const killed = setTimeout(() => child.kill("SIGKILL"), 10_000);
                await exited;
                clearTimeout(killed);
            }
            await new Promise((resolve) => log.end(resolve));
        },
    };
}

/** The last lines of a program's output, for a message. */
function tail(output: string, lines = 6): string {
    return output.trim().split("\n").slice(-lines).join(" | ");
}

/** Checks one stack's containers and sidecar objstore documents; one outcome each. */
export async function checkComponents(
    containers: readonly ContainerRun[],
    sidecarObjstores: readonly ObjstoreDocument[],
    options: RunOptions,
    report: (outcome: CheckOutcome) => void = () => undefined,
): Promise<CheckOutcome[]> {
    const outcomes: CheckOutcome[] = [];
    const add = (outcome: CheckOutcome) => {
        outcomes.push(outcome);
        report(outcome);
    };
    fs.mkdirSync(options.workDir, { recursive: true });
    const stores = new ObjectStores(options.bin, options.workDir);
    const objstoreDocuments = [...sidecarObjstores.map((d) => d.content), ...containers.flatMap((c) => c.mounts.filter((m) => "." in m.files && objstoreEndpoint(m.files["."]) !== undefined).map((m) => m.files["."]))];
    try {
        await stores.start(objstoreDocuments);
        const hostsFile = path.join(options.workDir, "hosts");
        fs.writeFileSync(hostsFile, ["127.0.0.1 localhost", "::1 localhost", ...stores.hosts.map((h) => `127.0.0.1 ${h}`), ""].join("\n"));
        const runDir = path.join(options.workDir, "run");
        const account = path.join(runDir, "secrets", "kubernetes.io", "serviceaccount");
        fs.mkdirSync(account, { recursive: true });
        fs.writeFileSync(path.join(account, "token"), "lgtm-components-test-token");
        fs.writeFileSync(path.join(account, "namespace"), "default");
        fs.writeFileSync(path.join(account, "ca.crt"), stores.caFile ? fs.readFileSync(stores.caFile) : "");
        const sandbox: Sandbox = { hostsFile, runDir, storeHosts: stores.hosts };
        const baseEnv = (dir: string): Record<string, string> => ({
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: dir,
            // Every pod gets the API server's Service in its environment.
            KUBERNETES_SERVICE_HOST: "127.0.0.1",
            KUBERNETES_SERVICE_PORT: "6443",
            ...(stores.caFile ? { SSL_CERT_FILE: stores.caFile } : {}),
        });

        for (const document of sidecarObjstores) {
            const dir = path.join(options.workDir, slug(document.name));
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(path.join(dir, "objstore.yml"), document.content);
            add(await runToCompletion(document, ["tools", "bucket", "ls", `--objstore.config-file=${path.join(dir, "objstore.yml")}`], path.join(options.bin, "thanos"), baseEnv(dir), sandbox, dir));
        }
        for (const container of containers) {
            const dir = path.join(options.workDir, slug(container.name));
            fs.rmSync(dir, { recursive: true, force: true });
            fs.mkdirSync(dir, { recursive: true });
            const args = materialize(container, path.join(dir, "root"));
            const env = { ...baseEnv(dir), ...container.env };
            const binary = path.join(options.bin, container.program);
            const built = fs.readFileSync(path.join(options.bin, `.version-${container.program}`), "utf8").trim();
            const versionNote = container.imageTag === built ? "" : ` (the stack renders ${container.image}; the toolchain built ${built})`;
            const started = await startBriefly(container, args, binary, env, sandbox, dir, options);
            add(versionNote ? { ...started, ok: false, detail: `${started.detail}${versionNote}` } : started);
        }
    } finally {
        await stores.stop();
    }
    return outcomes;
}

/** A command that must exit 0 with no warning about its settings. */
async function runToCompletion(what: { stack: string; name: string }, args: readonly string[], binary: string, env: Record<string, string>, sandbox: Sandbox, dir: string): Promise<CheckOutcome> {
    const started = Date.now();
    const log = path.join(dir, `${slug(what.name)}.log`);
    const run = startSandboxed(binary, args, env, sandbox, log);
    const deadline = Date.now() + 60_000;
    while (run.exitCode() === null && Date.now() < deadline) await sleep(100);
    await run.stop();
    const seconds = (Date.now() - started) / 1000;
    const output = run.output();
    const problems = settingProblems(output);
    const code = run.exitCode();
    if (code !== 0) return { ...what, ok: false, seconds, detail: `exited ${code ?? "(still running after 60 s)"}: ${tail(output)}`, log };
    if (problems.length) return { ...what, ok: false, seconds, detail: problems.join(" | "), log };
    return { ...what, ok: true, seconds, detail: `${path.basename(binary)} ${args.slice(0, 3).join(" ")}: accepted`, log };
}

/** Starts a long-running component, waits for its readiness endpoint, listens a little longer, stops it. */
async function startBriefly(container: ContainerRun, args: readonly string[], binary: string, env: Record<string, string>, sandbox: Sandbox, dir: string, options: RunOptions): Promise<CheckOutcome> {
    const started = Date.now();
    const listen = readinessAddress(args);
    const log = path.join(dir, `${slug(container.name)}.log`);
    const run = startSandboxed(binary, args, env, sandbox, log);
    const what = { stack: container.stack, name: container.name };
    const deadline = Date.now() + (options.readySeconds ?? 60) * 1000;
    let ready = false;
    // A component whose readiness waits on a peer (the query frontend on its querier) is healthy
    // but never ready here: it has started with its configuration, which is what is checked.
    let healthySince: number | undefined;
    while (!ready && run.exitCode() === null && Date.now() < deadline) {
        ready = await httpOk(`${loopbackUrl(listen)}/-/ready`);
        if (ready) break;
        if (healthySince === undefined && (await httpOk(`${loopbackUrl(listen)}/-/healthy`))) healthySince = Date.now();
        if (healthySince !== undefined && Date.now() - healthySince > peerWaitSeconds * 1000) break;
        await sleep(250);
    }
    const readyAfter = (Date.now() - started) / 1000;
    // Readiness that waits on the bucket is not excused: reaching it is part of what is checked.
    const usesStore = container.mounts.some((m) => "." in m.files && objstoreEndpoint(m.files["."]) !== undefined);
    const healthyOnly = !ready && healthySince !== undefined && !usesStore;
    if (ready || healthyOnly) await sleep((options.settleSeconds ?? 2) * 1000);
    const exitedEarly = run.exitCode();
    await run.stop();
    const seconds = (Date.now() - started) / 1000;
    const output = run.output();
    // The object store does run here: a warning or error naming it is a configuration problem too.
    const storeProblems = output.split("\n").filter((line) => warnOrWorse.test(line) && sandbox.storeHosts.some((host) => line.includes(host)));
    const problems = [...settingProblems(output), ...storeProblems.filter((line) => !settingProblem.test(line))];
    if (exitedEarly !== null) return { ...what, ok: false, seconds, detail: `exited ${exitedEarly} before it was ready: ${tail(output)}`, log };
    if (!ready && !healthyOnly) return { ...what, ok: false, seconds, detail: `neither ready nor healthy on ${loopbackUrl(listen)} after ${options.readySeconds ?? 60} s: ${tail(output)}`, log };
    if (problems.length) return { ...what, ok: false, seconds, detail: problems.join(" | "), log };
    const others = output.split("\n").filter((line) => warnOrWorse.test(line)).length;
    const note = others ? `; ${others} other warning or error lines (unreachable peers, no API server: see the log)` : "";
    if (healthyOnly) {
        const reason =
            output
                .split("\n")
                .find((line) => /status=not-ready/.test(line) && !/reason=null/.test(line))
                ?.match(/reason="?(.*?)"?$/)?.[1] ?? "no reason logged";
        return { ...what, ok: true, seconds, detail: `healthy; not ready, waiting on a peer that does not run here (${reason})${note}`, log };
    }
    return { ...what, ok: true, seconds, detail: `ready after ${readyAfter.toFixed(1)} s${note}`, log };
}

/** The HTTP address whose /-/ready and /-/healthy Thanos serves (its --http-address; unset, Thanos' default port, which the chart keeps). */
function readinessAddress(args: readonly string[]): string {
    return flagValue(args, "http-address") ?? `0.0.0.0:${thanosHttpPort}`;
}
