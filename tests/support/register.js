// Loads TypeScript for mocha and `node -r`: ts-node without type checking (tsc --noEmit does that in
// npm test), transpiled by SWC, which starts several times faster than TypeScript's own transpiler.
require("ts-node").register({ swc: true });
