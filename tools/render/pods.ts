/**
 * The pods a rendered stack runs, as NetworkPolicies see them (namespace, labels, container ports),
 * and the Services their configuration points them at. Pods the Prometheus Operator builds from a
 * Prometheus or Alertmanager resource are modelled after the operator's code, since no chart renders them.
 */
import { alertmanagerPort, metricsPodPorts, prometheusPort, thanosSidecarGrpcPort } from "../../components/metrics";
import { thanosGrpcPort, thanosHttpPort } from "../../components/thanos";
import { findAddresses } from "./checks/addresses";
import { podSpecReferences } from "./checks/references";
import { ContainerPort, PodEndpoint, Protocol } from "./networkPolicy";
import { allObjects, containersOf, dataEntries, isOperatorPod, namespaceOf, podLabelsOf, PodTemplate, podTemplateOf, selectorMatches, SourcedObject, workloadsOf } from "./objects";
import { isPlainObject } from "./paths";
import { K8sObject, RenderedRelease, StackModel } from "./types";

export interface RenderedPod extends PodEndpoint {
    /** `StatefulSet monitoring/loki-ruler (release loki)` */
    id: string;
    release: string;
    /** Kind of the object that makes the pod (Deployment, Job, Prometheus, …). */
    workloadKind: string;
    name: string;
    ports: ContainerPort[];
    hostNetwork: boolean;
    /** A Job or a Helm hook: it runs to completion, so no Service routes to it. */
    runsToCompletion: boolean;
    /** The pod spec (for operator pods, the custom resource's spec, which has the same fields). */
    spec: Record<string, unknown>;
}

const record = (v: unknown): Record<string, unknown> => (isPlainObject(v) ? v : {});

function containerPorts(spec: Record<string, unknown>): ContainerPort[] {
    return containersOf(spec)
        .filter((c) => c.field === "containers")
        .flatMap(({ container }) => (Array.isArray(container.ports) ? container.ports.filter(isPlainObject) : []))
        .map((p) => ({ ...(typeof p.name === "string" ? { name: p.name } : {}), containerPort: Number(p.containerPort), protocol: (p.protocol ?? "TCP") as Protocol }));
}

/**
 * Ports the Prometheus Operator (v0.9x: pkg/prometheus/server/statefulset.go,
 * pkg/alertmanager/statefulset.go, pkg/thanos/statefulset.go) gives the pods of a Prometheus,
 * PrometheusAgent, Alertmanager or ThanosRuler resource: the web port (named `portName`), the
 * config reloader's `reloader-web`, Alertmanager's cluster ports, the Thanos sidecar's and the
 * ruler's gRPC port. The numbers are the components' constants, which the NetworkPolicies use too.
 * Their labels are `podLabelsOf`'s.
 */
function operatorPodPorts(object: K8sObject): ContainerPort[] {
    const spec = record(object.spec);
    const web = (port: number): ContainerPort => ({ name: typeof spec.portName === "string" ? spec.portName : "web", containerPort: port, protocol: "TCP" });
    const reloader: ContainerPort = { name: "reloader-web", containerPort: metricsPodPorts.configReloader, protocol: "TCP" };
    if (object.kind === "Prometheus") {
        const sidecar: ContainerPort[] = isPlainObject(spec.thanos)
            ? [
                  { name: "grpc", containerPort: thanosSidecarGrpcPort, protocol: "TCP" },
                  { name: "http", containerPort: metricsPodPorts.thanosSidecarHttp, protocol: "TCP" },
              ]
            : [];
        return [web(prometheusPort), reloader, ...sidecar];
    }
    if (object.kind === "Alertmanager") {
        const cluster = metricsPodPorts.alertmanagerCluster;
        return [web(alertmanagerPort), { name: "mesh-tcp", containerPort: cluster, protocol: "TCP" }, { name: "mesh-udp", containerPort: cluster, protocol: "UDP" }, reloader];
    }
    if (object.kind === "ThanosRuler") return [{ name: "grpc", containerPort: thanosGrpcPort, protocol: "TCP" }, web(thanosHttpPort), reloader];
    if (object.kind === "PrometheusAgent") return [web(prometheusPort), reloader];
    throw new Error(`pods: the operator's pods of kind ${object.kind} (${object.metadata.name}) are not modelled`);
}

function podOf(object: K8sObject, namespace: string, release: string, template: PodTemplate, labels: Record<string, string>): RenderedPod {
    return {
        kind: "pod",
        id: `${object.kind} ${namespace}/${object.metadata.name} (${release === programRelease ? "the program" : `release ${release}`})`,
        release,
        workloadKind: object.kind,
        name: object.metadata.name,
        namespace,
        labels,
        ports: isOperatorPod(object) ? operatorPodPorts(object) : containerPorts(template.spec),
        hostNetwork: template.spec.hostNetwork === true,
        runsToCompletion: template.runsToCompletion,
        spec: template.spec,
    };
}

/** The `release` of pods the program creates itself rather than through a chart (the fleet's ingest gateway). */
export const programRelease = "(program)";

/**
 * Every pod template of the rendered releases (hooks included), with the operator's pods, and
 * those of the program's own workloads (`model.objects`), whose release is `programRelease`.
 */
export function renderedPods(rendered: readonly RenderedRelease[], model?: StackModel): RenderedPod[] {
    const program = (model?.objects ?? []).flatMap((object) => {
        const template = podTemplateOf(object);
        return template ? [podOf(object, namespaceOf(object, "default"), programRelease, template, podLabelsOf(object))] : [];
    });
    return [...workloadsOf(rendered).map(({ object, release, namespace, template, labels }) => podOf(object, namespace, release.releaseName, template, labels)), ...program];
}

/** A port of a Service, and where it leads. */
export interface ServicePortTarget {
    pod: RenderedPod;
    containerPort: number;
    protocol: Protocol;
}

/** One Service (and port) a pod's configuration points it at. */
export interface ConfiguredTarget {
    namespace: string;
    service: string;
    /** The Service port: by number, or by name (SRV lookups, operator references); neither: every port. */
    port?: number;
    portName?: string;
    /** Where the pod got it from. */
    where: string;
}

/**
 * The in-cluster Services a pod's configuration names: in its containers' args, command and env
 * values, in every Secret and ConfigMap it mounts or reads, the MinIO chart's short names, and
 * (for a Prometheus) the Alertmanagers its resource lists. Each is a connection the pod will try
 * to open, but for the mentions tools/render/checks/networkPolicy.ts knows are not.
 */
export function configuredTargets(pod: RenderedPod, model: StackModel, rendered: readonly RenderedRelease[]): ConfiguredTarget[] {
    const sources: { text: string; where: string }[] = [];
    for (const { container } of containersOf(pod.spec)) {
        const who = `container "${container.name}"`;
        for (const field of ["args", "command"] as const) {
            for (const arg of Array.isArray(container[field]) ? container[field] : []) if (typeof arg === "string") sources.push({ text: arg, where: `${who} ${field}` });
        }
        for (const variable of Array.isArray(container.env) ? container.env.filter(isPlainObject) : []) {
            if (typeof variable.value === "string") sources.push({ text: variable.value, where: `${who} env ${variable.name}` });
        }
    }
    const objects = allObjects(model, rendered).filter((o: SourcedObject) => o.namespace === pod.namespace);
    for (const ref of podSpecReferences(pod.spec, pod.workloadKind)) {
        const object = objects.find((o) => o.object.kind === ref.kind && o.object.metadata.name === ref.name)?.object;
        if (!object) continue;
        for (const [key, text] of Object.entries(dataEntries(object))) {
            if (ref.keys.length === 0 || ref.keys.includes(key)) sources.push({ text, where: `${ref.kind} ${ref.name} key ${key} (${ref.via})` });
        }
    }
    const targets: ConfiguredTarget[] = [];
    for (const { text, where } of sources) {
        for (const a of findAddresses(text)) {
            targets.push({ namespace: a.namespace, service: a.service, ...(a.srv ? { portName: a.srv } : a.port !== undefined ? { port: a.port } : {}), where: `${where}: ${a.text}` });
        }
    }
    targets.push(...minioClientTargets(pod));
    if (pod.workloadKind === "Prometheus") {
        const alertmanagers = record(pod.spec.alerting).alertmanagers;
        for (const am of Array.isArray(alertmanagers) ? alertmanagers.filter(isPlainObject) : []) {
            const port = am.port;
            targets.push({
                namespace: typeof am.namespace === "string" ? am.namespace : pod.namespace,
                service: String(am.name),
                ...(typeof port === "number" ? { port } : typeof port === "string" ? { portName: port } : {}),
                where: "spec.alerting.alertmanagers",
            });
        }
    }
    return targets;
}

/**
 * The MinIO chart's jobs name its Service by its short name (`MINIO_ENDPOINT=minio`, resolved in
 * the pod's namespace) and port (`MINIO_PORT`), which no address pattern can find.
 */
function minioClientTargets(pod: RenderedPod): ConfiguredTarget[] {
    return containersOf(pod.spec).flatMap(({ container }) => {
        const env = Array.isArray(container.env) ? container.env.filter(isPlainObject) : [];
        const value = (name: string) => env.find((v) => v.name === name && typeof v.value === "string")?.value as string | undefined;
        const [service, port] = [value("MINIO_ENDPOINT"), Number(value("MINIO_PORT"))];
        if (!service || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(service) || !Number.isInteger(port)) return [];
        return [{ namespace: pod.namespace, service, port, where: `container "${container.name}" env MINIO_ENDPOINT=${service}, MINIO_PORT=${port}` }];
    });
}

/**
 * Where a Service port leads: the pods its selector picks and the container port behind it (a
 * named targetPort resolves per pod). Undefined when the stack renders no such Service or port.
 */
export function serviceTargets(
    target: Pick<ConfiguredTarget, "namespace" | "service" | "port" | "portName">,
    model: StackModel,
    rendered: readonly RenderedRelease[],
    pods: readonly RenderedPod[],
): ServicePortTarget[] | undefined {
    const service = allObjects(model, rendered).find((o) => o.object.kind === "Service" && o.namespace === target.namespace && o.object.metadata.name === target.service)?.object;
    if (!service) return undefined;
    const spec = record(service.spec);
    const ports = (Array.isArray(spec.ports) ? spec.ports.filter(isPlainObject) : []).filter((p) =>
        target.portName !== undefined ? p.name === target.portName : target.port !== undefined ? Number(p.port) === target.port : true,
    );
    if (ports.length === 0) return undefined;
    // A Service without a selector has its endpoints managed by hand: no rendered pod is behind it.
    const selector = record(spec.selector);
    const selected = pods.filter((p) => p.namespace === target.namespace && Object.keys(selector).length > 0 && selectorMatches({ matchLabels: selector }, p.labels));
    const out: ServicePortTarget[] = [];
    for (const port of ports) {
        const protocol = (port.protocol ?? "TCP") as Protocol;
        for (const pod of selected) {
            const targetPort = port.targetPort ?? port.port;
            const containerPort = typeof targetPort === "number" ? targetPort : pod.ports.find((c) => c.name === targetPort && c.protocol === protocol)?.containerPort;
            if (containerPort !== undefined) out.push({ pod, containerPort, protocol });
        }
    }
    return out;
}
