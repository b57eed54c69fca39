/**
 * `npm run grafana -- <stack>`, decided by pure functions: from the stack's outputs, where to open
 * Grafana and with which login; without an ingress, which `kubectl port-forward` reaches its Service.
 */
import { clusterDnsName } from "../../components/release";
import { undecryptedSecret } from "../render/stackConfig";

/** The Grafana stack outputs (`pulumi stack output --json --show-secrets`). */
export interface GrafanaService {
    readonly name: string;
    readonly namespace: string;
    readonly port: number;
}

export type PortForwardMode = "auto" | "always" | "never";

export interface GrafanaAccess {
    /** What to open in a browser: the ingress URL, or localhost when port-forwarding. */
    readonly url: string;
    /** The `grafanaUrl` output (in-cluster URL when there is no ingress). */
    readonly stackUrl: string;
    readonly user: string;
    readonly password: string;
    /** Set when the command port-forwards to Grafana's Service. */
    readonly portForward?: { readonly service: GrafanaService; readonly localPort: number };
}

/** Where kubectl connects: the stack's `lgtm:kubeContext` and `lgtm:kubeconfig` (a path or the file's contents). */
export interface KubeTarget {
    readonly context?: string;
    readonly kubeconfigPath?: string;
    readonly kubeconfigContents?: string;
}

function isService(value: unknown): value is GrafanaService {
    const v = value as GrafanaService;
    return !!v && typeof v.name === "string" && typeof v.namespace === "string" && typeof v.port === "number";
}

/**
 * How to reach Grafana from the stack outputs. Port-forwards (mode `auto`) when `grafanaUrl` is the
 * Service's in-cluster address, i.e. when the stack has no ingress.
 */
export function planGrafanaAccess(stack: string, outputs: Record<string, unknown>, mode: PortForwardMode, localPort: number): GrafanaAccess {
    const missing = ["grafanaUrl", "grafanaAdminUser", "grafanaAdminPassword"].filter((k) => typeof outputs[k] !== "string" || outputs[k] === "");
    if (missing.length) throw new Error(`stack ${stack} has no ${missing.join(", ")} output; deploy it first: npm run up -- ${stack}`);
    const stackUrl = outputs.grafanaUrl as string;
    const password = outputs.grafanaAdminPassword as string;
    if (password === "[secret]") throw new Error("grafanaAdminPassword came back masked; the outputs must be read with --show-secrets");
    const service = isService(outputs.grafanaService) ? outputs.grafanaService : undefined;
    const inCluster = new URL(stackUrl).hostname.endsWith(".svc.cluster.local");
    const forward = mode === "always" || (mode === "auto" && inCluster);
    if (forward && !service) {
        throw new Error(`stack ${stack} has no grafanaService output to port-forward to (deployed before it existed); run npm run up -- ${stack} to record it`);
    }
    if (forward && inCluster && new URL(stackUrl).hostname !== clusterDnsName(service!)) {
        throw new Error(`grafanaUrl ${stackUrl} is not the grafanaService output ${clusterDnsName(service!)}; the stack outputs disagree, run npm run up -- ${stack}`);
    }
    const base = { stackUrl, user: outputs.grafanaAdminUser as string, password };
    if (!forward) return { ...base, url: stackUrl };
    return { ...base, url: `http://localhost:${localPort}/`, portForward: { service: service!, localPort } };
}

/**
 * The kubectl target from the stack config; a `secure:` kubeconfig cannot be read without the
 * passphrase. `lgtm:kubeconfig` takes a path or the file's contents: a value naming an existing file
 * is a path, anything else is contents.
 */
export function kubeTarget(stack: string, config: { kubeconfig?: string; kubeContext?: string }, fileExists: (path: string) => boolean): KubeTarget {
    const context = config.kubeContext || undefined;
    const kubeconfig = config.kubeconfig || undefined;
    if (kubeconfig === undecryptedSecret("lgtm:kubeconfig")) {
        throw new Error(`lgtm:kubeconfig of stack ${stack} is a secret; port-forward with your own kubeconfig (the command is printed above)`);
    }
    if (!kubeconfig) return { context };
    return fileExists(kubeconfig) ? { context, kubeconfigPath: kubeconfig } : { context, kubeconfigContents: kubeconfig };
}

/** `kubectl` arguments that forward `localhost:<localPort>` to Grafana's Service. */
export function portForwardArgs(access: Required<Pick<GrafanaAccess, "portForward">>, kube: { context?: string; kubeconfigPath?: string }): string[] {
    const { service, localPort } = access.portForward;
    return [
        ...(kube.kubeconfigPath ? ["--kubeconfig", kube.kubeconfigPath] : []),
        ...(kube.context ? ["--context", kube.context] : []),
        "--namespace",
        service.namespace,
        "port-forward",
        `service/${service.name}`,
        `${localPort}:${service.port}`,
    ];
}

/** What the command prints before it port-forwards (or instead of it). */
export function describeAccess(stack: string, access: GrafanaAccess): string[] {
    const via = access.portForward ? `   (port-forward to service/${access.portForward.service.name} in ${access.portForward.service.namespace}; stack URL ${access.stackUrl})` : "";
    return [`Grafana of stack ${stack}`, `  URL:      ${access.url}${via}`, `  user:     ${access.user}`, `  password: ${access.password}`];
}
