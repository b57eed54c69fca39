import { strict as assert } from "assert";
import { checkObjectStorage } from "../../tools/render/checks/objectStorage";
import { checkInput, container, deployment, messages, release, secret, stackModel } from "./fixtures";

const goodObjstore = [
    "type: S3",
    "config:",
    "  bucket: thanos",
    "  endpoint: minio.storage.svc.cluster.local:9000",
    "  region: us-east-1",
    "  insecure: true",
    "  bucket_lookup_type: path",
    "  access_key: a",
    "  secret_key: b",
].join("\n");

const loki = release("loki", { loki: { storage: { type: "s3", bucketNames: { chunks: "loki-chunks", ruler: "loki-ruler" } } } });
const tempo = release("tempo", { tempo: { storage: { trace: { backend: "s3", s3: { bucket: "tempo" } } } } });

function verify(objstore: string, buckets = ["thanos", "loki-chunks", "loki-ruler", "tempo"]) {
    const model = stackModel({ releases: [loki, tempo], objects: [secret("thanos-objstore", { "objstore.yml": objstore })], buckets });
    return checkObjectStorage(checkInput(model));
}

describe("render check: objectStorage", () => {
    it("passes for a strict Thanos S3 document and buckets that all exist", () => {
        const result = verify(goodObjstore);
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /1 objstore document\(s\), 4 bucket use\(s\)/);
    });

    it("fails on a scheme in the endpoint", () => {
        const [message] = messages(verify(goodObjstore.replace("endpoint: ", "endpoint: http://")));
        assert.match(message, /Secret monitoring\/thanos-objstore key objstore\.yml \(program\): config\.endpoint "http:\/\/minio\.storage.*" has a scheme/);
    });

    it("fails on an unknown key, with a hint for the usual suspect", () => {
        const [message] = messages(verify(`${goodObjstore}\n  s3forcepathstyle: true`));
        assert.match(message, /config key "s3forcepathstyle" is not a Thanos S3 option \(Thanos has no s3forcepathstyle; use bucket_lookup_type: "path"\)/);
    });

    it("fails on a type other than S3", () => {
        assert.match(messages(verify(goodObjstore.replace("type: S3", "type: FILESYSTEM")))[0], /type is "FILESYSTEM", expected "S3"/);
    });

    it("finds the document a Thanos container reads with --objstore.config-file, whatever its key", () => {
        const compact = deployment("thanos-compact", {
            containers: [container("compact", { args: ["compact", "--objstore.config-file=/etc/thanos/objstore.yaml"], volumeMounts: [{ name: "cfg", mountPath: "/etc/thanos/objstore.yaml", subPath: "config" }] })],
            volumes: [{ name: "cfg", secret: { secretName: "thanos-objstore" } }],
        });
        const model = stackModel({ objects: [secret("thanos-objstore", { config: goodObjstore.replace("bucket: thanos", "bucket: metrics") })], buckets: ["thanos"] });
        const [message] = messages(checkObjectStorage(checkInput(model, [{ release: release("thanos"), objects: [compact] }])));
        assert.match(message, /bucket "metrics" \(Secret monitoring\/thanos-objstore key config \(program\)\) is not created by the object store/);
    });

    it("fails when a consumer's bucket is not created by the object store", () => {
        const [message] = messages(verify(goodObjstore, ["thanos", "loki-chunks", "loki-ruler", "tempo-traces"]));
        assert.match(message, /bucket "tempo" \(release tempo values tempo\.storage\.trace\.s3\.bucket\) is not created by the object store/);
        assert.match(message, /it creates: loki-chunks, loki-ruler, tempo-traces, thanos/);
    });
});
