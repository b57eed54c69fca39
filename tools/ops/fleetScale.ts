/** The fleet `npm run fleet-scale` measures a central stack with (tools/ops/fleet-scale-cli.ts); tests evaluate the same. */

/** The central stack's `lgtm:fleet` and `lgtm:loki` with `members` edge clusters (ingress with a TLS Secret, as prod requires). */
export function fleetOverrides(members: number): Record<string, string> {
    const edges = Array.from({ length: members }, (_, i) => ({ name: `edge-${i + 1}` }));
    return {
        loki: JSON.stringify({ multiTenancy: true }),
        fleet: JSON.stringify({ edges, ingress: { host: "ingest.example.com", className: "nginx", tlsSecretName: "ingest-tls" } }),
    };
}
