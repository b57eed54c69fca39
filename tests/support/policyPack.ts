/**
 * Runs the policy pack the way the Pulumi CLI does, without the CLI: `run-policy-pack` from the
 * pack's own dependencies compiles policy/index.ts with the pack's tsconfig (type-checked), serves
 * the analyzer over gRPC, and this client speaks the engine's side of that protocol.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";

export const policyDir = path.resolve(__dirname, "..", "..", "policy");

/** Why the pack cannot run here, or undefined when it can. */
export function packUnavailable(): string | undefined {
    if (!fs.existsSync(path.join(policyDir, "node_modules", "@pulumi", "policy"))) {
        return "policy/node_modules is missing (npm ci --prefix policy)";
    }
    return undefined;
}

export interface Diagnostic {
    readonly policy: string;
    readonly message: string;
    readonly enforcementLevel: string;
}

export interface PolicyInfo {
    readonly name: string;
    readonly enforcementLevel: string;
}

/** Sentinels the engine sends for values unknown during preview, as the policy SDK defines them. */
export interface UnknownSentinels {
    readonly string: string;
    readonly object: string;
}

const levels = ["advisory", "mandatory", "disabled", "remediate"];

export class RunningPack {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: any,
        private readonly proto: { analyzer: any; struct: any; empty: any },
        readonly unknown: UnknownSentinels,
    ) {}

    static async start(): Promise<RunningPack> {
        const fromPack = createRequire(path.join(policyDir, "package.json"));
        const fromSdk = createRequire(fromPack.resolve("@pulumi/pulumi/package.json"));
        const grpc = fromSdk("@grpc/grpc-js");
        const services = fromSdk("@pulumi/pulumi/proto/analyzer_grpc_pb");
        const proto = {
            analyzer: fromSdk("@pulumi/pulumi/proto/analyzer_pb"),
            struct: fromSdk("google-protobuf/google/protobuf/struct_pb"),
            empty: fromSdk("google-protobuf/google/protobuf/empty_pb"),
        };
        const sentinels = fromPack("@pulumi/policy/proxy");

        const runner = path.join(path.dirname(fromPack.resolve("@pulumi/pulumi/package.json")), "cmd", "run-policy-pack");
        // The CLI passes the engine's address first; the pack only serves, so any address will do.
        const child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: policyDir, stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            let err = "";
            child.stdout!.on("data", (d) => {
                out += d;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(Number(m[1]));
            });
            child.stderr!.on("data", (d) => (err += d));
            child.on("exit", (code) => reject(new Error(`policy pack exited with ${code}:\n${err}${out}`)));
        });
        const client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new RunningPack(child, client, proto, { string: sentinels.unknownStringValue, object: sentinels.unknownObjectValue });
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }

    private call<T>(method: string, request: unknown): Promise<T> {
        return new Promise((resolve, reject) => this.client[method](request, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
    }

    async info(): Promise<{ name: string; policies: PolicyInfo[] }> {
        const r: any = await this.call("getAnalyzerInfo", new this.proto.empty.Empty());
        return {
            name: r.getName(),
            policies: r.getPoliciesList().map((p: any) => ({
                name: p.getName(),
                enforcementLevel: levels[p.getEnforcementlevel()],
            })),
        };
    }

    /** Analyzes one resource as the engine does before registering it. */
    async analyze(type: string, stack: string, name: string, properties: Record<string, unknown>): Promise<Diagnostic[]> {
        const request = new this.proto.analyzer.AnalyzeRequest();
        request.setType(type);
        request.setName(name);
        request.setUrn(`urn:pulumi:${stack}::lgtm::${type}::${name}`);
        request.setProperties(this.proto.struct.Struct.fromJavaScript(JSON.parse(JSON.stringify(properties))));
        request.setOptions(new this.proto.analyzer.AnalyzerResourceOptions());
        const r: any = await this.call("analyze", request);
        return r.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), message: d.getMessage(), enforcementLevel: levels[d.getEnforcementlevel()] }));
    }
}
