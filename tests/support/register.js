// Loads TypeScript for mocha and `node -r`: ts-node without type checking (tsc --noEmit does that in
// npm test), transpiled by SWC, which starts several times faster than TypeScript's own transpiler.
require("ts-node").register({ swc: true });

// Pulumi records a stack trace for every promise and resource it creates (runtime/debuggable.js, a
// resource's source position), and mapping each of those through source maps took a third of an
// evaluation under mocks. Pulumi reads them only to report a leaked promise or a resource's source
// position, so traces taken inside Pulumi keep the transpiled positions; every other stack (a
// failing test's, a program's error) is mapped to the TypeScript source as before.
const mapToSource = Error.prepareStackTrace;
Error.prepareStackTrace = (error, callSites) =>
    callSites[0]?.getFileName()?.includes("/node_modules/@pulumi/pulumi/") ? `${error}\n${callSites.map((site) => `    at ${site}`).join("\n")}` : mapToSource(error, callSites);
