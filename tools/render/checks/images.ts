/**
 * Where the stack's images come from, as rendered: every container of every workload, those a chart
 * runs by default and those the Prometheus Operator starts (with the images it is told) included,
 * which a look at the values alone would miss. No image is a Bitnami one (the platform uses none;
 * Bitnami's free images are gone), and no MinIO image comes from Docker Hub, where MinIO no longer
 * publishes (quay.io/minio/… is where it does). A container whose image the operator picks itself
 * (its default for the resource's version) is counted apart: the render cannot tell it. Any other
 * container without an image is an error: Kubernetes would refuse its pod.
 */
import { podFootprints } from "./footprint";
import { CheckInput, CheckResult, FindingList } from "./types";

const dockerHubHosts = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

/** The image path on Docker Hub (`minio/minio`), or undefined when the image lives in another registry. */
export function dockerHubPath(image: string): string | undefined {
    const parts = image.split("@")[0].split("/");
    const explicitRegistry = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost");
    const registry = explicitRegistry ? parts[0].toLowerCase() : "docker.io";
    if (!dockerHubHosts.includes(registry)) return undefined;
    const path = explicitRegistry ? parts.slice(1) : parts;
    path[path.length - 1] = path[path.length - 1].split(":")[0];
    return path.join("/").toLowerCase();
}

/** Why an image may not run, or undefined. */
function imageProblem(image: string): string | undefined {
    if (/bitnami/i.test(image)) return `"${image}" is a Bitnami image, which the platform does not use`;
    if (/^minio\//.test(dockerHubPath(image) ?? "")) return `"${image}" pulls MinIO from Docker Hub, where MinIO no longer publishes; use quay.io/minio/…`;
    return undefined;
}

export function checkImages(input: CheckInput): CheckResult {
    const findings = new FindingList("images");
    const images = new Set<string>();
    let containers = 0;
    let operatorPicked = 0;
    for (const pod of podFootprints(input)) {
        for (const container of pod.containers) {
            if (container.imageByOperator) {
                operatorPicked++;
                continue;
            }
            if (container.image === undefined) {
                findings.error(`${pod.release}: ${pod.workload}, container ${container.name}: no image`);
                continue;
            }
            containers++;
            images.add(container.image);
            const problem = imageProblem(container.image);
            if (problem) findings.error(`${pod.release}: ${pod.workload}, container ${container.name}: ${problem}`);
        }
    }
    const unknown = operatorPicked ? `; ${operatorPicked} container(s) run the image their operator picks, not judged` : "";
    return findings.result(`${images.size} image(s) in ${containers} container(s)${unknown}`);
}
