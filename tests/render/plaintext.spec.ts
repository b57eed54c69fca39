import { strict as assert } from "assert";
import { checkPlaintext, isLiteralCredential } from "../../tools/render/checks/plaintext";
import { K8sObject } from "../../tools/render/types";
import { checkInput, configMap, container, deployment, messages, release, stackModel } from "./fixtures";

const rootPassword = "s3cr3t-Root-Password-42";

function verify(objects: K8sObject[]) {
    const model = stackModel({ releases: [release("app")], secretValues: [rootPassword, "admin"] });
    return checkPlaintext(checkInput(model, [{ release: release("app"), objects }]));
}

describe("render check: plaintext", () => {
    it("passes when credentials only appear as references", () => {
        const config = configMap("loki", {
            "config.yaml": "storage:\n  s3:\n    access_key_id: ${LOKI_S3_ACCESS_KEY_ID}\n    secret_access_key: ${LOKI_S3_SECRET_ACCESS_KEY}\n    password_file: /etc/secret/pw\n",
            "grafana.ini": "[security]\nadmin_user = admin_from_env\nadmin_password = $__file{/etc/secrets/admin-password}\ndisable_gravatar = true\n",
        });
        const pod = deployment("app", {
            containers: [
                container("app", {
                    args: ["-config.expand-env=true", "--objstore.config-file=/conf/objstore.yml", "--secret-name=my-secret"],
                    env: [
                        { name: "ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
                        { name: "TOKEN_FILE", value: "/var/run/token" },
                        { name: "API_TOKEN", value: "$(TOKEN_FROM_SECRET)" },
                    ],
                }),
            ],
        });
        assert.deepEqual(messages(verify([config, pod])), []);
    });

    it("fails on a plaintext password in a ConfigMap, and on a known secret value in one", () => {
        const errors = messages(verify([configMap("leaky", { "app.ini": "[db]\npassword = hunter2hunter2\n", "objstore.yml": `secret_key: ${rootPassword}\n` })]));
        assert.ok(
            errors.some((m) => /ConfigMap monitoring\/leaky \(release app\) key app\.ini: "password" has a literal value/.test(m)),
            errors.join("\n"),
        );
        assert.ok(
            errors.some((m) => /key objstore\.yml contains the value of a known secret in plaintext/.test(m)),
            errors.join("\n"),
        );
        assert.ok(!errors.some((m) => m.includes(rootPassword)), "the secret itself is never printed");
    });

    it("fails on a literal credential in an env value or in args", () => {
        const pod = deployment("app", {
            containers: [container("app", { env: [{ name: "MINIO_ROOT_PASSWORD", value: "minio123" }], args: [`--s3.secret-key=${rootPassword}`] })],
        });
        const errors = messages(verify([pod]));
        assert.ok(
            errors.some((m) => /container "app" env MINIO_ROOT_PASSWORD: "MINIO_ROOT_PASSWORD" has a literal value/.test(m)),
            errors.join("\n"),
        );
        assert.ok(
            errors.some((m) => /container "app" args contains the value of a known secret/.test(m)),
            errors.join("\n"),
        );
    });

    it("tells references, paths, switches and durations from literals", () => {
        for (const value of ["${X}", "$(X)", "/etc/x", "true", "30s", "1h30m", "42", "", "https://auth.example.com/token"]) assert.equal(isLiteralCredential(value), false, value);
        for (const value of ["hunter2", "minio123", "https://user:pw@host"]) assert.equal(isLiteralCredential(value), true, value);
    });
});
