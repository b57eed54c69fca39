/**
 * The real Pulumi CLI around a throwaway copy of the project: a local file backend with a generated
 * passphrase, plugins installed from the built files (nothing downloaded), and one host process per
 * program run (host.ts).
 */
import { execFile, spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { HostRequest, HostResult, Operation } from "./host";

const execFileAsync = promisify(execFile);

export interface PulumiSetup {
    /** Directory holding bin/pulumi and the provider binaries. */
    readonly toolchainRoot: string;
    /** Scratch directory of this run: Pulumi's home, the state backend, the policy shim. */
    readonly workDir: string;
}

/** The resource plugins the installed SDKs ask for, from their package.json `pulumi` field. */
export function requestedPlugins(modulesDir: string): { name: string; version: string }[] {
    const scope = path.join(modulesDir, "@pulumi");
    return fs
        .readdirSync(scope)
        .map((dir) => JSON.parse(fs.readFileSync(path.join(scope, dir, "package.json"), "utf8")) as { pulumi?: { resource?: boolean; name?: string; version?: string } })
        .filter((pkg) => pkg.pulumi?.resource && pkg.pulumi.name && pkg.pulumi.version)
        .map((pkg) => ({ name: pkg.pulumi!.name!, version: pkg.pulumi!.version! }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

/** Copies the tracked files of `sourceDir` at `commit` (or as checked out) into `dir`, linking node_modules. */
export async function copyProject(sourceDir: string, modulesDir: string, dir: string, commit?: string): Promise<void> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    if (commit) {
        const archive = await execFileAsync("git", ["-C", sourceDir, "archive", "--format=tar", commit], { encoding: "buffer", maxBuffer: 512 * 1024 * 1024 });
        await new Promise<void>((resolve, reject) => {
            const tar = spawn("tar", ["-x", "-C", dir], { stdio: ["pipe", "inherit", "inherit"] });
            tar.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}`))));
            tar.stdin.end(archive.stdout);
        });
    } else {
        const { stdout } = await execFileAsync("git", ["-C", sourceDir, "ls-files", "-z"], { maxBuffer: 64 * 1024 * 1024 });
        for (const file of stdout.split("\0").filter(Boolean)) {
            const from = path.join(sourceDir, file);
            if (!fs.existsSync(from)) continue;
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.copyFileSync(from, path.join(dir, file));
        }
    }
    fs.symlinkSync(modulesDir, path.join(dir, "node_modules"));
    const policyModules = path.join(path.dirname(modulesDir), "policy", "node_modules");
    if (fs.existsSync(path.join(dir, "policy")) && fs.existsSync(policyModules)) fs.symlinkSync(policyModules, path.join(dir, "policy", "node_modules"));
}

export class PulumiCli {
    readonly env: NodeJS.ProcessEnv;
    readonly passphrase = randomBytes(24).toString("hex");
    private runs = 0;

    constructor(
        private readonly setup: PulumiSetup,
        kubeconfig: string,
    ) {
        const home = path.join(setup.workDir, "pulumi-home");
        const state = path.join(setup.workDir, "state");
        const shims = path.join(setup.workDir, "shims");
        fs.mkdirSync(state, { recursive: true });
        fs.mkdirSync(shims, { recursive: true });
        // Policy packs are started through this plugin name when no Node.js language host binary is
        // installed (sdk/go/common/resource/plugin/analyzer_plugin.go); it runs the pack's own
        // @pulumi/pulumi/cmd/run-policy-pack from the pack's directory, as the former shim did.
        fs.writeFileSync(path.join(shims, "pulumi-analyzer-policy-nodejs"), '#!/bin/sh\nexec node "$PWD/node_modules/@pulumi/pulumi/cmd/run-policy-pack" "$@"\n', { mode: 0o755 });
        this.env = {
            ...process.env,
            // Not the toolchain's bin: the engine would take the provider from PATH ("ambient")
            // instead of the plugin installed at the SDK's version.
            PATH: [shims, process.env.PATH].join(path.delimiter),
            PULUMI_HOME: home,
            PULUMI_BACKEND_URL: `file://${state}`,
            PULUMI_CONFIG_PASSPHRASE: this.passphrase,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            KUBECONFIG: kubeconfig,
        };
    }

    /** `pulumi ARGS` in `cwd`; throws with the CLI's message when it fails. */
    async cli(cwd: string, args: readonly string[]): Promise<string> {
        try {
            const { stdout } = await execFileAsync(path.join(this.setup.toolchainRoot, "bin", "pulumi"), [...args, "--non-interactive"], {
                cwd,
                env: this.env,
                maxBuffer: 256 * 1024 * 1024,
            });
            return stdout;
        } catch (error) {
            const { stderr, stdout } = error as { stderr?: string; stdout?: string };
            throw new Error(`pulumi ${args.join(" ")}: ${(stderr || stdout || (error as Error).message).trim()}`, { cause: error });
        }
    }

    /**
     * Installs each plugin the SDKs request from the built binary of that exact name and version;
     * returns those with no such binary (never installed under another version's name).
     */
    async installPlugins(plugins: readonly { name: string; version: string }[]): Promise<{ name: string; version: string; built?: string }[]> {
        const missing: { name: string; version: string; built?: string }[] = [];
        for (const plugin of plugins) {
            const binary = path.join(this.setup.toolchainRoot, "bin", `pulumi-resource-${plugin.name}`);
            const versionFile = path.join(this.setup.toolchainRoot, "bin", `.version-${plugin.name}`);
            const built = fs.existsSync(versionFile) ? fs.readFileSync(versionFile, "utf8").trim() : undefined;
            if (!fs.existsSync(binary) || built !== plugin.version) {
                missing.push({ ...plugin, built });
                continue;
            }
            await this.cli(this.setup.workDir, ["plugin", "install", "resource", plugin.name, plugin.version, "--file", binary]);
        }
        return missing;
    }

    /** Runs one program operation in its own host process; the CLI's output is streamed to `log`. */
    async run(projectDir: string, stack: string, operation: Operation, extra: Partial<HostRequest> = {}, log?: fs.WriteStream): Promise<HostResult> {
        const id = ++this.runs;
        const requestFile = path.join(this.setup.workDir, `host-${id}-request.json`);
        const resultFile = path.join(this.setup.workDir, `host-${id}-result.json`);
        const request: HostRequest = { operation, stack, projectDir, pulumiRoot: this.setup.toolchainRoot, ...extra };
        fs.writeFileSync(requestFile, JSON.stringify(request));
        const host = spawn(process.execPath, ["-r", path.join(__dirname, "..", "..", "tests", "support", "register.js"), path.join(__dirname, "host.ts"), requestFile, resultFile], {
            cwd: projectDir,
            env: this.env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        host.stdout.on("data", (chunk) => log?.write(chunk));
        host.stderr.on("data", (chunk) => log?.write(chunk));
        await new Promise((resolve) => host.on("exit", resolve));
        if (!fs.existsSync(resultFile)) throw new Error(`pulumi ${operation} ${stack}: the host process ended without a result (exit ${host.exitCode})`);
        return JSON.parse(fs.readFileSync(resultFile, "utf8")) as HostResult;
    }
}
