import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AlertedComponent } from "./alerting";
import { AlloyBlock, alloyExpression, alloyString, lokiWriteBlock, centralTraceBlocks, prometheusRemoteWriteBlock, renderAlloyBlock, renderAlloyConfig } from "./alloyBlocks";
import { ChartSource, charts } from "./charts";
import { memberCredentialKeys, memberCredentialsSecret, memberCredentialsSecretName, MemberDelivery, MemberLogin } from "./fleetAccess";
import { lokiPushPath } from "./loki";
import { platformRelease, serviceHost, serviceUrl } from "./release";
import { ComputeResources } from "./resources";

/**
 * Ports of the Alloy Service: the chart's HTTP server (UI, `/metrics`, `/-/reload`; its default) and
 * the receivers our config opens for applications, exposed through `alloy.extraPorts`: OTLP, the
 * Loki push API and the Prometheus remote-write receiver. Applications reach only the receivers
 * (docs/security.md): each accepts pushes and serves no query.
 */
export const alloyPorts = { http: 12345, otlpGrpc: 4317, otlpHttp: 4318, lokiPush: 3500, remoteWrite: 9009 } as const;
/** Where applications push: the paths the receivers serve, under their ports. */
export const alloyPushPaths = { lokiPush: lokiPushPath, remoteWrite: "/api/v1/metrics/write" } as const;

/** Labels of the Alloy agent pods. */
export function alloyPodSelectors(releaseName: string) {
    return { agent: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": releaseName } } as const;
}
export type AlloyPodSelectors = ReturnType<typeof alloyPodSelectors>;

/**
 * Where Alloy keeps its state (file positions above all), inside the container. It is a hostPath so
 * that a restarted pod resumes each log file where it stopped instead of re-reading every file on
 * the node into Loki again.
 */
export const alloyStoragePath = "/var/lib/alloy/data";

/** Where the platform's own agent sends: its Loki and Tempo, inside the cluster. */
export interface AlloyPlatformDestination {
    /** Loki push API, `http(s)://…/loki/api/v1/push`. */
    readonly lokiPushUrl: string;
    /** Prometheus' remote-write receiver, where applications' samples go. */
    readonly prometheusRemoteWriteUrl: string;
    /** Tenant sent as `X-Scope-OrgID` when Loki is multi-tenant; undefined when it is not. */
    readonly lokiTenant?: string;
    /** Tempo's OTLP gRPC receiver, `host:port` without a scheme. */
    readonly tempoOtlpGrpcEndpoint: string;
    /** Tenant sent as `X-Scope-OrgID` with every span when Tempo is multi-tenant; undefined when it is not. */
    readonly tracesTenant?: string;
}

/**
 * Where an edge cluster's agent sends: the central platform's ingest gateway, under the member's
 * login. The gateway derives the tenant from the login, so no tenant is sent.
 */
export interface AlloyCentralDestination {
    readonly central: {
        /** The gateway's Loki push URL (from the central stack's `fleet` output). */
        readonly lokiPushUrl: string;
        /** The gateway's OTLP/HTTP base URL. */
        readonly otlpHttpEndpoint: string;
        /** The gateway's remote-write URL, where applications' samples go. */
        readonly remoteWriteUrl: string;
        /** Retries while the central side is out of reach (`memberDelivery`). */
        readonly delivery: MemberDelivery;
    };
}

/** Plain inputs of the Alloy configuration. */
export type AlloyConfigInput = {
    /** `cluster` label on every log line, matching Prometheus' external label. */
    readonly clusterName: string;
    /** Port the OTLP gRPC receiver listens on. */
    readonly otlpGrpcPort: number;
    /** Port the OTLP HTTP receiver listens on. */
    readonly otlpHttpPort: number;
    /** Port the Loki push receiver listens on. */
    readonly lokiPushPort: number;
    /** Port the remote-write receiver listens on. */
    readonly remoteWritePort: number;
} & (AlloyPlatformDestination | AlloyCentralDestination);

/** Environment variables the edge agent reads its login from (`alloy.extraEnv`, from the member's credentials Secret). */
export const centralLoginEnv = { username: "LGTM_CENTRAL_USERNAME", password: "LGTM_CENTRAL_PASSWORD" } as const;

/** The blocks that send logs, applications' pushes and traces: to the platform's Loki, Prometheus and Tempo, or to the central gateway. */
function destinationBlocks(c: AlloyConfigInput): { logs: string; applications: string; traces: string } {
    if ("central" in c) {
        const { lokiPushUrl, otlpHttpEndpoint, remoteWriteUrl, delivery } = c.central;
        // The login stays in its Secret: the config names the environment variables the chart sets from it.
        const fromEnv = (name: string) => alloyExpression(`sys.env(${alloyString(name)})`);
        const basicAuth = { username: fromEnv(centralLoginEnv.username), password: fromEnv(centralLoginEnv.password) };
        const traces = centralTraceBlocks(c.clusterName, otlpHttpEndpoint, basicAuth, delivery.traces);
        return {
            logs: renderAlloyBlock({
                ...lokiWriteBlock({ label: "default", url: lokiPushUrl, basicAuth, externalLabels: { cluster: c.clusterName }, retry: delivery.logs }),
                comments: ["To the central platform's ingest gateway, which takes the tenant from the login."],
            }),
            // The gateway sets the member's tenant whatever an application sends: no tenant stage here.
            applications: renderAlloyConfig(
                applicationBlocks(c, "loki.write.default.receiver", "prometheus.remote_write.central.receiver", [
                    prometheusRemoteWriteBlock({
                        label: "central",
                        url: remoteWriteUrl,
                        basicAuth,
                        externalLabels: { cluster: c.clusterName },
                        maxBackoffSeconds: delivery.metrics.maxBackoffSeconds,
                        wal: delivery.metrics.wal,
                    }),
                ]),
            ),
            traces: `${tracesReceiver(c, "otelcol.processor.transform.cluster.input")}
${renderAlloyConfig(traces)}`,
        };
    }
    if (!/^[^\s/:]+:\d+$/.test(c.tempoOtlpGrpcEndpoint)) {
        throw new Error(`Tempo OTLP gRPC endpoint must be host:port without a scheme, got "${c.tempoOtlpGrpcEndpoint}"`);
    }
    if (c.tracesTenant !== undefined && c.tracesTenant.trim() === "") {
        throw new Error("Tempo tenant must not be empty; leave it undefined when Tempo is single-tenant");
    }
    // A pushed X-Scope-OrgID would pick the tenant (a fleet member's, say): the platform's own replaces it.
    const tenantStage: AlloyBlock[] =
        c.lokiTenant !== undefined
            ? [{ name: "loki.process", label: "applications", attributes: { forward_to: [alloyExpression("loki.write.default.receiver")] }, blocks: [{ name: "stage.tenant", attributes: { value: c.lokiTenant } }] }]
            : [];
    return {
        logs: renderAlloyBlock(lokiWriteBlock({ label: "default", url: c.lokiPushUrl, tenantId: c.lokiTenant, externalLabels: { cluster: c.clusterName } })),
        applications: renderAlloyConfig(
            applicationBlocks(c, c.lokiTenant !== undefined ? "loki.process.applications.receiver" : "loki.write.default.receiver", "prometheus.remote_write.platform.receiver", [
                ...tenantStage,
                prometheusRemoteWriteBlock({ label: "platform", url: c.prometheusRemoteWriteUrl, externalLabels: {} }),
            ]),
        ),
        traces: `${tracesReceiver(c, "otelcol.processor.batch.default.input")}
otelcol.processor.batch "default" {
  output {
    traces = [otelcol.exporter.otlp.tempo.input]
  }
}

// Plain gRPC inside the cluster: Tempo's receiver serves no TLS.
otelcol.exporter.otlp "tempo" {
  client {
    endpoint = ${alloyString(c.tempoOtlpGrpcEndpoint)}${c.tracesTenant !== undefined ? `\n    headers  = {\n      "X-Scope-OrgID" = ${alloyString(c.tracesTenant)},\n    }` : ""}

    tls {
      insecure = true
    }
  }
}
`,
    };
}

/**
 * The receivers applications push logs and samples to, forwarding to `logsTo` and `samplesTo`,
 * followed by `sinks` (the blocks those names refer to).
 */
function applicationBlocks(c: AlloyConfigInput, logsTo: string, samplesTo: string, sinks: AlloyBlock[]): AlloyBlock[] {
    const listen = (port: number): AlloyBlock => ({ name: "http", attributes: { listen_address: "0.0.0.0", listen_port: port } });
    return [
        {
            name: "loki.source.api",
            label: "applications",
            comments: [
                "---- Applications' pushes ------------------------------------------------------------------",
                "Applications push logs and samples here rather than to Loki's gateway or Prometheus, which also",
                "serve queries and admin endpoints: the NetworkPolicies let applications reach only these",
                "receivers (docs/security.md). Each accepts pushes and serves no query.",
            ],
            attributes: {
                forward_to: [alloyExpression(logsTo)],
                // Keep the lines' own timestamps, as Loki's push API would (Alloy's default stamps them on receipt).
                use_incoming_timestamp: true,
            },
            blocks: [listen(c.lokiPushPort)],
        },
        { name: "prometheus.receive_http", label: "applications", attributes: { forward_to: [alloyExpression(samplesTo)] }, blocks: [listen(c.remoteWritePort)] },
        ...sinks,
    ];
}

/** The OTLP receiver applications send to (gRPC and HTTP on every interface of the pod), forwarding to `next`. */
function tracesReceiver(c: AlloyConfigInput, next: string): string {
    return `otelcol.receiver.otlp "default" {
  grpc {
    endpoint = ${alloyString(`0.0.0.0:${c.otlpGrpcPort}`)}
  }

  http {
    endpoint = ${alloyString(`0.0.0.0:${c.otlpHttpPort}`)}
  }

  output {
    traces = [${next}]
  }
}
`;
}

function checkPort(name: string, port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a TCP port, got ${port}`);
}

/**
 * The Alloy configuration (Alloy syntax) of the node agent:
 *
 * - pod logs of every namespace, read from this node's `/var/log/pods`, labelled with namespace, pod,
 *   container and app, CRI-decoded and pushed to Loki with a `cluster` label (and the tenant when
 *   Loki is multi-tenant);
 * - OTLP (gRPC and HTTP) from applications, batched and forwarded to Tempo over plain in-cluster gRPC.
 *
 * - logs and samples applications push (Loki push API, remote write), forwarded the same way.
 *
 * Pure: the only addresses in it are those of its destination.
 */
export function buildAlloyConfig(c: AlloyConfigInput): string {
    if (c.clusterName.trim() === "") throw new Error("cluster name must not be empty");
    checkPort("OTLP gRPC port", c.otlpGrpcPort);
    checkPort("OTLP HTTP port", c.otlpHttpPort);
    checkPort("Loki push port", c.lokiPushPort);
    checkPort("remote-write port", c.remoteWritePort);
    const send = destinationBlocks(c);

    const config = `// Generated by lgtm-stack (components/alloy.ts); edits here are overwritten.
logging {
  level  = "info"
  format = "logfmt"
}

// ---- Pod logs -------------------------------------------------------------------------------
// One Alloy per node (DaemonSet) tails the files the kubelet writes under /var/log/pods, mounted
// from the host. Tailing through the API server instead (loki.source.kubernetes) needs no host
// mount, but streams every line through the kubelet and the API server, which costs them CPU and
// network as the cluster grows; node-local files are the common pattern at scale, and the
// positions kept in the storage path let a restarted Alloy resume where it stopped.
//
// Discovery asks the API server only for this node's pods (a field selector, cheaper than
// listing every pod and dropping the others). The chart sets HOSTNAME to spec.nodeName.
discovery.kubernetes "pods" {
  role = "pod"

  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets

  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }

  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }

  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }

  // app: the app.kubernetes.io/name label, else the app label; unset when the pod has neither.
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app"]
    separator     = ";"
    regex         = "^;*([^;]+).*$"
    replacement   = "$1"
    target_label  = "app"
  }

  // Log files live in /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log.
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    replacement   = "/var/log/pods/*$1/*.log"
    target_label  = "__path__"
  }

  // Static pods (kubelet manifests) are named after their config hash, not their mirror pod's UID.
  rule {
    source_labels = ["__meta_kubernetes_pod_annotation_kubernetes_io_config_mirror", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    regex         = "(.+/.+)"
    replacement   = "/var/log/pods/*$1/*.log"
    target_label  = "__path__"
  }
}

loki.source.file "pod_logs" {
  targets    = discovery.relabel.pod_logs.output
  forward_to = [loki.process.pod_logs.receiver]

  // __path__ is a glob (any restart number, and the config hash of static pods).
  file_match {
    enabled = true
  }
}

loki.process "pod_logs" {
  // Containerd/CRI-O line format: timestamp, stream, partial-line flag, message.
  stage.cri {}

  // One stream per container, not per restart file.
  stage.label_drop {
    values = ["filename"]
  }

  forward_to = [loki.write.default.receiver]
}

${send.logs}
${send.applications}
// ---- Traces ---------------------------------------------------------------------------------
${send.traces}`;
    // The chart renders alloy.configMap.content with `tpl`: a `{{` would be run as a template action.
    if (config.includes("{{")) throw new Error("Alloy config contains '{{', which the chart's tpl would evaluate");
    return config;
}

export interface AlloyArgs {
    /** Namespace of the Alloy DaemonSet and its Service. */
    readonly namespace: pulumi.Input<string>;
    /** Where the chart comes from instead of its upstream repository (`lgtm:charts`); unset: upstream. */
    readonly chartSource?: ChartSource;
    /**
     * Helm release name (also the fullname: the Service is `<name>`). The chart names its
     * ClusterRole after it too, so it must be unique in the cluster.
     */
    readonly releaseName: string;
    /** `cluster` label on every log line, matching Prometheus' external label. */
    readonly clusterName: string;
    /**
     * Where logs and traces go: the platform's Loki and Tempo (built from their components'
     * outputs), or an edge's central ingest gateway (from the central stack's `fleet` output).
     */
    readonly destination: pulumi.Input<AlloyPlatformDestination | AlloyCentralDestination>;
    /** With a central destination: the member's login, which reaches the agent only through a Secret. */
    readonly centralLogin?: pulumi.Input<MemberLogin>;
    /** The Prometheus Operator CRDs release: the chart's ServiceMonitor needs them first. */
    readonly crds: pulumi.Resource;
    /** Resources of the Alloy container and of its config-reloader sidecar, per node. */
    readonly resources: { readonly alloy: ComputeResources; readonly configReloader: ComputeResources };
}

export interface AlloyValuesInput extends Omit<AlloyArgs, "namespace" | "chartSource" | "crds" | "destination" | "centralLogin"> {
    /** Where logs and traces go, resolved. */
    readonly destination: AlloyPlatformDestination | AlloyCentralDestination;
    /** With a central destination: the Secret holding the member's login under `memberCredentialKeys`. */
    readonly credentialsSecretName?: string;
}

const storageVolume = "alloy-storage";

/** Values of the Alloy chart: a DaemonSet tailing node logs and receiving OTLP, scraped by Prometheus. */
export function buildAlloyValues(v: AlloyValuesInput): Record<string, unknown> {
    const content = buildAlloyConfig({
        clusterName: v.clusterName,
        ...v.destination,
        otlpGrpcPort: alloyPorts.otlpGrpc,
        otlpHttpPort: alloyPorts.otlpHttp,
        lokiPushPort: alloyPorts.lokiPush,
        remoteWritePort: alloyPorts.remoteWrite,
    });
    const central = "central" in v.destination;
    if (central && v.credentialsSecretName === undefined) throw new Error("an Alloy sending to the central platform needs the Secret holding its login");
    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: v.credentialsSecretName, key } } });
    const loginEnv = central ? [fromSecret(centralLoginEnv.username, memberCredentialKeys.username), fromSecret(centralLoginEnv.password, memberCredentialKeys.password)] : [];
    return {
        fullnameOverride: v.releaseName,
        // The subchart ships only the PodLogs CRD (monitoring.grafana.com), which this config does not use.
        crds: { create: false },
        controller: {
            type: "daemonset",
            // Collect logs on every node, tainted ones (control plane, dedicated pools) included.
            tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
            volumes: {
                extra: [{ name: storageVolume, hostPath: { path: `/var/lib/alloy/${v.releaseName}`, type: "DirectoryOrCreate" } }],
            },
        },
        alloy: {
            configMap: { create: true, content },
            enableReporting: false,
            storagePath: alloyStoragePath,
            mounts: {
                // /var/log/pods, read-only.
                varlog: true,
                extra: [{ name: storageVolume, mountPath: alloyStoragePath }],
            },
            extraPorts: [
                { name: "otlp-grpc", port: alloyPorts.otlpGrpc, targetPort: alloyPorts.otlpGrpc, protocol: "TCP" },
                { name: "otlp-http", port: alloyPorts.otlpHttp, targetPort: alloyPorts.otlpHttp, protocol: "TCP" },
                { name: "loki-push", port: alloyPorts.lokiPush, targetPort: alloyPorts.lokiPush, protocol: "TCP" },
                { name: "remote-write", port: alloyPorts.remoteWrite, targetPort: alloyPorts.remoteWrite, protocol: "TCP" },
            ],
            ...(loginEnv.length ? { extraEnv: loginEnv } : {}),
            resources: v.resources.alloy,
        },
        configReloader: { resources: v.resources.configReloader },
        // Prometheus selects ServiceMonitors of every namespace (see components/metrics.ts).
        serviceMonitor: { enabled: true },
    };
}

/** Grafana Alloy on every node: ships pod logs to Loki, and relays what applications push (OTLP traces, logs, samples) to Tempo, Loki and Prometheus, or to the central platform. */
export class Alloy extends pulumi.ComponentResource implements AlertedComponent {
    public readonly release: k8s.helm.v3.Release;
    /** OTLP gRPC receiver, `host:port` (where applications send traces). */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** OTLP HTTP receiver base URL. */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** Loki push URL applications send logs to. */
    public readonly lokiPushUrl: pulumi.Output<string>;
    /** Remote-write URL applications send samples to. */
    public readonly prometheusRemoteWriteUrl: pulumi.Output<string>;
    /** Labels of the agent pods (for NetworkPolicies). */
    public readonly podSelectors: AlloyPodSelectors;
    /** Its rule files in alerts/rules. */
    public readonly alertRuleFiles: readonly string[] = ["alloy"];

    constructor(name: string, args: AlloyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:collect:Alloy", name, {}, opts);

        const credentialsSecretName = args.centralLogin === undefined ? undefined : memberCredentialsSecretName(args.releaseName);
        const credentials = args.centralLogin === undefined ? [] : [memberCredentialsSecret(memberCredentialsSecretName(args.releaseName), args.namespace, args.centralLogin, { parent: this })];
        const values = pulumi.output(args.destination).apply((destination) => buildAlloyValues({ ...args, destination, credentialsSecretName }));
        this.release = platformRelease(
            name,
            { chart: charts.alloy, chartSource: args.chartSource, releaseName: args.releaseName, namespace: args.namespace, values },
            { parent: this, dependsOn: [args.crds, ...credentials] },
        );

        this.otlpGrpcEndpoint = pulumi.interpolate`${serviceHost(this.release)}:${alloyPorts.otlpGrpc}`;
        this.podSelectors = alloyPodSelectors(args.releaseName);
        this.otlpHttpEndpoint = serviceUrl(this.release, undefined, alloyPorts.otlpHttp);
        this.lokiPushUrl = serviceUrl(this.release, undefined, alloyPorts.lokiPush, alloyPushPaths.lokiPush);
        this.prometheusRemoteWriteUrl = serviceUrl(this.release, undefined, alloyPorts.remoteWrite, alloyPushPaths.remoteWrite);
        this.registerOutputs({ otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint, lokiPushUrl: this.lokiPushUrl, prometheusRemoteWriteUrl: this.prometheusRemoteWriteUrl });
    }
}
