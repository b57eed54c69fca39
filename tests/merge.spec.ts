import { strict as assert } from "assert";
import { deepMerge } from "../stacks/config";

describe("deepMerge", () => {
    const base = { a: { b: 1, c: [1, 2] }, d: "x" };
    it("merges objects key by key; the patch's arrays and scalars replace; undefined keeps the base", () => {
        assert.deepEqual(deepMerge(base, { a: { c: [3] }, d: undefined, e: true }), { a: { b: 1, c: [3] }, d: "x", e: true });
        assert.deepEqual(deepMerge(base, undefined), base);
        assert.deepEqual(deepMerge(base, [1]), [1]);
    });
    it("keeps a null as a value by default (stack config) and removes the key with 'delete' (Helm's values)", () => {
        assert.deepEqual(deepMerge(base, { a: { b: null } }), { a: { b: null, c: [1, 2] }, d: "x" });
        assert.deepEqual(deepMerge(base, { a: { b: null }, d: null }, "delete"), { a: { c: [1, 2] } });
    });
    it("leaves its arguments unchanged", () => {
        const patch = { a: { b: 2 } };
        deepMerge(base, patch, "delete");
        assert.deepEqual(base, { a: { b: 1, c: [1, 2] }, d: "x" });
        assert.deepEqual(patch, { a: { b: 2 } });
    });
});
