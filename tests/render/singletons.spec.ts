import { strict as assert } from "assert";
import { checkSingletons } from "../../tools/render/checks/singletons";
import { K8sObject, RenderedRelease } from "../../tools/render/types";
import { checkInput, container, messages, operatorResource, release, secret, stackModel, workload } from "./fixtures";

const objstore = (bucket: string) => `type: S3\nconfig:\n  bucket: ${bucket}\n  endpoint: minio.storage.svc:9000\n`;

/** A Thanos component reading its objstore document from the Secret `secretName`. */
function thanos(component: string, secretName = "thanos-objstore", replicas = 1): K8sObject {
    return workload(
        "StatefulSet",
        `thanos-${component}`,
        {
            containers: [
                container(`thanos-${component}`, {
                    args: [component, "--data-dir=/var/thanos", "--objstore.config-file=/etc/thanos/objstore.yaml"],
                    volumeMounts: [{ name: "objstore", mountPath: "/etc/thanos/objstore.yaml", subPath: "objstore.yml" }],
                }),
            ],
            volumes: [{ name: "objstore", secret: { secretName } }],
        },
        { replicas },
    );
}

/** A Loki workload running `target`. */
function loki(name: string, target: string, replicas: number): K8sObject {
    return workload("StatefulSet", name, { containers: [container(target === "all" ? "loki" : target, { args: ["-config.file=/etc/loki/config/config.yaml", `-target=${target}`] })] }, { replicas });
}

const prometheus = operatorResource("Prometheus", "kps-prometheus", { replicas: 2, thanos: { objectStorageConfig: { name: "kps-objstore", key: "objstore.yml" } } });
const lokiValues = (bucket = "loki-chunks") => ({ loki: { storage: { type: "s3", bucketNames: { chunks: bucket } } } });

interface Stack {
    thanos: K8sObject[];
    loki: K8sObject[];
    extraReleases?: { name: string; values: Record<string, unknown>; objects: K8sObject[] }[];
}

const good = (): Stack => ({ thanos: [thanos("compact"), thanos("store", "thanos-objstore", 2)], loki: [loki("loki-compactor", "compactor", 1), loki("loki-ingester", "ingester", 3)] });

function verify(stack: Stack, profile = "prod") {
    const secrets = [secret("thanos-objstore", { "objstore.yml": objstore("thanos") }), secret("kps-objstore", { "objstore.yml": objstore("thanos") }), secret("other-objstore", { "objstore.yml": objstore("thanos-2") })];
    const releases = [release("kps", {}, "kube-prometheus-stack"), release("thanos"), release("loki", lokiValues())];
    const rendered: RenderedRelease[] = [
        { release: releases[0], objects: [prometheus] },
        { release: releases[1], objects: stack.thanos },
        { release: releases[2], objects: stack.loki },
    ];
    for (const extra of stack.extraReleases ?? []) {
        const r = release(extra.name, extra.values, "loki");
        releases.push(r);
        rendered.push({ release: r, objects: extra.objects });
    }
    return checkSingletons(checkInput(stackModel({ profile, releases, objects: secrets }), rendered));
}

describe("render check: singletons", () => {
    it("passes with one Thanos compactor per bucket and one Loki compactor replica", () => {
        const result = verify(good());
        assert.deepEqual(messages(result), []);
        assert.deepEqual(result.details, ["Thanos bucket thanos: release thanos: StatefulSet monitoring/thanos-compact ×1", "Loki bucket loki-chunks: release loki: StatefulSet monitoring/loki-compactor ×1"]);
    });

    it("fails on a Thanos compactor with two replicas", () => {
        const stack = good();
        stack.thanos[0] = thanos("compact", "thanos-objstore", 2);
        assert.deepEqual(messages(verify(stack)), [
            "release thanos: StatefulSet monitoring/thanos-compact: Thanos compactor runs 2 replicas; it must run exactly one",
            'Thanos bucket "thanos" has 2 compactor instances (release thanos: StatefulSet monitoring/thanos-compact ×2): exactly one may compact a bucket',
        ]);
    });

    it("fails on two compactors on one bucket, and on a bucket without one", () => {
        const second = thanos("compact");
        second.metadata.name = "thanos-compact-2";
        assert.match(messages(verify({ ...good(), thanos: [...good().thanos, second] }))[0], /Thanos bucket "thanos" has 2 compactor instances \(.*thanos-compact ×1, .*thanos-compact-2 ×1\)/);
        const elsewhere = { ...good(), thanos: [thanos("compact", "other-objstore"), thanos("store", "thanos-objstore", 2)] };
        assert.deepEqual(messages(verify(elsewhere)), [
            'Thanos bucket "thanos" has no compactor: blocks are never compacted, downsampled or deleted (used by release kps: Prometheus monitoring/kps-prometheus thanos sidecar, release thanos: StatefulSet monitoring/thanos-store (thanos store))',
        ]);
    });

    it("fails on a compactor whose bucket it cannot tell", () => {
        const lost = { ...good(), thanos: [thanos("compact", "missing-objstore"), thanos("store", "thanos-objstore", 2)] };
        assert.deepEqual(messages(verify(lost)), [
            'release thanos: StatefulSet monitoring/thanos-compact container "thanos-compact": Thanos compactor whose bucket cannot be found (no --objstore.config or mounted Secret with config.bucket)',
            'Thanos bucket "thanos" has no compactor: blocks are never compacted, downsampled or deleted (used by release kps: Prometheus monitoring/kps-prometheus thanos sidecar, release thanos: StatefulSet monitoring/thanos-store (thanos store))',
        ]);
    });

    it("fails on a Loki compactor with two replicas, or none", () => {
        const two = { ...good(), loki: [loki("loki-compactor", "compactor", 2)] };
        assert.deepEqual(messages(verify(two)), ["release loki: StatefulSet monitoring/loki-compactor: Loki compactor runs 2 replicas; Distributed mode needs exactly one"]);
        const none = { ...good(), loki: [loki("loki-ingester", "ingester", 3)] };
        assert.deepEqual(messages(verify(none)), ['Loki bucket "loki-chunks" (release loki) has no compactor: retention and deletes are never applied']);
    });

    it("counts a scaled single binary once (its compactor ring elects one), but not two installations on one bucket", () => {
        const monolithic = { ...good(), loki: [loki("loki", "all", 3)] };
        assert.deepEqual(messages(verify(monolithic)), []);
        const twice = { ...monolithic, extraReleases: [{ name: "loki-2", values: lokiValues(), objects: [loki("loki-2", "all", 1)] }] };
        assert.deepEqual(messages(verify(twice)), [
            'Loki bucket "loki-chunks" is compacted by 2 workloads (release loki: StatefulSet monitoring/loki, release loki-2: StatefulSet monitoring/loki-2): exactly one may compact a bucket',
        ]);
    });

    it("applies to dev as well", () => {
        const stack = good();
        stack.thanos[0] = thanos("compact", "thanos-objstore", 2);
        assert.equal(messages(verify(stack, "dev")).length, 2);
    });
});
