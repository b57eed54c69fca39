import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig, RawConfig } from "../../stacks/config";
import type { PlatformOutputs } from "../../stacks/platform";
import type { PlatformConfig } from "../../stacks/schema";

/** One resource the program registered, as the engine would receive it. */
export interface RegisteredResource {
    readonly type: string;
    readonly name: string;
    /** Inputs as sent to the engine: secret values are still wrapped (see `isRpcSecret`). */
    readonly rawInputs: Record<string, unknown>;
    /** Inputs with every secret unwrapped to its plain value. */
    readonly inputs: Record<string, any>;
    /** Whether any input of the resource is secret. */
    readonly hasSecretInputs: boolean;
}

export interface Evaluation {
    /** The validated config the program ran with. */
    readonly config: PlatformConfig;
    readonly outputs: PlatformOutputs;
    readonly resources: RegisteredResource[];
    /** Values the mocks generated for random passwords and strings, i.e. every credential. */
    readonly generatedSecrets: string[];
}

/** Deterministic stand-ins for generated credentials, recognisable in assertions. */
export const mockedCredential = (resourceName: string) => `generated-${resourceName}`;

function unwrap(value: unknown): { plain: unknown; secret: boolean } {
    let secret = false;
    const plain = JSON.parse(JSON.stringify(value ?? null), (_k, v) => {
        if (pulumi.runtime.isRpcSecret(v)) {
            secret = true;
            return pulumi.runtime.unwrapRpcSecret(v);
        }
        return v;
    });
    return { plain, secret };
}

let registered: RegisteredResource[] = [];
let generated: string[] = [];

const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const { plain, secret } = unwrap(args.inputs);
        registered.push({ type: args.type, name: args.name, rawInputs: args.inputs, inputs: plain as Record<string, any>, hasSecretInputs: secret });
        const state: Record<string, unknown> = { ...args.inputs };
        switch (args.type) {
            case "random:index/randomPassword:RandomPassword":
            case "random:index/randomString:RandomString": {
                const value = mockedCredential(args.name);
                generated.push(value);
                // The mock monitor ignores additionalSecretOutputs; mark the result secret as the engine would.
                state.result = args.type.endsWith("RandomPassword") ? pulumi.secret(value) : value;
                break;
            }
            case "kubernetes:helm.sh/v3:Release":
                // Status is computed by the provider; the engine would report the installed name and namespace.
                state.status = { name: args.inputs.name, namespace: args.inputs.namespace, chart: args.inputs.chart, version: args.inputs.version, status: "deployed" };
                break;
        }
        return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
};

/**
 * Evaluates the whole platform for a stack's raw config under Pulumi mocks: no cluster, no CLI.
 * Resolves once every resource is registered.
 */
export async function evaluatePlatform(raw: RawConfig, stack = "dev"): Promise<Evaluation> {
    await pulumi.runtime.setMocks(mocks, "lgtm", stack, false);
    registered = [];
    generated = [];
    const config = parsePlatformConfig(raw);
    // Imported after the mocks so that no resource is constructed against a real engine.
    const { deployPlatform } = await import("../../stacks/platform");
    const outputs = deployPlatform(config);
    await settle(outputs);
    return { config, outputs, resources: registered, generatedSecrets: [...generated] };
}

/** Waits until every exported output has resolved, which implies every resource behind them is registered. */
async function settle(outputs: PlatformOutputs): Promise<void> {
    const { components, ...exported } = outputs;
    const waits: pulumi.Output<unknown>[] = [...Object.values(exported), ...Object.values(components).map((c) => c.urn)];
    await new Promise<void>((resolve) => pulumi.all(waits).apply(() => resolve()));
    // Registrations triggered by the last resolutions land on the next ticks.
    await new Promise((r) => setTimeout(r, 50));
}

/** Resolves an output's value (tests and the render collector read outputs this way). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}
