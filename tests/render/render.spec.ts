import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertStackModel } from "../../tools/render/model";
import { renderAndVerify, verifyModel } from "../../tools/render/render";
import { formatReport, summaryLine } from "../../tools/render/report";
import { container, deployment, release, secret, service, stackModel } from "./fixtures";

/** A stand-in for helm: answers `version`, and `template` with a fixed Service and Deployment. */
const fakeHelm = `#!/bin/sh
if [ "$1" = "version" ]; then echo "v3.15.0+gfake"; exit 0; fi
if [ "$1" = "template" ]; then
cat <<YAML
---
apiVersion: v1
kind: Service
metadata:
  name: $2
spec:
  ports:
    - name: http
      port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $2
spec:
  selector:
    matchLabels: {app: $2}
  template:
    metadata:
      labels: {app: $2}
    spec:
      containers:
        - name: app
          image: example/app:1.0
          env:
            - name: PASSWORD
              valueFrom: {secretKeyRef: {name: app-admin, key: password}}
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 20m, memory: 32Mi}}
YAML
exit 0; fi
echo "unexpected: $*" >&2; exit 1
`;

describe("render: renderAndVerify", () => {
    it("renders with helm, writes masked manifests and an index, and reports", async function () {
        if (process.platform === "win32") this.skip();
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-render-e2e-"));
        const helm = path.join(work, "helm");
        fs.writeFileSync(helm, fakeHelm, { mode: 0o755 });
        fs.mkdirSync(path.join(work, "charts", "app", "1.0.0"), { recursive: true });
        fs.writeFileSync(path.join(work, "charts", "app", "1.0.0", "Chart.yaml"), "apiVersion: v2\nname: app\nversion: 1.0.0\n");
        fs.writeFileSync(path.join(work, "charts", "app", "1.0.0", "values.yaml"), 'replicas: 1\nurl: ""\n');

        const model = stackModel({
            releases: [release("app", { replicas: 1, url: "http://app.monitoring.svc.cluster.local" })],
            objects: [secret("app-admin", { password: "Correct-Horse-Battery" })],
            secretValues: ["Correct-Horse-Battery"],
        });
        const outDir = path.join(work, "out");
        const kubeSchemasDir = path.join(work, "no-schemas");
        const outcome = await renderAndVerify(model, { helmBin: helm, chartsDir: path.join(work, "charts"), outDir, cacheDir: path.join(work, "cache"), kubeSchemasDir });

        assert.equal(outcome.ok, true, outcome.report);
        assert.match(outcome.report, /WARN {2}no Kubernetes schemas in .*no-schemas: objects not validated/);
        assert.match(outcome.report, /verify dev: 15 checks, 0 errors, 1 warnings\n$/);
        const files = fs.readdirSync(path.join(outDir, "dev")).sort();
        assert.deepEqual(files, ["app.yaml", "index.md", "program-objects.yaml", "verify.txt"]);
        assert.match(fs.readFileSync(path.join(outDir, "dev", "index.md"), "utf8"), /\| app \| app \| 1\.0\.0 \| https:\/\/charts\.example\.com \| monitoring \| 2 \| Deployment 1, Service 1 \|/);
        const program = fs.readFileSync(path.join(outDir, "dev", "program-objects.yaml"), "utf8");
        assert.ok(program.includes("password: <masked>") && !program.includes("Correct-Horse-Battery"));
    });
});

describe("render: report", () => {
    it("prints one section per check and the summary line", () => {
        const model = stackModel({ releases: [release("app", { url: "http://missing.monitoring.svc" })] });
        const objects = [service("app", [["http", 80]]), deployment("app", { containers: [container("app")] })];
        const results = verifyModel(model, [{ release: model.releases[0], objects }], new Map());
        assert.equal(summaryLine("dev", results), "verify dev: 15 checks, 1 errors, 2 warnings");
        const report = formatReport("dev", results);
        assert.match(report, /^\[ok\] render: 1 of 1 release\(s\) rendered, 2 object\(s\)$/m);
        assert.match(report, /^\[FAIL\] addresses: 1 error\(s\), 0 warning\(s\); /m);
        assert.match(report, /^ {4}ERROR "http:\/\/missing\.monitoring\.svc" \(release app values url\): no Service "missing"/m);
        assert.match(report, /^ {4}WARN {2}release app: chart app 1\.0\.0 not loaded; values not checked$/m);
        assert.match(report, /^ {4}total\s+1\s+100m/m);
    });
});

describe("render: stack model", () => {
    it("accepts a well-formed model and explains a malformed one", () => {
        assert.doesNotThrow(() => assertStackModel(stackModel({ releases: [release("app")] })));
        const broken = { ...stackModel(), releases: [{ ...release("app"), namespace: undefined }] };
        assert.throws(() => assertStackModel(broken), /invalid stack model:[\s\S]*releases\[0\]\.namespace/);
        assert.throws(() => assertStackModel(stackModel({ releases: [release("app"), release("app")] })), /release name "app" is used twice/);
    });
});
