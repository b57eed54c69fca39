// Loads TypeScript for mocha and `node -r`: ts-node without type checking (tsc --noEmit does that in
// npm test), transpiled by SWC, which starts several times faster than TypeScript's own transpiler.
require("ts-node").register({ swc: true });

// Pulumi records a stack trace for every promise and resource it creates (runtime/debuggable.js, a
// resource's source position), and mapping each of those through source maps took 40 % of an
// evaluation under mocks. So a trace whose innermost frame is inside @pulumi/pulumi keeps the
// transpiled positions: Pulumi's own records, and the errors Pulumi raises (a ResourceError's
// stack). Every other stack, a failing assertion's or an error our code throws, is mapped to the
// TypeScript source as before.
const mapToSource = Error.prepareStackTrace;
Error.prepareStackTrace = (error, callSites) =>
    callSites[0]?.getFileName()?.includes("/node_modules/@pulumi/pulumi/") ? `${error}\n${callSites.map((site) => `    at ${site}`).join("\n")}` : mapToSource(error, callSites);
