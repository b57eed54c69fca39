import { strict as assert } from "assert";
import { checkObjectStorage } from "../../tools/render/checks/objectStorage";
import { stringify } from "yaml";
import { RenderedRelease } from "../../tools/render/types";
import { checkInput, configMap, container, deployment, messages, release, secret, stackModel } from "./fixtures";

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
const lokiCredentials = { access_key_id: "${LOKI_S3_ACCESS_KEY_ID}", secret_access_key: "${LOKI_S3_SECRET_ACCESS_KEY}" };
const tempoCredentials = { access_key: "${TEMPO_S3_ACCESS_KEY_ID}", secret_key: "${TEMPO_S3_SECRET_ACCESS_KEY}" };
/** The Secrets the program writes for Loki's and Tempo's credentials, keyed by the variables their configs reference. */
const credentialSecrets = [secret("loki-s3-credentials", { LOKI_S3_ACCESS_KEY_ID: "a", LOKI_S3_SECRET_ACCESS_KEY: "b" }), secret("tempo-s3-credentials", { TEMPO_S3_ACCESS_KEY_ID: "a", TEMPO_S3_SECRET_ACCESS_KEY: "b" })];

/** A consumer release as `helm template` renders it: its config file in a ConfigMap, a pod that takes its credentials from `secretName`. */
function consumer(releaseName: string, chart: string, file: string, config: unknown, secretName: string, text = stringify(config)): RenderedRelease {
    const pod = deployment(releaseName, { containers: [container(releaseName, { envFrom: [{ secretRef: { name: secretName } }] })] }, 1, "StatefulSet");
    return { release: release(releaseName, {}, chart), objects: [configMap(releaseName, { [file]: text }), pod] };
}
const lokiConfig = (s3: Record<string, unknown> = {}, ruler: Record<string, unknown> = {}) => ({
    common: { storage: { s3: { ...minio, s3forcepathstyle: true, bucketnames: "loki-chunks", ...lokiCredentials, ...s3 } } },
    ruler: { storage: { type: "s3", s3: { ...minio, s3forcepathstyle: true, bucketnames: "loki-ruler", ...lokiCredentials, ...ruler } } },
});
const loki = (s3: Record<string, unknown> = {}, ruler: Record<string, unknown> = {}) => consumer("loki", "loki", "config.yaml", lokiConfig(s3, ruler), "loki-s3-credentials");
const tempoConfig = (s3: Record<string, unknown> = {}) => ({ storage: { trace: { backend: "s3", s3: { ...minio, forcepathstyle: true, bucket: "tempo", ...tempoCredentials, ...s3 } } } });
const tempo = (s3: Record<string, unknown> = {}) => consumer("tempo", "tempo", "tempo.yaml", tempoConfig(s3), "tempo-s3-credentials");

function verify(objstore: string, buckets = ["thanos", "loki-chunks", "loki-ruler", "tempo"], rendered: RenderedRelease[] = [loki(), tempo()]) {
    const model = stackModel({ objects: [secret("thanos-objstore", { "objstore.yml": objstore }), ...credentialSecrets], buckets });
    return checkObjectStorage(checkInput(model, rendered));
}

describe("render check: objectStorage", () => {
    it("passes for a strict Thanos S3 document, and rendered Loki and Tempo configs on buckets that all exist", () => {
        const result = verify(goodObjstore);
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /1 objstore document\(s\), 4 consumer\(s\) and 4 bucket use\(s\) of 4 bucket\(s\) checked against the minio store/);
    });

    const lokiAt = "ConfigMap monitoring/loki key config.yaml (release loki)";
    it("fails on a rendered Loki config redirected to another endpoint, without the store's TLS setting, or addressing buckets the other way", () => {
        // What a region of "us-east-1\nendpoint: attacker.example.net:443" would have rendered, whatever our values said.
        const redirected = loki({ endpoint: "attacker.example.net:443", insecure: false, s3forcepathstyle: false });
        assert.deepEqual(messages(verify(goodObjstore.replace("insecure: true", "insecure: false"), undefined, [redirected, tempo()])), [
            "Secret monitoring/thanos-objstore key objstore.yml (program): insecure is false, but the object store speaks plain HTTP (expected true)",
            `${lokiAt} common.storage.s3: endpoint "attacker.example.net:443" is not the object store's endpoint "minio.storage.svc.cluster.local:9000"`,
            `${lokiAt} common.storage.s3: insecure is false, but the object store speaks plain HTTP (expected true)`,
            `${lokiAt} common.storage.s3: addresses buckets by host name, but the object store is set up for path-style addressing`,
        ]);
    });

    it("fails when Loki or Tempo names no endpoint (their client would go to AWS)", () => {
        assert.deepEqual(messages(verify(goodObjstore, undefined, [loki(), tempo({ endpoint: undefined })])), [
            'ConfigMap monitoring/tempo key tempo.yaml (release tempo) storage.trace.s3: no endpoint, so the client would go to AWS S3 instead of the object store "minio.storage.svc.cluster.local:9000"',
        ]);
    });

    it("fails on a rendered config that does not parse, or keeps its data off the object store", () => {
        const broken = consumer("loki", "loki", "config.yaml", undefined, "loki-s3-credentials", "common:\n  storage: [\n");
        const [message] = messages(verify(goodObjstore, ["thanos", "tempo"], [broken, tempo()]));
        assert.ok(message.startsWith(`${lokiAt}: does not parse as YAML, so the logs store cannot start with it: `), message);
        const local = consumer("tempo", "tempo", "tempo.yaml", { storage: { trace: { backend: "local", local: { path: "/var/tempo" } } } }, "tempo-s3-credentials");
        assert.deepEqual(messages(verify(goodObjstore, ["thanos", "loki-chunks", "loki-ruler"], [loki(), local])), [
            "ConfigMap monitoring/tempo key tempo.yaml (release tempo): no S3 client (storage.trace.s3), so traces would stay on local disks instead of the object store",
        ]);
    });

    it("fails on credentials written into the config, or referenced from no Secret the stack writes", () => {
        const literal = loki({ access_key_id: "AKIAIOSFODNN7EXAMPLE" });
        const elsewhere = consumer("tempo", "tempo", "tempo.yaml", tempoConfig(), "someone-elses-secret");
        assert.deepEqual(messages(verify(goodObjstore, undefined, [literal, elsewhere])), [
            `${lokiAt} common.storage.s3.access_key_id: not a reference; expected \${VAR} read from the credentials Secret the stack writes`,
            "ConfigMap monitoring/tempo key tempo.yaml (release tempo) storage.trace.s3.access_key: ${TEMPO_S3_ACCESS_KEY_ID} is set from no Secret the stack writes, in the pods of release tempo",
            "ConfigMap monitoring/tempo key tempo.yaml (release tempo) storage.trace.s3.secret_key: ${TEMPO_S3_SECRET_ACCESS_KEY} is set from no Secret the stack writes, in the pods of release tempo",
        ]);
    });

    it("checks every bucket of Loki's comma-separated list", () => {
        const [message] = messages(verify(goodObjstore, undefined, [loki({ bucketnames: "loki-chunks,loki-elsewhere" }), tempo()]));
        assert.ok(message.startsWith(`bucket "loki-elsewhere" (${lokiAt} common.storage.s3.bucketnames) is not created by the object store`), message);
    });

    describe("external store", () => {
        const aws = { endpoint: "s3.eu-west-1.amazonaws.com", insecure: false };
        const s3Objstore = goodObjstore.replace("minio.storage.svc.cluster.local:9000", aws.endpoint).replace("insecure: true", "insecure: false").replace("bucket_lookup_type: path", "bucket_lookup_type: auto");
        const externalInput = (profile: string, tls = true, unsetSecretKeys: string[] = []) =>
            checkInput(
                stackModel({
                    profile,
                    objects: [secret("thanos-objstore", { "objstore.yml": s3Objstore }), ...credentialSecrets],
                    buckets: ["thanos", "loki-chunks", "loki-ruler", "tempo"],
                    objectStore: { type: "external", endpoint: aws.endpoint, tls, forcePathStyle: false, unsetSecretKeys },
                }),
                [loki({ ...aws, s3forcepathstyle: false }, { ...aws, s3forcepathstyle: false }), tempo({ ...aws, forcepathstyle: false })],
            );

        it("passes, and lists the buckets that must exist and the secrets still to set", () => {
            const result = checkObjectStorage(externalInput("prod", true, ["lgtm:objectStorageAccessKeyId"]));
            assert.deepEqual(messages(result), []);
            assert.deepEqual(messages(result, "info"), [
                "external object store https://s3.eu-west-1.amazonaws.com: the stack creates no bucket; these must exist: loki-chunks, loki-ruler, tempo, thanos",
                "not set in the stack file yet, verified with stand-ins (pulumi up refuses to start without them): lgtm:objectStorageAccessKeyId",
            ]);
        });

        it("fails in prod without TLS, and when consumers disagree with the store", () => {
            const errors = messages(checkObjectStorage(externalInput("prod", false)));
            assert.ok(errors.includes("the external object store s3.eu-west-1.amazonaws.com is reached without TLS in a prod stack: credentials and data would cross the network in clear text"), errors.join("\n"));
            assert.ok(errors.some((m) => /release tempo\) .*insecure is false, but the object store speaks plain HTTP/.test(m)));
        });

        it("names a bucket the store does not have as missing from the external store", () => {
            const input = externalInput("dev");
            input.model.buckets = ["thanos", "loki-chunks", "loki-ruler", "tempo-traces"];
            assert.match(messages(checkObjectStorage(input))[0], /bucket "tempo" \(.*\) is not one of the external object store's buckets; it has: loki-chunks, loki-ruler, tempo-traces, thanos$/);
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
        assert.match(message, /bucket "tempo" \(ConfigMap monitoring\/tempo key tempo\.yaml \(release tempo\) storage\.trace\.s3\.bucket\) is not created by the object store/);
        assert.match(message, /it creates: loki-chunks, loki-ruler, tempo-traces, thanos/);
    });
});
