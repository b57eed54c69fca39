// One mocha worker per core, and at least two: each spec file runs in one worker, and the slowest
// files (evaluations under Pulumi mocks, helm renders, the commands run end to end) then overlap.
const os = require("os");

module.exports = {
    require: ["./tests/support/register.js"],
    extension: ["ts"],
    spec: ["tests/**/*.spec.ts"],
    reporter: "tests/support/summary-reporter.js",
    timeout: 20000,
    parallel: true,
    jobs: Math.max(2, os.availableParallelism()),
};
