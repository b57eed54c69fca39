import { strict as assert } from "assert";
import { checkImages, dockerHubPath } from "../../tools/render/checks/images";
import { K8sObject } from "../../tools/render/types";
import { checkInput, container, deployment, job, messages, operatorResource, release, stackModel } from "./fixtures";

function verify(objects: K8sObject[]) {
    return checkImages(checkInput(stackModel({ releases: [release("app")] }), [{ release: release("app"), objects }]));
}

describe("render check: images", () => {
    it("tells Docker Hub images from others", () => {
        assert.equal(dockerHubPath("minio/minio:RELEASE.2025"), "minio/minio");
        assert.equal(dockerHubPath("docker.io/minio/mc@sha256:abc"), "minio/mc");
        assert.equal(dockerHubPath("registry-1.docker.io/minio/minio"), "minio/minio");
        assert.equal(dockerHubPath("busybox"), "busybox");
        assert.equal(dockerHubPath("quay.io/minio/minio"), undefined);
        assert.equal(dockerHubPath("localhost:5000/minio/minio"), undefined);
    });

    it("passes images from their publishers' registries, and counts them", () => {
        const result = verify([deployment("minio", { containers: [container("minio", { image: "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z" }), container("sidecar", { image: "quay.io/minio/mc:latest" })] })]);
        assert.deepEqual(messages(result), []);
        assert.equal(result.summary, "2 image(s) in 2 container(s)");
    });

    it("refuses a Bitnami image and a MinIO image from Docker Hub wherever the render runs them: init containers and hook Jobs included", () => {
        const result = verify([
            deployment("grafana", { initContainers: [container("init-chown-data", { image: "docker.io/bitnami/os-shell:12" })], containers: [container("grafana", { image: "docker.io/grafana/grafana:12.3.0" })] }),
            job("minio-make-bucket", { containers: [container("mc", { image: "minio/mc:RELEASE.2025" })] }),
        ]);
        assert.deepEqual(messages(result), [
            'app: Deployment monitoring/grafana, container init-chown-data: "docker.io/bitnami/os-shell:12" is a Bitnami image, which the platform does not use',
            'app: Job monitoring/minio-make-bucket, container mc: "minio/mc:RELEASE.2025" pulls MinIO from Docker Hub, where MinIO no longer publishes; use quay.io/minio/…',
        ]);
    });

    it("judges the images the operator is told (a Prometheus' Thanos sidecar), and counts apart those it picks itself", () => {
        const prometheus = operatorResource("Prometheus", "kps-prometheus", { version: "v3.5.0", thanos: { image: "docker.io/bitnami/thanos:0.42" } });
        const result = verify([prometheus]);
        assert.deepEqual(messages(result), ['app: Prometheus monitoring/kps-prometheus, container thanos-sidecar: "docker.io/bitnami/thanos:0.42" is a Bitnami image, which the platform does not use']);
        // Prometheus (the operator's default for v3.5.0) and its two config reloaders (no operator Deployment tells their image).
        assert.match(result.summary, /; 1 image\(s\) in 1 container\(s\); 3 container\(s\) run the image their operator picks, not judged$/);
    });

    it("refuses a container without an image", () => {
        assert.deepEqual(messages(verify([deployment("app", { containers: [container("app", { image: undefined })] })])), ["app: Deployment monitoring/app, container app: no image"]);
    });
});
