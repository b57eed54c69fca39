import { strict as assert } from "assert";
import { CheckResult } from "../tools/render/checks/types";
import { collectStack } from "../tools/render/collect";
import { podTemplateOf, selectorMatches, workloadsOf } from "../tools/render/objects";
import { renderAndVerify, VerifyOutcome } from "../tools/render/render";
import { configAssignments, readStackConfig } from "../tools/render/stackConfig";
import { K8sObject } from "../tools/render/types";
import { chartsDir, chartsUnavailable, projectDir } from "./support/charts";
import { docPage, kubectlReferences } from "./support/readme";
import { readmeSizingRows, rowRates } from "./support/readmeSizing";

describe("render + verify against the pinned charts", function () {
    this.timeout(120_000);
    const renderedObjects = new Map<string, Map<string, K8sObject[]>>();
    const checkResults = new Map<string, CheckResult[]>();
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every check passes`, async function () {
            const reason = chartsUnavailable();
            if (reason) {
                console.log(`      skipped render + verify of ${stack}: ${reason}`);
                this.skip();
            }
            const { ok, report, rendered, results } = await renderAndVerify(await collectStack(projectDir, stack), { chartsDir });
            renderedObjects.set(stack, new Map(rendered.map((r) => [r.release.releaseName, r.objects])));
            checkResults.set(stack, results);
            assert.ok(ok, report);
        });
    }
    it("prod with two Grafanas on an external database and a cert-manager issuer: the checks it touches pass", async function () {
        const reason = chartsUnavailable();
        if (reason) {
            console.log(`      skipped render + verify of prod with Grafana HA: ${reason}`);
            this.skip();
        }
        const grafana = {
            ingress: { enabled: true, host: "grafana.example.com", className: "nginx", issuer: { kind: "ClusterIssuer", name: "letsencrypt-prod" } },
            replicas: 2,
            database: { type: "postgres", host: "grafana-db.example.com:5432", name: "grafana", user: "grafana" },
        };
        const model = await collectStack(projectDir, "prod", { grafana: JSON.stringify(grafana) });
        assert.ok(model.objectStore.unsetSecretKeys.includes("lgtm:grafanaDatabasePassword"), "the password got a stand-in");
        const { results, report, rendered } = await renderAndVerify(model, { chartsDir });
        const touched = ["render", "kubeSchema", "addresses", "references", "values", "singletons", "durableState", "disruption", "podSecurity", "plaintext"];
        for (const name of touched) {
            const result = results.find((r) => r.name === name);
            assert.ok(result, `no ${name} check in the report`);
            assert.deepEqual(
                result.findings.filter((f) => f.severity === "error"),
                [],
                `${name}:\n${report}`,
            );
        }
        assert.match(report, /EXTERNAL Grafana database and plugins: release grafana keeps it in its postgres database/);
        const objects = rendered.find((r) => r.release.releaseName === "grafana")!.objects;
        const kinds = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.spec as any);
        assert.deepEqual(
            kinds("Deployment").map((d) => d.replicas),
            [2],
            "the disruption check judged two Grafanas",
        );
        assert.deepEqual(
            kinds("PodDisruptionBudget").map((p) => p.maxUnavailable),
            [1],
        );
    });
    it("prod with three zones: zone-aware ingesters pinned to them, and no check fails that passes without zones", async function () {
        const reason = chartsUnavailable();
        if (reason) {
            console.log(`      skipped render + verify of prod with zones: ${reason}`);
            this.skip();
        }
        const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
        const zoned = await renderAndVerify(await collectStack(projectDir, "prod", { zones: JSON.stringify(zones) }), { chartsDir });
        const plain = await renderAndVerify(await collectStack(projectDir, "prod"), { chartsDir });
        // Compared with prod without zones, so that a check failing for both (judged by the test above) does not hide one zones break.
        const failing = (o: VerifyOutcome) => o.results.filter((r) => r.findings.some((f) => f.severity === "error")).map((r) => r.name);
        assert.deepEqual(failing(zoned), failing(plain), zoned.report);

        const objects = zoned.rendered.find((r) => r.release.releaseName === "loki")!.objects;
        const ingesters = objects.filter((o) => o.kind === "StatefulSet" && o.metadata.name.startsWith("loki-ingester"));
        assert.deepEqual(
            ingesters.map((o) => o.metadata.name),
            ["loki-ingester-zone-a", "loki-ingester-zone-b", "loki-ingester-zone-c"],
        );
        assert.deepEqual(
            ingesters.map((o: any) => o.spec.template.spec.nodeSelector),
            zones.map((zone) => ({ "topology.kubernetes.io/zone": zone })),
        );
        assert.deepEqual(
            ingesters.map((o: any) => [o.spec.replicas, o.spec.updateStrategy.type]),
            [
                [1, "OnDelete"],
                [1, "OnDelete"],
                [1, "OnDelete"],
            ],
        );
        assert.ok(
            objects.some((o) => o.kind === "Deployment" && o.metadata.name === "loki-rollout-operator"),
            "the rollout-operator restarts the zones",
        );
        const budgets = objects.filter((o: any) => o.kind === "PodDisruptionBudget" && o.spec.selector.matchLabels["app.kubernetes.io/component"] === "ingester");
        assert.deepEqual(
            budgets.map((o: any) => [o.metadata.name, o.spec.maxUnavailable]),
            [["loki-ingester-rollout", 1]],
        );

        // Every other workload of several pods spreads over the zones, selecting its own pods.
        const replicated = workloadsOf(zoned.rendered).filter((w) => !w.runsToCompletion && w.template.replicas > 1);
        assert.ok(replicated.length >= 13, `${replicated.length} replicated workloads: Prometheus, Alertmanager, 4 of Thanos, 7 of Loki`);
        for (const w of replicated) {
            const constraints: any[] = (w.template.spec as any).topologySpreadConstraints ?? [];
            assert.ok(
                constraints.some((c) => c.topologyKey === "topology.kubernetes.io/zone" && selectorMatches(c.labelSelector, w.labels)),
                `${w.name}: no topology spread over zones selecting its pods (${JSON.stringify(constraints)})`,
            );
        }

        const unzoned = plain.rendered.find((r) => r.release.releaseName === "loki")!.objects;
        assert.deepEqual(
            unzoned.filter((o) => o.kind === "StatefulSet" && o.metadata.name.startsWith("loki-ingester")).map((o: any) => [o.metadata.name, o.spec.replicas]),
            [["loki-ingester", 3]],
        );
        assert.ok(!unzoned.some((o) => o.metadata.name === "loki-rollout-operator"));
    });
    it("dev with the demo: every check passes, the demo's workloads inside the dev budget", async function () {
        const reason = chartsUnavailable();
        if (reason) {
            console.log(`      skipped render + verify of dev with the demo: ${reason}`);
            this.skip();
        }
        const model = await collectStack(projectDir, "dev", { demo: JSON.stringify({ enabled: true }) });
        assert.ok(
            model.objects.some((o) => o.kind === "Deployment" && o.metadata.name === "hotrod"),
            "the demo's objects are collected",
        );
        const { ok, report } = await renderAndVerify(model, { chartsDir });
        assert.ok(ok, report);
        assert.match(report, /\(program\)\s+3\s/, "the demo's three pods are counted in the footprint");
    });

    it("prod collecting beyond the platform: every check passes, and Prometheus selects the ScrapeConfigs and Probes", async function () {
        const reason = chartsUnavailable();
        if (reason) {
            console.log(`      skipped render + verify of prod with scrape targets, probes and the Pushgateway: ${reason}`);
            this.skip();
        }
        const model = await collectStack(projectDir, "prod", {
            scrapeTargets: JSON.stringify([
                { name: "lab-servers", targets: ["10.0.0.5:9100"], labels: { team: "payments" }, interval: "1m" },
                {
                    name: "appliances",
                    targets: ["switch-1.lab.example.com:9116"],
                    cidrs: ["10.30.0.0/24"],
                    scheme: "https",
                    tls: { caSecret: { name: "lab-ca", key: "ca.crt" }, serverName: "lab.example.com", insecureSkipVerify: false },
                    basicAuth: { secretName: "lab-scrape", usernameKey: "username", passwordKey: "password" },
                },
            ]),
            probes: JSON.stringify([
                { name: "website", module: "http", targets: ["https://www.example.com/health"], cidrs: ["203.0.113.0/24"], labels: { team: "web" } },
                { name: "gateway-ping", module: "icmp", targets: ["192.0.2.1"] },
            ]),
            pushgateway: JSON.stringify({ enabled: true, clientNamespaces: ["batch-jobs"] }),
        });
        // kubeSchema checks the ScrapeConfigs and Probes against the CRDs the stack renders; podSecurity the exporter's sysctl.
        const { ok, report, rendered } = await renderAndVerify(model, { chartsDir });
        assert.ok(ok, report);
        const prometheus = rendered.find((r) => r.release.releaseName === "kps")!.objects.find((o) => o.kind === "Prometheus")!.spec as Record<string, unknown>;
        const namespaceLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });
        for (const [kind, selector, namespaceSelector] of [
            ["ScrapeConfig", "scrapeConfigSelector", "scrapeConfigNamespaceSelector"],
            ["Probe", "probeSelector", "probeNamespaceSelector"],
        ]) {
            const objects = model.objects.filter((o) => o.kind === kind);
            assert.equal(objects.length, 2, kind);
            for (const o of objects) {
                // Without a selector Prometheus selects none; without a namespace selector, its own namespace only.
                assert.ok(selectorMatches(prometheus[selector], o.metadata.labels ?? {}), `${selector} selects ${kind} ${o.metadata.name}`);
                const ns = o.metadata.namespace!;
                assert.ok(prometheus[namespaceSelector] === undefined ? ns === "monitoring" : selectorMatches(prometheus[namespaceSelector], namespaceLabels(ns)), `${namespaceSelector} selects ${ns}`);
            }
        }
        const exporter = rendered.find((r) => r.release.releaseName === "blackbox-exporter")!.objects.find((o) => o.kind === "Deployment") as any;
        assert.deepEqual(exporter.spec.template.spec.securityContext.sysctls, [{ name: "net.ipv4.ping_group_range", value: "1000 1000" }]);
        const pushgateway = rendered.find((r) => r.release.releaseName === "pushgateway")!.objects;
        assert.deepEqual(
            pushgateway.filter((o) => o.kind === "ServiceMonitor").map((o: any) => [o.metadata.namespace, o.spec.endpoints.map((e: any) => e.honorLabels)]),
            [["monitoring", [true]]],
        );
        assert.ok(
            pushgateway.some((o) => o.kind === "PersistentVolumeClaim"),
            "prod keeps pushed groups on a volume",
        );
        assert.match(report, /PVC +Pushgateway pushed groups: release pushgateway: Deployment monitoring\/pushgateway: container "pushgateway" \/data on PersistentVolumeClaim "pushgateway"/);
    });

    // The sizing table's totals (docs/prod.md) are measured, not computed: the default row against the prod render above,
    // the largest row against a render at its rates (rows in between come from the same resources).
    it("docs/prod.md's sizing table: the default and the largest row total what a render measures; scaled up, prod stays disruption-safe", async function () {
        const reason = chartsUnavailable();
        const measured = checkResults.get("prod");
        if (reason || !measured) {
            console.log(`      skipped the sizing table's totals: ${reason ?? "the prod stack was not rendered"}`);
            this.skip();
        }
        const rows = readmeSizingRows();
        const footprint = (results: CheckResult[]) => {
            const summary = results.find((r) => r.name === "footprint")!.summary;
            const [, pods, millicores, gibibytes] = /(\d+) steady-state pod\(s\) request (\d+)m CPU and ([\d.]+)Gi/.exec(summary) ?? [];
            return { pods: Number(pods), cpu: Number(millicores) / 1000, memory: `${gibibytes} GiB` };
        };
        const inReadme = (row: Record<string, string>) => ({ pods: Number(row.pods), cpu: Number(row["CPU requested"]), memory: row["memory requested"] });
        assert.deepEqual(inReadme(rows[0]), footprint(measured), "the sizing table's default row");

        const largest = rows[rows.length - 1];
        const { logs, spans } = rowRates(largest);
        const overrides = configAssignments(readStackConfig(projectDir, "prod").raw, [`loki.expectedIngestMBps=${logs}`, `tempo.expectedIngestMBps=${spans}`]);
        const { results, report } = await renderAndVerify(await collectStack(projectDir, "prod", overrides), { chartsDir });
        assert.deepEqual(inReadme(largest), footprint(results), `the sizing table's row for ${logs} and ${spans} MB/s`);
        // The checks replica counts can break: more pods need budgets and spread, never a second compactor.
        for (const name of ["render", "disruption", "singletons", "durableState", "footprint"]) {
            const result = results.find((r) => r.name === name)!;
            assert.ok(!result.findings.some((f) => f.severity === "error"), `${name} at ${logs}/${spans} MB/s:\n${report}`);
        }
    });

    // What the chart makes of our values, not what we asked for: its affinity and PDB templates decide.
    it("prod: rendered tempo-distributed is replicated, disruption-safe, restricted, with its WALs on volumes", function () {
        const objects = renderedObjects.get("prod")?.get("tempo");
        if (!objects) {
            console.log("      skipped rendered tempo-distributed checks: the prod stack was not rendered");
            this.skip();
        }
        const workloads = objects.filter((o) => podTemplateOf(o) && o.kind !== "Job");
        const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget");
        const name = (o: K8sObject) => o.metadata.name;
        assert.deepEqual(workloads.map(name).sort(), ["tempo-compactor", "tempo-distributor", "tempo-ingester", "tempo-memcached", "tempo-metrics-generator", "tempo-querier", "tempo-query-frontend"]);
        for (const workload of workloads) {
            const spec = workload.spec as any;
            const pod = spec.template.spec;
            const labels = spec.selector.matchLabels;
            if (spec.replicas > 1) {
                const pdb = pdbs.find((p) => JSON.stringify((p.spec as any).selector.matchLabels) === JSON.stringify(labels));
                assert.equal((pdb?.spec as any)?.maxUnavailable, 1, `${name(workload)}: PDB with maxUnavailable 1`);
                const anti = pod.affinity?.podAntiAffinity ?? {};
                const terms = [...(anti.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(anti.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: any) => t.podAffinityTerm)];
                assert.ok(
                    terms.some((t: any) => t.topologyKey === "kubernetes.io/hostname" && JSON.stringify(t.labelSelector.matchLabels) === JSON.stringify(labels)),
                    `${name(workload)}: hostname anti-affinity`,
                );
            }
            assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" }, name(workload));
            assert.equal(pod.securityContext.runAsNonRoot, true, name(workload));
            for (const c of pod.containers) {
                assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${name(workload)}/${c.name}`);
                assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], `${name(workload)}/${c.name}`);
                assert.ok(c.resources.requests && c.resources.limits, `${name(workload)}/${c.name} sized`);
            }
        }
        const ingester = workloads.find((w) => name(w) === "tempo-ingester")!.spec as any;
        assert.equal(ingester.replicas, 3);
        assert.deepEqual(
            ingester.volumeClaimTemplates.map((v: any) => v.metadata.name),
            ["data"],
        );
        const generator = workloads.find((w) => name(w) === "tempo-metrics-generator")!.spec as any;
        assert.deepEqual(
            generator.volumeClaimTemplates.map((v: any) => v.metadata.name),
            ["wal"],
        );
        for (const w of [ingester, generator]) assert.ok(!w.template.spec.volumes.some((v: any) => v.emptyDir && ["data", "wal"].includes(v.name)), "WAL not on an emptyDir");
        const monitored = objects
            .filter((o) => o.kind === "ServiceMonitor")
            .map(name)
            .sort();
        assert.deepEqual(monitored, ["tempo-compactor", "tempo-distributor", "tempo-ingester", "tempo-metrics-generator", "tempo-querier", "tempo-query-frontend"]);
    });

    // The backup runbook scales, restarts and port-forwards these by name: they must be what the charts render.
    it("docs/backup.md (Backup and restore) names workloads, Services and claims the dev or prod render has", function () {
        if (renderedObjects.size < 2) {
            console.log("      skipped the runbook's names: dev and prod were not both rendered");
            this.skip();
        }
        const rendered = new Set<string>();
        for (const releases of renderedObjects.values()) {
            for (const object of [...releases.values()].flat()) {
                rendered.add(`${object.kind}/${object.metadata.name}`);
                // The operator names the StatefulSets of these resources after them.
                if (object.kind === "Prometheus" || object.kind === "Alertmanager") rendered.add(`StatefulSet/${object.kind.toLowerCase()}-${object.metadata.name}`);
            }
        }
        const section = docPage("backup.md");
        const named = kubectlReferences(section).filter((r) => r.kind !== "Secret");
        assert.ok(named.length >= 8, `found only ${named.map((r) => r.name).join(", ")}`);
        assert.deepEqual(
            named.map((r) => `${r.kind}/${r.name}`).filter((ref) => !rendered.has(ref)),
            [],
        );
    });
});
