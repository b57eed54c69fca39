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

const minio = { endpoint: "minio.storage.svc.cluster.local:9000", insecure: true };
const loki = release("loki", { loki: { storage: { type: "s3", bucketNames: { chunks: "loki-chunks", ruler: "loki-ruler" }, s3: { ...minio, s3ForcePathStyle: true } } } });
const tempo = release("tempo", { tempo: { storage: { trace: { backend: "s3", s3: { ...minio, forcepathstyle: true, bucket: "tempo" } } } } });

function verify(objstore: string, buckets = ["thanos", "loki-chunks", "loki-ruler", "tempo"]) {
    const model = stackModel({ releases: [loki, tempo], objects: [secret("thanos-objstore", { "objstore.yml": objstore })], buckets });
    return checkObjectStorage(checkInput(model));
}

describe("render check: objectStorage", () => {
    it("passes for a strict Thanos S3 document and buckets that all exist", () => {
        const result = verify(goodObjstore);
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /1 objstore document\(s\), 3 consumer\(s\) and 4 bucket use\(s\) of 4 bucket\(s\) checked against the minio store/);
    });

    it("fails when a consumer reaches another endpoint, without the store's TLS setting, or addresses buckets the other way", () => {
        const stray = release("loki", { loki: { storage: { type: "s3", bucketNames: { chunks: "loki-chunks", ruler: "loki-ruler" }, s3: { endpoint: "minio.other.svc.cluster.local:9000", s3ForcePathStyle: false } } } });
        const model = stackModel({
            releases: [stray, tempo],
            objects: [secret("thanos-objstore", { "objstore.yml": goodObjstore.replace("insecure: true", "insecure: false") })],
            buckets: ["thanos", "loki-chunks", "loki-ruler", "tempo"],
        });
        assert.deepEqual(messages(checkObjectStorage(checkInput(model))), [
            "Secret monitoring/thanos-objstore key objstore.yml (program): insecure is false, but the object store speaks plain HTTP (expected true)",
            'release loki values loki.storage.s3: endpoint "minio.other.svc.cluster.local:9000" is not the object store\'s endpoint "minio.storage.svc.cluster.local:9000"',
            "release loki values loki.storage.s3: insecure is false, but the object store speaks plain HTTP (expected true)",
            "release loki values loki.storage.s3: addresses buckets by host name, but the object store is set up for path-style addressing",
        ]);
    });

    it("fails when Loki or Tempo names no endpoint (their client would go to AWS)", () => {
        const bare = release("tempo", { tempo: { storage: { trace: { backend: "s3", s3: { bucket: "tempo", insecure: true, forcepathstyle: true } } } } });
        const model = stackModel({ releases: [bare], buckets: ["tempo"] });
        assert.deepEqual(messages(checkObjectStorage(checkInput(model))), [
            'release tempo values tempo.storage.trace.s3: no endpoint, so the client would go to AWS S3 instead of the object store "minio.storage.svc.cluster.local:9000"',
        ]);
    });

    describe("external store", () => {
        const aws = { endpoint: "s3.eu-west-1.amazonaws.com", insecure: false };
        const s3Objstore = goodObjstore.replace("minio.storage.svc.cluster.local:9000", aws.endpoint).replace("insecure: true", "insecure: false").replace("bucket_lookup_type: path", "bucket_lookup_type: auto");
        const externalModel = (profile: string, tls = true, unsetSecretKeys: string[] = []) =>
            stackModel({
                profile,
                releases: [
                    release("loki", { loki: { storage: { type: "s3", bucketNames: { chunks: "loki-chunks", ruler: "loki-ruler" }, s3: { ...aws, s3ForcePathStyle: false } } } }),
                    release("tempo", { tempo: { storage: { trace: { backend: "s3", s3: { ...aws, forcepathstyle: false, bucket: "tempo" } } } } }),
                ],
                objects: [secret("thanos-objstore", { "objstore.yml": s3Objstore })],
                buckets: ["thanos", "loki-chunks", "loki-ruler", "tempo"],
                objectStore: { type: "external", endpoint: aws.endpoint, tls, forcePathStyle: false, unsetSecretKeys },
            });

        it("passes, and lists the buckets that must exist and the secrets still to set", () => {
            const result = checkObjectStorage(checkInput(externalModel("prod", true, ["lgtm:objectStorageAccessKeyId"])));
            assert.deepEqual(messages(result), []);
            assert.deepEqual(messages(result, "info"), [
                "external object store https://s3.eu-west-1.amazonaws.com: the stack creates no bucket; these must exist: loki-chunks, loki-ruler, tempo, thanos",
                "not set in the stack file yet, verified with stand-ins (pulumi up refuses to start without them): lgtm:objectStorageAccessKeyId",
            ]);
        });

        it("fails in prod without TLS, and when consumers disagree with the store", () => {
            const errors = messages(checkObjectStorage(checkInput(externalModel("prod", false))));
            assert.ok(errors.includes("the external object store s3.eu-west-1.amazonaws.com is reached without TLS in a prod stack: credentials and data would cross the network in clear text"), errors.join("\n"));
            assert.ok(errors.some((m) => /release tempo .*insecure is false, but the object store speaks plain HTTP/.test(m)));
        });

        it("names a bucket the store does not have as missing from the external store", () => {
            const model = externalModel("dev");
            model.buckets = ["thanos", "loki-chunks", "loki-ruler", "tempo-traces"];
            assert.match(messages(checkObjectStorage(checkInput(model)))[0], /bucket "tempo" \(.*\) is not one of the external object store's buckets; it has: loki-chunks, loki-ruler, tempo-traces, thanos$/);
        });
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
