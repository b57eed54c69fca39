/** Small hand-written manifests for the render/verify unit tests. */
import { gzipSync } from "zlib";
import { CheckInput } from "../../tools/render/checks";
import { ChartInfo, CollectedRelease, K8sObject, ObjectStoreModel, RenderedRelease, StackModel } from "../../tools/render/types";

export const ns = "monitoring";

/** The object store of a dev stack: MinIO in the cluster, plain HTTP, buckets by path. */
export const minioStore: ObjectStoreModel = { type: "minio", endpoint: "minio.storage.svc.cluster.local:9000", tls: false, forcePathStyle: true, unsetSecretKeys: [] };

export function stackModel(partial: Partial<StackModel> = {}): StackModel {
    return { stack: "dev", profile: "dev", releases: [], objects: [], buckets: [], objectStore: minioStore, namespaces: {}, addresses: [], secretValues: [], ...partial };
}

export function release(releaseName: string, values: Record<string, unknown> = {}, chartName = releaseName, namespace = ns): CollectedRelease {
    return { resourceName: releaseName, chart: { name: chartName, version: "1.0.0", repository: "https://charts.example.com" }, releaseName, namespace, values };
}

export function service(name: string, ports: [string | undefined, number][], namespace = ns): K8sObject {
    return { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { ports: ports.map(([portName, port]) => ({ ...(portName ? { name: portName } : {}), port })) } };
}

export function secret(name: string, stringData: Record<string, string>, namespace = ns): K8sObject {
    return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type: "Opaque", stringData };
}

export function configMap(name: string, data: Record<string, string>, namespace = ns): K8sObject {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data };
}

export const sized = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

export function container(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name, image: `example/${name}:1.0`, resources: sized, ...extra };
}

export function deployment(name: string, podSpec: Record<string, unknown>, replicas?: number, kind = "Deployment"): K8sObject {
    return {
        apiVersion: "apps/v1",
        kind,
        metadata: { name },
        spec: { ...(replicas === undefined ? {} : { replicas }), template: { metadata: {}, spec: podSpec } },
    };
}

export function job(name: string, podSpec: Record<string, unknown>, hook = true): K8sObject {
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name, ...(hook ? { annotations: { "helm.sh/hook": "post-install" } } : {}) },
        spec: { template: { spec: podSpec } },
    };
}

export function checkInput(model: StackModel, rendered: RenderedRelease[] = [], charts: Map<string, ChartInfo> = new Map()): CheckInput {
    return { model, rendered, charts };
}

/** Messages of findings with the given severity. */
export function messages(result: { findings: { severity: string; message: string }[] }, severity = "error"): string[] {
    return result.findings.filter((f) => f.severity === severity).map((f) => f.message);
}

/** A minimal ustar archive, gzipped: enough to stand in for a packaged chart. */
export function makeTgz(files: Record<string, string | Buffer>): Buffer {
    const blocks: Buffer[] = [];
    for (const [name, content] of Object.entries(files)) {
        const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
        const header = Buffer.alloc(512);
        header.write(name, 0, 100);
        header.write("0000644\0", 100);
        header.write("0000000\0", 108);
        header.write("0000000\0", 116);
        header.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124);
        header.write("00000000000\0", 136);
        header.write("        ", 148);
        header.write("0", 156);
        header.write("ustar\0", 257);
        header.write("00", 263);
        const checksum = header.reduce((sum, byte) => sum + byte, 0);
        header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148);
        blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return gzipSync(Buffer.concat(blocks));
}

/** A workload whose pods carry `labels` (selector and template), with optional extra `spec` fields. */
export function workload(kind: string, name: string, podSpec: Record<string, unknown>, opts: { replicas?: number; labels?: Record<string, string>; spec?: Record<string, unknown>; namespace?: string } = {}): K8sObject {
    const labels = opts.labels ?? { app: name };
    return {
        apiVersion: kind === "Job" ? "batch/v1" : "apps/v1",
        kind,
        metadata: { name, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
        spec: {
            ...(opts.replicas === undefined ? {} : { replicas: opts.replicas }),
            ...(kind === "Job" ? {} : { selector: { matchLabels: labels } }),
            template: { metadata: { labels }, spec: podSpec },
            ...opts.spec,
        },
    };
}

/** A Prometheus Operator custom resource (Prometheus, Alertmanager…) with the given spec. */
export function operatorResource(kind: string, name: string, spec: Record<string, unknown>, namespace = ns): K8sObject {
    return { apiVersion: "monitoring.coreos.com/v1", kind, metadata: { name, namespace }, spec };
}
