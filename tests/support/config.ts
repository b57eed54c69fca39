import { strict as assert } from "assert";
import { ConfigError, parsePlatformConfig, RawConfig } from "../../stacks/config";

/** Asserts that `raw` is refused with a ConfigError whose message holds every fragment. */
export function rejects(raw: RawConfig, ...fragments: string[]): void {
    assert.throws(
        () => parsePlatformConfig(raw),
        (err: unknown) => {
            assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
            for (const f of fragments) assert.ok(err.message.includes(f), `message lacks ${JSON.stringify(f)}:\n${err.message}`);
            return true;
        },
    );
}
