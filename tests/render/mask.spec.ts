import { strict as assert } from "assert";
import { masked, maskObjects, maskText } from "../../tools/render/mask";
import { configMap, secret } from "./fixtures";

describe("render: masking", () => {
    const secrets = ["SuperSecretKey123", "admin"];

    it("masks every value of Secret data and stringData, keeping the keys", () => {
        const withData = { ...secret("s", { a: "x" }), data: { b: Buffer.from("y").toString("base64") } };
        const [out] = maskObjects([withData], []);
        assert.deepEqual(out.stringData, { a: masked });
        assert.deepEqual(out.data, { b: masked });
        assert.equal((withData as { stringData?: Record<string, string> }).stringData?.a, "x", "the input is left untouched");
    });

    it("masks known secret values anywhere else, inside text too, but short ones only as whole strings", () => {
        const [out] = maskObjects([configMap("c", { config: "key: SuperSecretKey123\nuser: admin\n", user: "admin", other: "administrator" })], secrets);
        assert.deepEqual(out.data, { config: `key: ${masked}\nuser: admin\n`, user: masked, other: "administrator" });
        assert.equal(maskText("SuperSecretKey123", secrets), masked);
    });
});
