import { strict as assert } from "assert";
import { checkDurableState } from "../../tools/render/checks/durableState";
import { K8sObject, RenderedRelease } from "../../tools/render/types";
import { checkInput, container, messages, operatorResource, release, stackModel, workload } from "./fixtures";

const claim = (name: string) => ({ metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });

/** A StatefulSet whose container `name` keeps `path` on the volumeClaimTemplate "data". */
function onClaim(objectName: string, containerName: string, path: string, replicas = 1): K8sObject {
    return workload("StatefulSet", objectName, { containers: [container(containerName, { volumeMounts: [{ name: "data", mountPath: path }] })] }, { replicas, spec: { volumeClaimTemplates: [claim("data")] } });
}

const storage = { volumeClaimTemplate: { spec: { resources: { requests: { storage: "10Gi" } } } } };

/** One release per stateful chart, each keeping its data on a claim: the prod shape. */
function stack(): Record<string, { chart: string; values?: Record<string, unknown>; objects: K8sObject[] }> {
    return {
        kps: { chart: "kube-prometheus-stack", objects: [operatorResource("Prometheus", "kps-prometheus", { replicas: 2, storage }), operatorResource("Alertmanager", "kps-alertmanager", { storage })] },
        loki: {
            chart: "loki",
            values: { deploymentMode: "Distributed" },
            objects: [onClaim("loki-ingester-zone-a", "ingester", "/var/loki"), onClaim("loki-compactor", "compactor", "/var/loki"), workload("Deployment", "loki-querier", { containers: [container("querier")] })],
        },
        tempo: { chart: "tempo", objects: [onClaim("tempo", "tempo", "/var/tempo")] },
        thanos: { chart: "thanos", objects: [onClaim("thanos-compact", "thanos-compact", "/var/thanos/compact"), onClaim("thanos-store-gateway", "thanos-store-gateway", "/var/thanos/store")] },
        grafana: {
            chart: "grafana",
            objects: [
                workload("Deployment", "grafana", {
                    containers: [container("grafana", { volumeMounts: [{ name: "storage", mountPath: "/var/lib/grafana" }] })],
                    volumes: [{ name: "storage", persistentVolumeClaim: { claimName: "grafana" } }],
                }),
            ],
        },
        minio: { chart: "minio", objects: [onClaim("minio", "minio", "/export", 4)] },
    };
}

function verify(parts = stack(), profile = "prod") {
    const releases = Object.entries(parts).map(([name, p]) => release(name, p.values ?? {}, p.chart));
    const rendered: RenderedRelease[] = releases.map((r) => ({ release: r, objects: parts[r.releaseName].objects }));
    return checkDurableState(checkInput(stackModel({ profile, releases }), rendered));
}

function find(objects: K8sObject[], name: string): any {
    return objects.find((o) => o.metadata.name === name)!;
}

describe("render check: durableState", () => {
    it("passes when every stateful part keeps its data on a PersistentVolumeClaim", () => {
        const result = verify();
        assert.deepEqual(messages(result), []);
        assert.equal(result.summary, "9 of 9 stateful workload(s) keep their data on PersistentVolumeClaims");
        assert.ok(result.details!.includes('PVC      MinIO object data: release minio: StatefulSet monitoring/minio: container "minio" /export on volumeClaimTemplate "data"'));
    });

    it("fails on a Loki compactor whose data directory is an emptyDir", () => {
        const parts = stack();
        const compactor = find(parts.loki.objects, "loki-compactor");
        delete compactor.spec.volumeClaimTemplates;
        compactor.spec.template.spec.volumes = [{ name: "data", emptyDir: {} }];
        assert.deepEqual(messages(verify(parts)), [
            'release loki: StatefulSet monitoring/loki-compactor: Loki compactor (retention and delete-request state): container "compactor" /var/loki is on emptyDir volume "data": lost when the pod moves',
        ]);
    });

    it("fails on a Prometheus without spec.storage and an Alertmanager on an ephemeral volume", () => {
        const parts = stack();
        delete find(parts.kps.objects, "kps-prometheus").spec.storage;
        find(parts.kps.objects, "kps-alertmanager").spec.storage = { ephemeral: { volumeClaimTemplate: {} } };
        assert.deepEqual(messages(verify(parts)), [
            "release kps: Prometheus monitoring/kps-prometheus: Prometheus TSDB: no spec.storage, so the operator mounts an emptyDir: lost when the pod moves",
            "release kps: Alertmanager monitoring/kps-alertmanager: Alertmanager silences and notification log: spec.storage.ephemeral: a generic ephemeral volume, deleted with the pod",
        ]);
    });

    it("fails when the data directory is on no volume, or on a volume the pod does not declare", () => {
        const parts = stack();
        find(parts.tempo.objects, "tempo").spec.template.spec.containers[0].volumeMounts = [{ name: "data", mountPath: "/var/tempo-other" }];
        const grafana = find(parts.grafana.objects, "grafana");
        grafana.spec.template.spec.volumes = [];
        assert.deepEqual(messages(verify(parts)), [
            `release tempo: StatefulSet monitoring/tempo: Tempo WAL: container "tempo" /var/tempo is not on any volume: the data is written to the container's own filesystem and lost on restart`,
            'release grafana: Deployment monitoring/grafana: Grafana database and plugins: container "grafana" /var/lib/grafana is mounted from volume "storage", which the pod does not declare',
        ]);
    });

    it("finds a mount of a parent directory, and names the volume type when it is not a claim", () => {
        const parts = stack();
        const store = find(parts.thanos.objects, "thanos-store-gateway");
        store.spec.template.spec.containers[0].volumeMounts = [{ name: "host", mountPath: "/var/thanos" }];
        store.spec.template.spec.volumes = [{ name: "host", hostPath: { path: "/srv" } }];
        assert.deepEqual(messages(verify(parts)), [
            'release thanos: StatefulSet monitoring/thanos-store-gateway: Thanos store gateway index cache: container "thanos-store-gateway" /var/thanos/store is on hostPath volume "host": not a PersistentVolumeClaim',
        ]);
    });

    it("fails when an expected stateful part is missing from the render, e.g. a renamed container", () => {
        const parts = stack();
        find(parts.thanos.objects, "thanos-compact").spec.template.spec.containers[0].name = "compactor";
        parts.kps.objects = parts.kps.objects.filter((o) => o.kind !== "Alertmanager");
        const errors = messages(verify(parts));
        assert.deepEqual(errors, [
            "release kps (chart kube-prometheus-stack 1.0.0): Alertmanager silences and notification log: no Alertmanager resource in the render (chart changed? the check cannot find where it keeps its data)",
            'release thanos (chart thanos 1.0.0): Thanos compactor working directory: no workload with a container "thanos-compact" in the render (chart changed? the check cannot find where it keeps its data)',
        ]);
    });

    it("expects the single binary instead of ingester and compactor in Loki's Monolithic mode", () => {
        const parts = stack();
        parts.loki = { chart: "loki", values: { deploymentMode: "Monolithic" }, objects: [onClaim("loki", "loki", "/var/loki")] };
        assert.deepEqual(messages(verify(parts)), []);
        parts.loki.objects = [];
        assert.match(messages(verify(parts))[0], /Loki single binary \(WAL, index, compactor state\): no workload with a container "loki"/);
    });

    it("checks an optional part (the Thanos ruler) only when it is rendered", () => {
        const parts = stack();
        const ruler = workload("StatefulSet", "thanos-rule", {
            containers: [container("thanos-rule", { volumeMounts: [{ name: "data", mountPath: "/var/thanos/rule" }] })],
            volumes: [{ name: "data", emptyDir: {} }],
        });
        parts.thanos.objects.push(ruler);
        assert.match(messages(verify(parts))[0], /thanos-rule: Thanos ruler TSDB: container "thanos-rule" \/var\/thanos\/rule is on emptyDir volume "data"/);
    });

    it("needs no volume for Grafana on an external database, and still one for Grafana on SQLite", () => {
        const parts = stack();
        const grafana = find(parts.grafana.objects, "grafana");
        grafana.spec.template.spec.volumes = [{ name: "storage", emptyDir: {} }];
        parts.grafana.values = { "grafana.ini": { database: { type: "postgres", host: "db.example.com:5432" } } };
        const external = verify(parts);
        assert.deepEqual(messages(external), []);
        assert.equal(external.summary, "8 of 8 stateful workload(s) keep their data on PersistentVolumeClaims");
        assert.ok(external.details!.includes("EXTERNAL Grafana database and plugins: release grafana keeps it in its postgres database at db.example.com:5432, not in the pod: no volume needed"));
        parts.grafana.values = { "grafana.ini": { database: { type: "sqlite3" } } };
        assert.deepEqual(messages(verify(parts)), [
            'release grafana: Deployment monitoring/grafana: Grafana database and plugins: container "grafana" /var/lib/grafana is on emptyDir volume "storage": lost when the pod moves',
        ]);
    });

    it("does not require volumes in dev, but still lists where each part keeps its data", () => {
        const parts = stack();
        delete find(parts.kps.objects, "kps-prometheus").spec.storage;
        parts.minio.objects = [];
        const result = verify(parts, "dev");
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /7 of 8 stateful workload\(s\) keep their data on PersistentVolumeClaims \(the dev profile keeps them on emptyDir by design: not checked\)/);
        assert.ok(result.details!.some((line) => line.startsWith("NOT PVC  Prometheus TSDB")));
    });
});
