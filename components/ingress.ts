/** A cert-manager issuer, named on the Ingress so that cert-manager's ingress-shim requests the certificate. */
export interface CertManagerIssuer {
    /** `ClusterIssuer` (cluster-wide) or `Issuer` (in the Ingress's namespace). */
    readonly kind: "ClusterIssuer" | "Issuer";
    readonly name: string;
}

/** Where the ingress's TLS certificate comes from. */
export type IngressTls =
    /** A TLS Secret that exists in the Ingress's namespace; whoever created it renews it. */
    | { readonly existingSecret: string }
    /** cert-manager issues and renews the certificate into `secretName` (default `<release>-tls`). */
    | { readonly issuer: CertManagerIssuer; readonly secretName?: string };

/** An Ingress in front of a Service: its public host, class and TLS (Grafana's, the fleet's ingest gateway). */
export interface IngressExposure {
    /** Public host name, e.g. `grafana.example.com`. */
    readonly host: string;
    /** IngressClass to use; undefined uses the cluster default. */
    readonly className?: string;
    /** TLS for `host`; undefined serves plain HTTP. */
    readonly tls?: IngressTls;
}

/** The Secret the ingress serves its certificate from: the existing one, or the one cert-manager writes. */
export function tlsSecretName(tls: IngressTls, releaseName: string): string {
    return "existingSecret" in tls ? tls.existingSecret : (tls.secretName ?? `${releaseName}-tls`);
}

/** Annotations that have cert-manager issue the ingress's certificate; none for an existing Secret. */
export function certManagerAnnotations(tls: IngressTls | undefined): Record<string, string> {
    if (tls === undefined || !("issuer" in tls)) return {};
    return { [tls.issuer.kind === "ClusterIssuer" ? "cert-manager.io/cluster-issuer" : "cert-manager.io/issuer"]: tls.issuer.name };
}
