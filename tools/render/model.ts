/**
 * Shape check of a collected StackModel before anything runs on it: a collector bug (an unresolved
 * Output, a missing namespace) should fail here with a clear message, not as a confusing finding.
 */
import { z } from "zod";
import { StackModel } from "./types";

const name = z.string().min(1);

const stackModelSchema = z.object({
    stack: name,
    profile: name,
    releases: z.array(
        z.object({
            resourceName: name,
            chart: z.object({ name, version: name, repository: name }),
            releaseName: name,
            namespace: name,
            values: z.record(z.string(), z.unknown()),
        }),
    ),
    objects: z.array(z.looseObject({ apiVersion: name, kind: name, metadata: z.looseObject({ name, namespace: z.string().optional() }) })),
    buckets: z.array(name),
    objectStore: z.object({ type: z.enum(["minio", "external"]), endpoint: name, tls: z.boolean(), forcePathStyle: z.boolean(), unsetSecretKeys: z.array(name) }).optional(),
    central: z.object({ lokiPushUrl: name, remoteWriteUrl: name, otlpHttpEndpoint: name }).optional(),
    namespaces: z.record(z.string(), name),
    addresses: z.array(z.object({ value: z.string(), where: z.string() })),
    secretValues: z.array(z.string()),
});

/** Throws a readable error when `model` is not a well-formed StackModel (or two releases share a name and namespace). */
export function assertStackModel(model: unknown): asserts model is StackModel {
    const parsed = stackModelSchema.safeParse(model);
    if (!parsed.success) throw new Error(`invalid stack model:\n${z.prettifyError(parsed.error)}`);
    const seen = new Set<string>();
    for (const release of parsed.data.releases) {
        // Output files are named after the release, and Helm itself refuses a duplicate name per namespace.
        if (seen.has(release.releaseName)) throw new Error(`invalid stack model: release name "${release.releaseName}" is used twice`);
        seen.add(release.releaseName);
    }
}
