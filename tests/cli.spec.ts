import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseCommandLine, portArgument, stackArgument, UsageError } from "../tools/cli";
import { exampleServerMember } from "./support/fleet";

const projectDir = path.resolve(__dirname, "..");
const tsNode = path.join(projectDir, "node_modules", ".bin", "ts-node");

describe("commands: arguments, --help and exit codes", () => {
    it("parses options strictly and takes the stack as the one positional", () => {
        const { values, positionals } = parseCommandLine(["dev", "--out", "x", "--set", "a=1", "--set", "b=2"], { out: { type: "string" }, set: { type: "string", multiple: true } }, "usage: …");
        assert.deepEqual({ ...values }, { out: "x", set: ["a=1", "b=2"] });
        assert.equal(stackArgument(positionals, "usage: …"), "dev");
        assert.throws(
            () => parseCommandLine(["dev", "--nope"], {}, "usage: …"),
            (e: Error) => e instanceof UsageError && /Unknown option '--nope'[^]*\nusage: …$/.test(e.message),
        );
        assert.throws(() => stackArgument([], "usage: …"), /which stack\?\nusage: …/);
        assert.throws(() => stackArgument(["dev", "prod"], "usage: …"), /one stack, not dev prod/);
        assert.equal(portArgument(undefined, 3000, ""), 3000);
        assert.equal(portArgument("3300", 3000, ""), 3300);
        for (const bad of ["0", "65536", "3e3", "-1"]) assert.throws(() => portArgument(bad, 3000, ""), UsageError, bad);
    });

    it("the stack commands answer --help on stdout with 0, and a usage error with 2", () => {
        const help = spawnSync("bash", ["scripts/stack.sh", "up", "--help"], { cwd: projectDir, encoding: "utf8" });
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /^usage: npm run preview\|up\|destroy\|refresh\|outputs -- <stack>/);
        const wrong = spawnSync("bash", ["scripts/stack.sh", "up", "--stack"], { cwd: projectDir, encoding: "utf8" });
        assert.equal(wrong.status, 2);
        assert.match(wrong.stderr, /^usage:/);
    });

    it("verify answers --help on stdout with 0, an unknown option and an invalid config with 2", function () {
        this.timeout(120_000);
        const verify = (...args: string[]) => spawnSync(tsNode, ["--swc", "tools/render/cli.ts", "verify", ...args], { cwd: projectDir, encoding: "utf8" });
        const help = verify("--help");
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /^usage: npm run render -- <stack>[^]*Exit: 0 passed, 1 a check failed/);
        const unknown = verify("dev", "--nope");
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /^verify: Unknown option '--nope'/);
        const invalid = verify("dev", "--set", "profile=staging");
        assert.equal(invalid.status, 2);
        assert.match(invalid.stderr, /^verify dev: evaluating the program\nverify: Invalid stack configuration[^]*lgtm:profile = "staging": expected one of dev, prod/);
        const both = verify("edge", "--central-outputs", "central.json", "--central-stack", "prod");
        assert.equal(both.status, 2);
        assert.match(both.stderr, /^verify: --central-outputs FILE or --central-stack STACK, not both\nusage:/);
    });

    it("verify --central-stack reads the central's outputs through scripts/stack.sh and hands its fleet to the edge's StackReference", function () {
        this.timeout(120_000);
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-central-"));
        try {
            // A central whose fleet lists only a server: the edge's evaluation fails naming the central's members, before any chart is rendered.
            const outputs = { fleet: { ingestHost: "ingest.example.com", edges: { [exampleServerMember.name]: exampleServerMember } } };
            fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\ncase "$*" in *"stack output"*) echo '${JSON.stringify(outputs)}' ;; esac\n`, { mode: 0o755 });
            const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: `file://${bin}`, PULUMI_CONFIG_PASSPHRASE: "test-passphrase" };
            const run = spawnSync(tsNode, ["--swc", "tools/render/cli.ts", "verify", "edge", "--central-stack", "prod"], { cwd: projectDir, encoding: "utf8", env });
            assert.equal(run.status, 2, run.stderr);
            assert.match(run.stderr, /no fleet member "edge-a" in the central stack organization\/lgtm\/prod \(lgtm:fleet\.edges\); its members: web-eu \(server\)/);
            assert.doesNotMatch(run.stderr + run.stdout, new RegExp(exampleServerMember.password));
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });
});
