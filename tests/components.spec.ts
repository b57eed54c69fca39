import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expandVariables, flagValue, objstoreEndpoint } from "../tools/components/extract";
import { materialize, settingProblems, storeHostNames } from "../tools/components/run";
import { projectDir } from "./support/charts";

describe("verify-components: what a container is given", () => {
    it("expands $(VAR) as Kubernetes does: defined names, $$ escapes, unknown names kept", () => {
        assert.equal(expandVariables('--label=rule_replica="$(NAME)"', { NAME: "thanos-rule-0" }), '--label=rule_replica="thanos-rule-0"');
        assert.equal(expandVariables("$$(NAME) $(OTHER)", { NAME: "x" }), "$(NAME) $(OTHER)");
    });

    it("reads the last value of a flag in either form", () => {
        assert.equal(flagValue(["--http-address=0.0.0.0:1", "--http-address", "0.0.0.0:2"], "http-address"), "0.0.0.0:2");
        assert.equal(flagValue(["--grpc-address=x"], "http-address"), undefined);
    });

    it("finds an objstore document's endpoint, TLS and bucket", () => {
        assert.deepEqual(objstoreEndpoint("type: S3\nconfig:\n  bucket: b\n  endpoint: minio.ns.svc:9000\n  insecure: true\n"), { host: "minio.ns.svc", port: 9000, tls: false, bucket: "b" });
        assert.deepEqual(objstoreEndpoint("type: S3\nconfig:\n  bucket: b\n  endpoint: s3.eu-west-1.amazonaws.com\n"), { host: "s3.eu-west-1.amazonaws.com", port: 443, tls: true, bucket: "b" });
        assert.equal(objstoreEndpoint("type: FILESYSTEM\nconfig:\n  directory: /x\n"), undefined);
        assert.deepEqual(storeHostNames("s3.eu-west-1.amazonaws.com"), ["s3.eu-west-1.amazonaws.com", "s3.dualstack.eu-west-1.amazonaws.com"]);
    });

    it("writes mounted files under a root and points the arguments naming them there, whole paths only", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-materialize-"));
        const args = materialize(
            {
                program: "thanos",
                name: "t",
                stack: "dev",
                image: "quay.io/thanos/thanos:v0.42.4",
                imageTag: "v0.42.4",
                args: ["rule", "--objstore.config-file=/etc/thanos/objstore.yaml", "--rule-file=/etc/thanos/rules/*.yaml", "--data-dir=/etc/thanos-other"],
                env: {},
                mounts: [
                    { mountPath: "/etc/thanos/objstore.yaml", files: { ".": "type: S3\n" }, source: "Secret s" },
                    { mountPath: "/etc/thanos/rules", files: { "a.yaml": "groups: []\n" }, source: "ConfigMap c" },
                ],
            },
            root,
        );
        assert.deepEqual(args, ["rule", `--objstore.config-file=${root}/etc/thanos/objstore.yaml`, `--rule-file=${root}/etc/thanos/rules/*.yaml`, "--data-dir=/etc/thanos-other"]);
        assert.equal(fs.readFileSync(path.join(root, "etc/thanos/rules/a.yaml"), "utf8"), "groups: []\n");
    });

    it("fails on warnings and errors about settings, not on other log lines", () => {
        const output = [
            'level=warn msg="flag --foo is deprecated"',
            'level=error err="yaml: unmarshal errors: field bogus not found in type s3.Config"',
            'level=info msg="unknown is fine at info"',
            'level=error msg="lookup thanos-query: no such host"',
        ].join("\n");
        assert.equal(settingProblems(output).length, 2);
    });
});

/** Why the real Thanos cannot be run here, or undefined. */
function componentsUnavailable(): string | undefined {
    if (process.getuid?.() !== 0) return "not root (the check makes a network namespace)";
    for (const tool of ["ip", "unshare"]) if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `no ${tool}`;
    const bin = spawnSync("bash", [path.join(projectDir, "toolchain", "build.sh"), "--print-dir"], { encoding: "utf8" }).stdout.trim();
    for (const program of ["thanos", "gofakes3"]) {
        if (!fs.existsSync(path.join(bin, program))) return `${program} is not built (bash toolchain/build.sh s3-server thanos)`;
    }
    return undefined;
}

describe("verify-components: the real Thanos on the rendered stacks", function () {
    this.timeout(300_000);
    const run = (args: string[]) => spawnSync("bash", [path.join(projectDir, "scripts", "verify-components.sh"), ...args], { encoding: "utf8", cwd: projectDir });
    const skipUnlessRunnable = (context: Mocha.Context) => {
        const why = componentsUnavailable();
        if (!why) return;
        // .ci/run builds the components after npm test and then runs this file on its own (LGTM_COMPONENTS_LATER=1 for npm test).
        if (process.env.CI === "true" && process.env.LGTM_COMPONENTS_LATER !== "1") assert.fail(`the real-component check cannot run under CI: ${why}`);
        console.log(`      skipped: ${why}`);
        context.skip();
    };

    it("every Thanos component of dev and prod starts with what the stack renders, and the sidecar's objstore parses", function () {
        skipUnlessRunnable(this);
        const result = run(["all"]);
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
        assert.match(result.stdout, /^12 passed, 0 failed$/m, result.stdout);
    });

    it("the check can fail: an unknown flag and an unknown objstore key are refused by Thanos itself", function () {
        skipUnlessRunnable(this);
        const result = run(["dev", "--canary"]);
        assert.equal(result.status, 1, `${result.stdout}\n${result.stderr}`);
        assert.match(result.stdout, /^0 passed, 6 failed$/m, result.stdout);
        assert.match(result.stdout, /unknown long flag '--lgtm-canary.no-such-flag'/);
        assert.match(result.stdout, /lgtm_canary_no_such_key/);
    });
});
