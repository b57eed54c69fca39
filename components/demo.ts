import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterDnsName } from "./release";
import { ComputeResources } from "./resources";

/**
 * Pinned images. flog writes fake access logs; HotROD (Jaeger's "Rides on Demand") is a set of
 * traced services in one binary; since 1.49 it exports OTLP/HTTP by default (`--otel-exporter`
 * defaults to `otlp`; the Jaeger exporter was removed) to the base URL in
 * `OTEL_EXPORTER_OTLP_ENDPOINT`. 1.76.0 is the last 1.x release. curl drives HotROD.
 */
export const demoImages = {
    logGenerator: "docker.io/mingrammer/flog:0.4.3",
    hotrod: "docker.io/jaegertracing/example-hotrod:1.76.0",
    loadGenerator: "docker.io/curlimages/curl:8.11.1",
} as const;

/** Object names; the Service name is also how the load generator reaches HotROD. */
export const demoNames = { logGenerator: "flog", hotrod: "hotrod", loadGenerator: "hotrod-load" } as const;

/** HotROD's frontend port (its `--frontend-service-port` default): the UI and `/dispatch`. */
export const hotrodPort = 8080;

/** Customers HotROD's simulated database knows; any other ID makes `/dispatch` fail. */
export const hotrodCustomers = ["123", "392", "567", "731"] as const;

/** Pause between two dispatches of the load generator: each one is a trace of dozens of spans. */
export const loadIntervalSeconds = 5;

/** How long the load generator waits for one dispatch (HotROD takes a second or two). */
const requestTimeoutSeconds = 10;

/** Resources of each demo container. */
export interface DemoSizing {
    readonly logGenerator: ComputeResources;
    readonly hotrod: ComputeResources;
    readonly loadGenerator: ComputeResources;
}

/** A whole manifest as the builders return it: plain metadata, and a spec checked against the Kubernetes types. */
export interface Manifest<Spec> {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
    readonly spec: Spec;
}
type Deployment = Manifest<k8s.types.input.apps.v1.DeploymentSpec>;
type Service = Manifest<k8s.types.input.core.v1.ServiceSpec>;

const labelsOf = (name: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "lgtm-demo" });

/**
 * The demo images are static binaries on `scratch` (flog, HotROD) or declare a non-numeric user
 * (curl), so the kubelet cannot tell from the image that they run unprivileged: an explicit
 * numeric user (nobody) makes `runAsNonRoot` enforceable.
 */
const podSecurity = { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } };
const containerSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

function deployment(name: string, namespace: string, container: k8s.types.input.core.v1.Container, pod: Partial<k8s.types.input.core.v1.PodSpec> = {}): Deployment {
    const labels = labelsOf(name);
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": name } },
            template: {
                metadata: { labels },
                spec: {
                    // None of them talks to the Kubernetes API.
                    automountServiceAccountToken: false,
                    securityContext: podSecurity,
                    ...pod,
                    containers: [{ ...container, securityContext: containerSecurity }],
                },
            },
        },
    };
}

function checkHttpUrl(what: string, url: string): void {
    if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url)) throw new Error(`${what} must be an http(s) URL, got "${url}"`);
}

/** flog: one JSON access-log line a second, forever, on stdout (which Alloy ships to Loki). */
export function buildLogGenerator(namespace: string, resources: ComputeResources): Deployment {
    return deployment(demoNames.logGenerator, namespace, {
        name: "flog",
        image: demoImages.logGenerator,
        args: ["--format=json", "--loop", "--delay=1s"],
        resources,
    });
}

/**
 * HotROD, all services in one pod, exporting traces over OTLP/HTTP to `otlpHttpEndpoint` (the
 * agent). The pod's namespace and name become resource attributes (the SDK merges
 * `OTEL_RESOURCE_ATTRIBUTES` into HotROD's own), so a span's "logs for this span" link in Grafana
 * selects this pod's stream in Loki. HotROD writes the trace ID into its log lines itself.
 */
export function buildHotrod(namespace: string, otlpHttpEndpoint: string, resources: ComputeResources): Deployment {
    checkHttpUrl("HotROD's OTLP endpoint", otlpHttpEndpoint);
    return deployment(demoNames.hotrod, namespace, {
        name: "hotrod",
        image: demoImages.hotrod,
        args: ["all"],
        env: [
            { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: otlpHttpEndpoint },
            { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "OTEL_RESOURCE_ATTRIBUTES", value: "k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)" },
        ],
        ports: [{ name: "http", containerPort: hotrodPort, protocol: "TCP" }],
        readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 10 },
        resources,
    });
}

/** The Service in front of HotROD's frontend (for the load generator, and for a port-forward to its UI). */
export function buildHotrodService(namespace: string): Service {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: demoNames.hotrod, namespace, labels: labelsOf(demoNames.hotrod) },
        spec: {
            selector: { "app.kubernetes.io/name": demoNames.hotrod },
            ports: [{ name: "http", port: hotrodPort, targetPort: "http", protocol: "TCP" }],
        },
    };
}

/**
 * A curl loop that orders a ride for each known customer in turn, so traces arrive without anyone
 * clicking. The URL is passed as an environment variable, not spliced into the script.
 */
export function buildLoadGenerator(namespace: string, hotrodUrl: string, resources: ComputeResources): Deployment {
    checkHttpUrl("HotROD's URL", hotrodUrl);
    const script = [
        // sh as PID 1 ignores SIGTERM unless it traps it; the trap runs once the current curl or sleep ends.
        "trap 'exit 0' TERM INT",
        "while true; do",
        `  for customer in ${hotrodCustomers.join(" ")}; do`,
        `    curl -sS -o /dev/null --max-time ${requestTimeoutSeconds} "$HOTROD_URL/dispatch?customer=$customer"`,
        `    sleep ${loadIntervalSeconds}`,
        "  done",
        "done",
    ].join("\n");
    return deployment(
        demoNames.loadGenerator,
        namespace,
        {
            name: "curl",
            image: demoImages.loadGenerator,
            command: ["/bin/sh", "-c", script],
            env: [{ name: "HOTROD_URL", value: hotrodUrl }],
            resources,
        },
        { terminationGracePeriodSeconds: Math.max(requestTimeoutSeconds, loadIntervalSeconds) + 5 },
    );
}

export interface DemoArgs {
    /** Namespace of the demo workloads; it must exist (the stack creates namespaces). */
    readonly namespace: pulumi.Input<string>;
    /** OTLP/HTTP base URL HotROD exports traces to: the Alloy agent's `otlpHttpEndpoint` output. */
    readonly otlpHttpEndpoint: pulumi.Input<string>;
    /** Resources of each demo container (the dev profile's). */
    readonly sizing: DemoSizing;
}

/**
 * Sample workloads for a first look at the platform: flog's logs, HotROD's traces (and the
 * service graph and span metrics Tempo derives from them), HotROD's logs carrying trace IDs, and a
 * load generator keeping traces coming. Plain objects: nothing here needs Helm.
 */
export class Demo extends pulumi.ComponentResource {
    public readonly logGenerator: k8s.apps.v1.Deployment;
    public readonly hotrod: k8s.apps.v1.Deployment;
    public readonly hotrodService: k8s.core.v1.Service;
    public readonly loadGenerator: k8s.apps.v1.Deployment;
    /** HotROD's frontend inside the cluster (its UI: `kubectl port-forward` to the Service). */
    public readonly hotrodUrl: pulumi.Output<string>;

    constructor(name: string, args: DemoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:demo:Demo", name, {}, opts);
        const namespace = pulumi.output(args.namespace);
        // The builders return whole manifests; the typed resources take their metadata and spec.
        const deploymentArgs = (m: pulumi.Output<Deployment>): k8s.apps.v1.DeploymentArgs => ({ metadata: m.apply((d) => d.metadata), spec: m.apply((d) => d.spec) });

        this.logGenerator = new k8s.apps.v1.Deployment(`${name}-${demoNames.logGenerator}`, deploymentArgs(namespace.apply((ns) => buildLogGenerator(ns, args.sizing.logGenerator))), { parent: this });
        this.hotrod = new k8s.apps.v1.Deployment(`${name}-${demoNames.hotrod}`, deploymentArgs(pulumi.all([namespace, args.otlpHttpEndpoint]).apply(([ns, endpoint]) => buildHotrod(ns, endpoint, args.sizing.hotrod))), {
            parent: this,
        });
        const service = namespace.apply(buildHotrodService);
        this.hotrodService = new k8s.core.v1.Service(`${name}-${demoNames.hotrod}`, { metadata: service.apply((m) => m.metadata), spec: service.apply((m) => m.spec) }, { parent: this });

        // From the Service's own name and namespace, so the load generator follows wherever it lands.
        this.hotrodUrl = pulumi
            .all([this.hotrodService.metadata.name, this.hotrodService.metadata.namespace])
            .apply(([serviceName, serviceNamespace]) => `http://${clusterDnsName({ name: serviceName, namespace: serviceNamespace })}:${hotrodPort}`);
        this.loadGenerator = new k8s.apps.v1.Deployment(
            `${name}-${demoNames.loadGenerator}`,
            deploymentArgs(pulumi.all([namespace, this.hotrodUrl]).apply(([ns, url]) => buildLoadGenerator(ns, url, args.sizing.loadGenerator))),
            { parent: this },
        );
        this.registerOutputs({ hotrodUrl: this.hotrodUrl });
    }
}
