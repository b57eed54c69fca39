import * as pulumi from "@pulumi/pulumi";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { parsePlatformConfig, PlatformSecrets, platformSecrets, RawConfig } from "../../stacks/config";
import type { EdgeOutputs } from "../../stacks/edge";
import type { PlatformOutputs } from "../../stacks/platform";
import { centralFleetOutput, FleetAccess } from "../../components/fleetAccess";
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
    /** Resources it explicitly depends on (`dependsOn`), as `<type>::<name>`. */
    readonly dependsOn: readonly string[];
    /** Whether it was created with `protect` (children also inherit it from a protected parent). */
    readonly protect: boolean;
    /** Whether it was created with `retainOnDelete` (left in the cluster when the stack deletes it). */
    readonly retainOnDelete: boolean;
}

export interface Evaluation<Outputs = PlatformOutputs> {
    /** The validated config the program ran with. */
    readonly config: PlatformConfig;
    readonly outputs: Outputs;
    readonly resources: RegisteredResource[];
    /** Values the mocks generated for random passwords and strings, i.e. every generated credential. */
    readonly generatedSecrets: string[];
    /** Values of the secret config keys the program read (credentials of an external object store). */
    readonly configSecrets: string[];
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
/** What a StackReference of the evaluated program reads: the outputs of the stack it names (an edge's central stack). */
let referencedStackOutputs: Record<string, unknown> = {};
let generated: string[] = [];
/** `dependsOn` of each resource (`<type>::<name>`), captured when it is constructed. */
let dependencies = new Map<string, string[]>();
/** Resources (`<type>::<name>`) constructed with `protect: true`. */
let protectedResources = new Set<string>();
/** Resources (`<type>::<name>`) constructed with `retainOnDelete: true`. */
let retainedResources = new Set<string>();

const resourceKey = (type: string, name: string) => `${type}::${name}`;

/** Records every resource's explicit dependencies and protection; the engine's mock interface passes neither. */
function captureDependencies(): void {
    const keys = new Map<pulumi.Resource, string>();
    const protectedObjects = new Set<pulumi.Resource>();
    pulumi.runtime.registerStackTransformation((args) => {
        keys.set(args.resource, resourceKey(args.type, args.name));
        // The engine fills in a parent's protection after transformations run; do the same here.
        const isProtected = args.opts.protect ?? (args.opts.parent !== undefined && protectedObjects.has(args.opts.parent));
        if (isProtected) {
            protectedObjects.add(args.resource);
            protectedResources.add(resourceKey(args.type, args.name));
        }
        if (args.opts.retainOnDelete) retainedResources.add(resourceKey(args.type, args.name));
        const deps = args.opts.dependsOn === undefined ? [] : Array.isArray(args.opts.dependsOn) ? args.opts.dependsOn : [args.opts.dependsOn];
        dependencies.set(
            resourceKey(args.type, args.name),
            (deps as pulumi.Resource[]).map((d) => keys.get(d) ?? "(unknown)"),
        );
        return undefined;
    });
}

const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const { plain, secret } = unwrap(args.inputs);
        registered.push({
            type: args.type,
            name: args.name,
            rawInputs: args.inputs,
            inputs: plain as Record<string, any>,
            hasSecretInputs: secret,
            dependsOn: dependencies.get(resourceKey(args.type, args.name)) ?? [],
            protect: protectedResources.has(resourceKey(args.type, args.name)),
            retainOnDelete: retainedResources.has(resourceKey(args.type, args.name)),
        });
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
            case "pulumi:pulumi:StackReference":
                // As the engine reads a stack: every output, the secret ones listed (the fleet's logins are).
                state.outputs = referencedStackOutputs;
                state.secretOutputNames = Object.keys(referencedStackOutputs);
                break;
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
    return evaluateProgram(raw, stack, {}, async () => (await import("../../stacks/platform")).deployPlatform);
}

/**
 * Evaluates an edge stack (role edge) under Pulumi mocks, its StackReference reading `fleet` as the
 * central stack's `fleet` output (`npm run outputs -- <central> --json --show-secrets` writes it).
 * Every member's password there counts as a secret value.
 */
export async function evaluateEdge(raw: RawConfig, stack: string, fleet: FleetAccess): Promise<Evaluation<EdgeOutputs>> {
    const evaluation = await evaluateProgram(raw, stack, { [centralFleetOutput]: fleet }, async () => (await import("../../stacks/edge")).deployEdge);
    return { ...evaluation, configSecrets: [...evaluation.configSecrets, ...Object.values(fleet.edges).map((e) => e.password)] };
}

async function evaluateProgram<Outputs extends { readonly components: object }>(
    raw: RawConfig,
    stack: string,
    stackReferenceOutputs: Record<string, unknown>,
    loadProgram: () => Promise<(config: PlatformConfig, secrets: PlatformSecrets) => Outputs>,
): Promise<Evaluation<Outputs>> {
    await pulumi.runtime.setMocks(mocks, "lgtm", stack, false);
    registered = [];
    generated = [];
    dependencies = new Map();
    protectedResources = new Set();
    retainedResources = new Set();
    referencedStackOutputs = stackReferenceOutputs;
    const config = parsePlatformConfig(raw);
    // Secret config comes from the raw map here (parsePlatformConfig has checked it is set), not from Pulumi.
    const configSecrets: string[] = [];
    const secrets = platformSecrets(config, (key) => {
        const value = raw[key];
        if (value === undefined) return undefined;
        configSecrets.push(value);
        return pulumi.secret(value);
    });
    // Imported after the mocks so that no resource is constructed against a real engine.
    const deploy = await loadProgram();
    // An error thrown inside an apply (an edge missing from its central's fleet) fails a registration
    // asynchronously; the engine fails the update with it, and so does this evaluation.
    const failures: unknown[] = [];
    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);
    let outputs: Outputs | undefined;
    try {
        // Inside a stack, so that a stack transformation can see every resource's options.
        await runInPulumiStack(async () => {
            captureDependencies();
            outputs = deploy(config, secrets);
            return {};
        });
        if (outputs === undefined) throw new Error("evaluate: the program returned no outputs");
        await settle(outputs);
    } finally {
        process.off("unhandledRejection", onRejection);
    }
    if (failures.length > 0) throw failures[0] instanceof Error ? failures[0] : new Error(String(failures[0]));
    return { config, outputs, resources: registered, generatedSecrets: [...generated], configSecrets };
}

/**
 * Waits until every exported output has resolved (which implies every resource behind them is
 * registered), and then until registrations stop: resources that no export depends on (the demo's
 * Deployments, for one) are registered once the outputs they are built from resolve.
 */
async function settle(outputs: { readonly components: object }): Promise<void> {
    const { components, ...exported } = outputs;
    const present = Object.values(components).filter((c): c is pulumi.Resource => c instanceof pulumi.Resource);
    const waits: pulumi.Output<unknown>[] = [...Object.values(exported).filter(pulumi.Output.isInstance), ...present.map((c) => c.urn)];
    await new Promise<void>((resolve) => pulumi.all(waits).apply(() => resolve()));
    let seen: number;
    do {
        seen = registered.length;
        await new Promise((r) => setTimeout(r, 50));
    } while (registered.length !== seen);
}

/** Resolves an output's value (tests and the render collector read outputs this way). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}
