import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { FleetAccess } from "../components/fleetAccess";
import { buildServerAgentConfig } from "../components/serverAgent";
import { configDestination, fleetFromOutputs, readFleetFile, writePrivateFile } from "../tools/ops/agentConfig";
import { exampleServerMember } from "./support/fleet";

const projectDir = path.resolve(__dirname, "..");
const tsNode = path.join(projectDir, "node_modules", ".bin", "ts-node");
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-agent-config-test-"));

const fleet: FleetAccess = {
    ingestHost: "ingest.example.com",
    edges: {
        "web-eu": exampleServerMember,
    },
};
const centralOutputs = { grafanaUrl: "https://grafana.example.com", grafanaAdminPassword: "admin-pass", fleet };

function agentConfig(args: string[], env: NodeJS.ProcessEnv = {}) {
    return spawnSync(tsNode, ["--swc", "tools/ops/agent-config-cli.ts", ...args], { cwd: projectDir, encoding: "utf8", env: { ...process.env, ...env } });
}

describe("agent-config: reading the central outputs", () => {
    it("takes all the outputs of the central stack, or its fleet output alone", () => {
        assert.deepEqual(fleetFromOutputs(centralOutputs, "f"), fleet);
        assert.deepEqual(fleetFromOutputs(fleet, "f"), fleet);
    });

    it("says what is wrong: no fleet output, a masked one, one of another shape (never repeating a value)", () => {
        assert.throws(() => fleetFromOutputs({ grafanaUrl: "x" }, "prod.json"), /prod\.json has no fleet output: the outputs of a central stack/);
        assert.throws(() => fleetFromOutputs([], "prod.json"), /no fleet output/);
        assert.throws(() => fleetFromOutputs({ ...centralOutputs, fleet: "[secret]" }, "prod.json"), /fleet output in prod\.json is masked \(\[secret\]\)[^]*--show-secrets/);
        const wrong = { ...fleet, edges: { "web-eu": { ...fleet.edges["web-eu"], kind: "vm", password: 42 } } };
        assert.throws(
            () => fleetFromOutputs({ fleet: wrong }, "prod.json"),
            (e: Error) => /fleet\.edges\.web-eu\.kind: /.test(e.message) && /fleet\.edges\.web-eu\.password: /.test(e.message) && !e.message.includes("42"),
        );
    });

    it("a file that is not JSON (npm's banner in front) names the command that writes it", () => {
        const dir = tempDir();
        try {
            const file = path.join(dir, "prod.json");
            fs.writeFileSync(file, `\n> lgtm-stack@0.1.0 outputs\n> scripts/stack.sh outputs prod --json --show-secrets\n\n${JSON.stringify(centralOutputs)}\n`);
            assert.throws(() => readFleetFile(file), /prod\.json is not JSON; write it with npm run --silent outputs -- <central stack> --json --show-secrets > FILE/);
            assert.throws(() => readFleetFile(path.join(dir, "missing.json")), /cannot read the central outputs .*missing\.json/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("agent-config: where the config (and its password) goes", () => {
    it("to --out, to a pipe or a file, to a terminal only with --stdout", () => {
        assert.deepEqual(configDestination("web-eu", { out: "c.alloy" }, true), { file: "c.alloy" });
        assert.deepEqual(configDestination("web-eu", {}, false), { stdout: true });
        assert.deepEqual(configDestination("web-eu", { stdout: true }, true), { stdout: true });
        const refused = configDestination("web-eu", {}, true);
        assert.ok("refused" in refused && /holds the password of fleet member web-eu: write it with --out FILE or redirect stdout[^]*--stdout/.test(refused.refused));
    });

    it("writes --out readable by its owner only, also over a file that was readable by all", () => {
        const dir = tempDir();
        try {
            const file = path.join(dir, "config.alloy");
            fs.writeFileSync(file, "old, longer than the new text", { mode: 0o644 });
            writePrivateFile(file, "new");
            assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            assert.equal(fs.readFileSync(file, "utf8"), "new");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("agent-config: the command", function () {
    this.timeout(120_000);
    let dir: string;
    let outputsFile: string;
    before(() => {
        dir = tempDir();
        outputsFile = path.join(dir, "prod.json");
        fs.writeFileSync(outputsFile, JSON.stringify(centralOutputs), { mode: 0o600 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("answers --help on stdout with 0, saying the config holds the password", () => {
        const help = agentConfig(["--help"]);
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /^usage: npm run agent-config -- <member> \(--central-outputs FILE \| --stack STACK\) \[--out FILE \| --stdout\]/);
        assert.match(help.stdout, /holds the member's password[^]*mode 0600/);
    });

    it("refuses wrong arguments with 2 and the usage", () => {
        for (const [args, message] of [
            [["--central-outputs", "f"], /^agent-config: which fleet member\?\nusage:/],
            [["web-eu"], /^agent-config: --central-outputs FILE or --stack STACK, one of them\nusage:/],
            [["web-eu", "--stack", "prod", "--out", "x", "--stdout"], /^agent-config: --out FILE or --stdout, not both/],
        ] as const) {
            const result = agentConfig([...args]);
            assert.equal(result.status, 2, args.join(" "));
            assert.match(result.stderr, message, args.join(" "));
            assert.equal(result.stdout, "");
        }
    });

    it("prints the member's config to a pipe, writes it with --out; an unknown member fails with 2 and the known ones", () => {
        const expected = buildServerAgentConfig(fleet.edges["web-eu"]);
        const piped = agentConfig(["web-eu", "--central-outputs", outputsFile]);
        assert.equal(piped.status, 0, piped.stderr);
        assert.equal(piped.stdout, expected);

        const out = path.join(dir, "config.alloy");
        const written = agentConfig(["web-eu", "--central-outputs", outputsFile, "--out", out]);
        assert.equal(written.status, 0, written.stderr);
        assert.equal(written.stdout, "");
        assert.equal(fs.readFileSync(out, "utf8"), expected);
        assert.equal(fs.statSync(out).mode & 0o777, 0o600);
        assert.match(written.stderr, /wrote .*config\.alloy \(mode 0600\)/);
        assert.ok(!written.stderr.includes("s3cret-Pass"));

        const unknown = agentConfig(["web-us", "--central-outputs", outputsFile]);
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /^agent-config: no fleet member "web-us" in .*prod\.json; its members: web-eu \(server\)\n$/);
        assert.equal(unknown.stdout, "");
    });

    it("--stack reads the outputs through scripts/stack.sh with --json --show-secrets", function () {
        if (process.platform === "win32") this.skip();
        const bin = tempDir();
        try {
            const log = path.join(bin, "calls.log");
            fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "pulumi $*" >> ${log}\ncase "$*" in *"stack output"*) echo '${JSON.stringify(centralOutputs)}' ;; esac\n`, { mode: 0o755 });
            const result = agentConfig(["web-eu", "--stack", "dev"], { PATH: `${bin}:${process.env.PATH}`, PULUMI_BACKEND_URL: `file://${bin}`, PULUMI_CONFIG_PASSPHRASE: "" });
            assert.equal(result.status, 0, result.stderr);
            assert.equal(result.stdout, buildServerAgentConfig(fleet.edges["web-eu"]));
            assert.ok(result.stderr.includes("+ bash scripts/stack.sh outputs dev --json --show-secrets"), result.stderr);
            assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["pulumi stack select --create --non-interactive dev", "pulumi stack output --stack dev --json --show-secrets"]);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });
});
