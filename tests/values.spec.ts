import { strict as assert } from "assert";
import { parse } from "yaml";
import { spreadValues } from "../components/availability";
import { alertingHighAvailability, buildDatasources, buildGrafanaValues, datasourceUids, externalUrl, grafanaGossipPort } from "../components/grafana";
import { certManagerAnnotations, tlsSecretName } from "../components/ingress";
import { lokiIngestLimits, tempoIngestLimits } from "../components/ingestLimits";
import { buildLokiValues, lokiZoneValues, LokiValuesInput } from "../components/loki";
import { cacheValues } from "../components/memcached";
import { buildMetricsValues } from "../components/metrics";
import { restrictedContainer } from "../components/podSecurity";
import { buildMinioValues } from "../components/minio";
import { buildTempoValues } from "../components/tempo";
import { buildTempoDistributedValues, TempoDistributedValuesInput } from "../components/tempoDistributed";
import { buildAlertmanagersConfig, buildMetaMonitoringRules, buildThanosValues } from "../components/thanos";
import { buildThanosObjstoreConfig } from "../components/thanosObjstore";
import { parsePlatformConfig } from "../stacks/config";
import { profileSizing } from "../stacks/profiles";
import { evaluatePlatform } from "../tools/render/evaluate";

const dev = profileSizing("dev");
const prod = profileSizing("prod");
const off = { enabled: false, size: "1Gi" };
const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
/** The zone spread a workload gets with zones: preferred, even to one pod, over its own pods. */
const overZones = (matchLabels: Record<string, string>) => [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels } }];
const get = (o: any, path: string) => path.split(".").reduce((n, k) => (n === undefined ? undefined : n[k]), o);

describe("MinIO values", () => {
    const values = buildMinioValues({
        releaseName: "minio",
        mode: "standalone",
        replicas: 4,
        bucketNames: ["a-b", "c-d"],
        versioning: false,
        persistence: { enabled: true, size: "20Gi", storageClass: "fast" },
        resources: dev.minio.server,
        jobResources: dev.minio.jobs,
        credentialsSecretName: "minio-root-credentials",
        zones: [],
    });
    it("runs the server and every hook Job as Pod Security restricted requires", () => {
        assert.deepEqual(get(values, "securityContext"), {
            enabled: true,
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
            fsGroupChangePolicy: "OnRootMismatch",
        });
        assert.equal(get(values, "containerSecurityContext.allowPrivilegeEscalation"), false);
        assert.deepEqual(get(values, "containerSecurityContext.capabilities"), { drop: ["ALL"] });
        assert.equal(get(values, "postJob.securityContext.seccompProfile.type"), "RuntimeDefault");
        for (const job of ["makeBucketJob", "makePolicyJob", "makeUserJob", "makeServiceAccountJob", "customCommandJob"]) {
            assert.equal(get(values, `${job}.securityContext.enabled`), true, job);
            assert.deepEqual(get(values, `${job}.containerSecurityContext`), restrictedContainer, job);
        }
    });
    it("takes root credentials only from the existing Secret and creates no default user", () => {
        assert.equal(values.existingSecret, "minio-root-credentials");
        assert.equal((values as any).rootUser, undefined);
        assert.equal((values as any).rootPassword, undefined);
        assert.deepEqual(values.users, []);
    });
    it("creates one bucket per consumer, and pins its name and port", () => {
        assert.deepEqual(
            (values.buckets as any[]).map((b) => b.name),
            ["a-b", "c-d"],
        );
        assert.equal(values.fullnameOverride, "minio");
        assert.equal(get(values, "service.port"), "9000");
    });
    it("runs one pod in standalone mode whatever the replica count", () => {
        assert.equal(values.replicas, 1);
        assert.equal(get(values, "persistence.storageClass"), "fast");
        assert.equal(values.podDisruptionBudget, undefined);
    });
    it("distributed: one pool of erasure-coded pods, a volume each, versioned buckets, one pod down at a time, spread over nodes", () => {
        const d = buildMinioValues({
            releaseName: "minio",
            mode: "distributed",
            replicas: 4,
            bucketNames: ["a-b", "c-d"],
            versioning: true,
            persistence: { enabled: true, size: "100Gi" },
            resources: prod.minio.server,
            jobResources: prod.minio.jobs,
            credentialsSecretName: "minio-root-credentials",
            zones: [],
        });
        assert.equal(d.mode, "distributed");
        assert.equal(d.replicas, 4);
        assert.equal(d.pools, 1);
        assert.equal(d.drivesPerNode, 1);
        assert.deepEqual(d.persistence, { enabled: true, size: "100Gi" });
        assert.deepEqual(
            (d.buckets as any[]).map((b) => b.versioning),
            [true, true],
        );
        assert.deepEqual(d.podDisruptionBudget, { enabled: true, maxUnavailable: 1 });
        const [spread, ...more] = d.topologySpreadConstraints as any[];
        assert.equal(spread.topologyKey, "kubernetes.io/hostname");
        assert.deepEqual(spread.labelSelector, { matchLabels: { release: "minio" } });
        assert.deepEqual(more, [], "no zones, no spread over them");
        const zoned = buildMinioValues({
            releaseName: "minio",
            mode: "distributed",
            replicas: 4,
            bucketNames: ["a-b"],
            versioning: true,
            persistence: { enabled: true, size: "1Gi" },
            resources: prod.minio.server,
            jobResources: prod.minio.jobs,
            credentialsSecretName: "c",
            zones,
        });
        assert.deepEqual((zoned.topologySpreadConstraints as any[]).slice(1), overZones({ release: "minio" }));
    });
});

describe("Thanos objstore document", () => {
    const settings = { bucket: "thanos-metrics", endpoint: "minio.storage.svc.cluster.local:9000", region: "us-east-1", tls: false, forcePathStyle: true, accessKey: "AK", secretKey: "SK" };
    it("uses only keys of Thanos' S3 client, endpoint without scheme", () => {
        const doc = parse(buildThanosObjstoreConfig(settings));
        assert.equal(doc.type, "S3");
        assert.deepEqual(Object.keys(doc.config).sort(), ["access_key", "bucket", "bucket_lookup_type", "endpoint", "insecure", "region", "secret_key"]);
        assert.equal(doc.config.insecure, true);
        assert.equal(doc.config.endpoint, "minio.storage.svc.cluster.local:9000");
        assert.equal(doc.config.bucket_lookup_type, "path");
    });
    it("for AWS S3: TLS, the regional endpoint, and the S3 client's own bucket addressing", () => {
        const doc = parse(buildThanosObjstoreConfig({ ...settings, endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", tls: true, forcePathStyle: false }));
        assert.deepEqual(
            { endpoint: doc.config.endpoint, region: doc.config.region, insecure: doc.config.insecure, lookup: doc.config.bucket_lookup_type, bucket: doc.config.bucket },
            { endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", insecure: false, lookup: "auto", bucket: "thanos-metrics" },
        );
    });
    it("refuses an endpoint with a scheme", () => {
        assert.throws(() => buildThanosObjstoreConfig({ ...settings, endpoint: "http://minio:9000" }), /without a scheme/);
    });
});

describe("kube-prometheus-stack values", () => {
    const c = parsePlatformConfig({});
    const input = {
        releaseName: "kps",
        clusterName: "dev",
        retention: "24h",
        retentionSize: "4GB",
        scrapeInterval: "30s",
        prometheusReplicas: 2,
        alertmanagerReplicas: 1,
        prometheusStorage: { enabled: true, size: c.metrics.volumeSize },
        alertmanagerStorage: off,
        sizing: dev.metrics,
        objstoreSecretName: "kps-thanos-objstore",
        agentsNamespace: "monitoring-agents",
        zones: [] as string[],
        nodeSpread: "required" as const,
    };
    const values = buildMetricsValues(input);
    const spec = (path: string) => get(values, `prometheus.prometheusSpec.${path}`);
    it("leaves CRDs to their own release and Grafana to ours, keeping its dashboards", () => {
        assert.equal(get(values, "crds.enabled"), false);
        assert.equal(get(values, "grafana.enabled"), false);
        assert.equal(get(values, "grafana.forceDeployDashboards"), true);
    });
    it("ships blocks through the sidecar with the objstore Secret", () => {
        assert.deepEqual(spec("thanos.objectStorageConfig.existingSecret"), { name: "kps-thanos-objstore", key: "objstore.yml" });
        assert.equal(get(values, "prometheus.thanosService.enabled"), true);
    });
    it("accepts remote write, keeps the admin API off and labels the cluster", () => {
        assert.equal(spec("enableRemoteWriteReceiver"), true);
        assert.equal(spec("enableAdminAPI"), false);
        assert.deepEqual(spec("externalLabels"), { cluster: "dev" });
        assert.equal(spec("replicaExternalLabelName"), "prometheus_replica");
    });
    it("selects monitors and rules from every namespace", () => {
        for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) assert.equal(spec(`${kind}SelectorNilUsesHelmValues`), false, kind);
        assert.deepEqual(spec("serviceMonitorNamespaceSelector"), {});
    });
    it("takes retention, size, interval and storage from config", () => {
        assert.equal(spec("retention"), "24h");
        assert.equal(spec("retentionSize"), "4GB");
        assert.equal(spec("scrapeInterval"), "30s");
        assert.equal(spec("replicas"), 2);
        assert.equal(spec("storageSpec.volumeClaimTemplate.spec.resources.requests.storage"), "5Gi");
        assert.equal(get(values, "alertmanager.alertmanagerSpec.storage"), undefined);
    });
    it("pins subchart names so their Services are stable", () => {
        assert.equal(get(values, "kube-state-metrics.fullnameOverride"), "kps-kube-state-metrics");
        assert.equal(get(values, "prometheus-node-exporter.fullnameOverride"), "kps-node-exporter");
    });
    it("puts node-exporter, which needs the host, in the agents namespace", () => {
        assert.equal(get(values, "prometheus-node-exporter.namespaceOverride"), "monitoring-agents");
    });
    it("keeps HA replicas on different nodes with at most one disrupted, and a single replica unconstrained", () => {
        assert.equal(spec("podAntiAffinity"), "hard");
        assert.equal(spec("podAntiAffinityTopologyKey"), "kubernetes.io/hostname");
        assert.deepEqual(get(values, "prometheus.podDisruptionBudget"), { enabled: true, minAvailable: 1 });
        assert.equal(get(values, "alertmanager.alertmanagerSpec.podAntiAffinity"), undefined);
        assert.equal(get(values, "alertmanager.podDisruptionBudget.enabled"), false);
        const three = buildMetricsValues({ ...input, alertmanagerReplicas: 3 });
        assert.deepEqual(get(three, "alertmanager.podDisruptionBudget"), { enabled: true, minAvailable: 2 });
        assert.equal(get(three, "alertmanager.alertmanagerSpec.podAntiAffinity"), "hard");
        assert.equal(get(three, "alertmanager.alertmanagerSpec.topologySpreadConstraints"), undefined, "no zones, no spread over them");
    });
    it("with zones, spreads Prometheus and Alertmanager replicas over them, selecting the pods as the operator labels them", () => {
        const zoned = buildMetricsValues({ ...input, alertmanagerReplicas: 3, zones });
        assert.deepEqual(get(zoned, "prometheus.prometheusSpec.topologySpreadConstraints"), overZones({ "app.kubernetes.io/name": "prometheus", prometheus: "kps-prometheus" }));
        assert.deepEqual(get(zoned, "alertmanager.alertmanagerSpec.topologySpreadConstraints"), overZones({ "app.kubernetes.io/name": "alertmanager", alertmanager: "kps-alertmanager" }));
        assert.equal(get(zoned, "prometheus.prometheusSpec.podAntiAffinity"), "hard", "one per node stays the rule");
        const single = buildMetricsValues({ ...input, prometheusReplicas: 1, zones });
        assert.equal(get(single, "prometheus.prometheusSpec.topologySpreadConstraints"), undefined, "a single pod has nothing to spread");
    });
});

describe("replicas on a node of their own: required in prod, preferred in dev", () => {
    const labels = { app: "x" };
    it("prod keeps replicas on different nodes or leaves one Pending; dev spreads them when it can and shares a node otherwise", () => {
        assert.equal(profileSizing("prod").nodeSpread, "required");
        assert.equal(profileSizing("dev").nodeSpread, "preferred");
        const term = { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: labels } };
        assert.deepEqual(spreadValues(2, labels, [], "required").affinity, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } });
        assert.deepEqual(spreadValues(2, labels, [], "preferred").affinity, {
            podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
        });
        assert.deepEqual(spreadValues(1, labels, [], "required"), {}, "a single pod needs no rule");
    });
    it("the dev stack with two Thanos queriers, two Prometheuses and two Grafanas gives every one of them the preferred rule", async () => {
        const evaluation = await evaluatePlatform({
            thanos: JSON.stringify({ queryReplicas: 2 }),
            metrics: JSON.stringify({ prometheusReplicas: 2 }),
            grafana: JSON.stringify({ replicas: 2, database: { type: "postgres", host: "db.example.com", name: "grafana", user: "grafana" } }),
            grafanaDatabasePassword: "a-database-password",
        });
        const values = (name: string) => evaluation.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === name)?.inputs.values as any;
        assert.ok(get(values("thanos"), "query.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution"));
        assert.equal(get(values("thanos"), "query.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution"), undefined);
        assert.equal(get(values("kps"), "prometheus.prometheusSpec.podAntiAffinity"), "soft");
        assert.ok(get(values("grafana"), "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution"));
    });
});

describe("Thanos values", () => {
    const input = {
        releaseName: "thanos",
        objstoreSecretName: "thanos-objstore",
        sidecarEndpoint: "dnssrv+_grpc._tcp.kps-thanos-discovery.m.svc.cluster.local",
        alertmanagerUrl: "http://kps-alertmanager.m.svc.cluster.local:9093",
        prometheusJob: "kps-prometheus",
        prometheusNamespace: "m",
        retention: { raw: "7d", fiveMinutes: "30d", oneHour: "90d" },
        queryReplicas: 2,
        queryFrontendReplicas: 1,
        storeGatewayReplicas: 2,
        rulerReplicas: 1,
        persistence: off,
        sizing: dev.thanos,
        zones: [] as string[],
        nodeSpread: "required" as const,
    };
    const values = buildThanosValues(input);
    it("reads the objstore Secret and queries the sidecars, deduplicating HA pairs", () => {
        assert.deepEqual(values.objstoreConfig, { create: false, name: "thanos-objstore", key: "objstore.yml" });
        assert.deepEqual(values.additionalEndpoints, ["dnssrv+_grpc._tcp.kps-thanos-discovery.m.svc.cluster.local"]);
        assert.deepEqual(values.additionalReplicaLabels, ["prometheus_replica"]);
    });
    it("runs query-frontend, store gateway, compactor with per-resolution retention, and ruler", () => {
        assert.equal(get(values, "queryFrontend.enabled"), true);
        assert.equal(get(values, "storeGateway.replicas"), 2);
        assert.deepEqual(get(values, "compact.extraArgs"), ["--retention.resolution-raw=7d", "--retention.resolution-5m=30d", "--retention.resolution-1h=90d"]);
        assert.equal(get(values, "rule.enabled"), true);
    });
    it("spreads multi-replica components over nodes, with a disruption budget", () => {
        const term = get(values, "query.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")[0];
        assert.equal(term.topologyKey, "kubernetes.io/hostname");
        assert.deepEqual(term.labelSelector.matchLabels, { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/instance": "thanos", "app.kubernetes.io/component": "query" });
        assert.deepEqual(get(values, "storeGateway.podDisruptionBudget"), { enabled: true, maxUnavailable: 1 });
        assert.equal(get(values, "queryFrontend.affinity"), undefined);
        assert.equal(get(values, "queryFrontend.podDisruptionBudget.enabled"), false);
        assert.equal(get(values, "compact.replicas"), undefined, "the chart hard-codes one compactor");
        assert.equal(get(values, "query.topologySpreadConstraints"), undefined, "no zones, no spread over them");
    });
    it("with zones, spreads multi-replica components over them as well", () => {
        const zoned = buildThanosValues({ ...input, zones });
        assert.deepEqual(get(zoned, "query.topologySpreadConstraints"), overZones({ "app.kubernetes.io/name": "thanos", "app.kubernetes.io/instance": "thanos", "app.kubernetes.io/component": "query" }));
        assert.equal(get(zoned, "query.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.0.topologyKey"), "kubernetes.io/hostname");
        assert.equal(get(zoned, "queryFrontend.topologySpreadConstraints"), undefined, "one replica");
    });
    it("rolls the ruler when its rules change, instead of a reloader without a security context", () => {
        assert.equal(get(values, "rule.configReloader.enabled"), false);
        const other = buildThanosValues({ ...input, prometheusJob: "other" });
        assert.match(get(values, "rule.podAnnotations")["checksum/rules"], /^[0-9a-f]{64}$/);
        assert.notEqual(get(other, "rule.podAnnotations")["checksum/rules"], get(values, "rule.podAnnotations")["checksum/rules"]);
    });
    it("sends ruler alerts to the Alertmanager it is given", () => {
        assert.deepEqual(parse(buildAlertmanagersConfig("http://kps-alertmanager.m.svc.cluster.local:9093")), {
            alertmanagers: [{ static_configs: ["kps-alertmanager.m.svc.cluster.local:9093"], scheme: "http", api_version: "v2" }],
        });
    });
    it("alerts when no Prometheus is up, and, only at a fleet's centre, when the global rule evaluator is gone, fails or drops alerts", () => {
        const rules = parse(buildMetaMonitoringRules("kps-prometheus", "m")).groups[0].rules;
        assert.deepEqual(
            rules.map((r: { alert: string; expr: string }) => [r.alert, r.expr]),
            [["PrometheusAbsent", 'absent(up{job="kps-prometheus",namespace="m"} == 1)']],
        );
        const centre = parse(buildMetaMonitoringRules("kps-prometheus", "m", "global-thanos-ruler")).groups[0].rules;
        assert.deepEqual(
            centre.map((r: { alert: string }) => r.alert),
            ["PrometheusAbsent", "GlobalRulesAbsent", "GlobalRulesFailing", "GlobalRulesAlertsDropped"],
        );
        assert.deepEqual(centre[1], {
            alert: "GlobalRulesAbsent",
            expr: 'absent(up{job="global-thanos-ruler",namespace="m"} == 1)',
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: "The fleet's rule evaluator is down",
                description: "No healthy global rule evaluator (job global-thanos-ruler in m) for 5 minutes: no alert of the platform or of any fleet member is evaluated.",
            },
        });
    });
});

describe("Loki values", () => {
    const base: LokiValuesInput = {
        releaseName: "loki",
        mode: "Monolithic",
        multiTenancy: false,
        retention: "168h",
        expectedIngestMBps: 1,
        replicationFactor: 1,
        zones: [],
        distributedReplicas: dev.loki.distributedReplicas,
        gatewayReplicas: 1,
        persistence: off,
        sizing: dev.loki,
        endpoint: "minio.s.svc.cluster.local:9000",
        region: "us-east-1",
        tls: false,
        forcePathStyle: true,
        chunksBucket: "loki-chunks",
        rulerBucket: "loki-ruler",
        credentialsSecretName: "loki-s3-credentials",
    };
    it("refers to credentials through environment variables from a Secret, never by value", () => {
        const v = buildLokiValues(base);
        assert.equal(get(v, "loki.storage.s3.accessKeyId"), "${LOKI_S3_ACCESS_KEY_ID}");
        assert.equal(get(v, "loki.storage.s3.secretAccessKey"), "${LOKI_S3_SECRET_ACCESS_KEY}");
        assert.deepEqual(get(v, "defaults.extraEnvFrom"), [{ secretRef: { name: "loki-s3-credentials" } }]);
    });
    it("stores chunks and ruler state in their buckets with a v13 tsdb schema", () => {
        const v = buildLokiValues(base);
        assert.deepEqual(get(v, "loki.storage.bucketNames"), { chunks: "loki-chunks", ruler: "loki-ruler" });
        assert.equal(get(v, "loki.storage.s3.endpoint"), "minio.s.svc.cluster.local:9000");
        const schema = get(v, "loki.schemaConfig.configs")[0];
        assert.equal(schema.store, "tsdb");
        assert.equal(schema.schema, "v13");
    });
    it("reaches MinIO over plain HTTP by path, and AWS S3 over TLS by host name", () => {
        assert.deepEqual(get(buildLokiValues(base), "loki.storage.s3"), {
            endpoint: "minio.s.svc.cluster.local:9000",
            region: "us-east-1",
            accessKeyId: "${LOKI_S3_ACCESS_KEY_ID}",
            secretAccessKey: "${LOKI_S3_SECRET_ACCESS_KEY}",
            s3ForcePathStyle: true,
            insecure: true,
        });
        const aws = get(buildLokiValues({ ...base, endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", tls: true, forcePathStyle: false }), "loki.storage.s3");
        assert.deepEqual([aws.endpoint, aws.region, aws.insecure, aws.s3ForcePathStyle], ["s3.eu-west-1.amazonaws.com", "eu-west-1", false, false]);
    });
    it("Monolithic runs one binary and no microservice", () => {
        const v = buildLokiValues(base);
        assert.equal(v.deploymentMode, "Monolithic");
        assert.equal(get(v, "singleBinary.replicas"), 1);
        assert.equal(get(v, "ingester.replicas"), 0);
        assert.equal(get(v, "loki.commonConfig.replication_factor"), 1);
    });
    it("Distributed runs the microservices with replication and no single binary", () => {
        const v = buildLokiValues({ ...base, mode: "Distributed", replicationFactor: 3, distributedReplicas: prod.loki.distributedReplicas, sizing: prod.loki });
        assert.equal(get(v, "singleBinary.replicas"), 0);
        assert.equal(get(v, "ingester.replicas"), 3);
        assert.equal(get(v, "compactor.replicas"), 1);
        assert.equal(get(v, "loki.commonConfig.replication_factor"), 3);
    });
    describe("ingester zones", () => {
        const distributed: LokiValuesInput = { ...base, mode: "Distributed", replicationFactor: 3, distributedReplicas: prod.loki.distributedReplicas, sizing: prod.loki };
        it("without zones: zone awareness off explicitly (the chart defaults to on), no rollout-operator, the chart's rolling update", () => {
            for (const v of [buildLokiValues(distributed), buildLokiValues(base)]) {
                assert.deepEqual(get(v, "ingester.zoneAwareReplication"), { enabled: false });
                assert.deepEqual(get(v, "rollout_operator"), { enabled: false });
                assert.equal(get(v, "ingester.strategy"), undefined);
            }
            // Replication, the WAL volume and the budget stay as they are: one StatefulSet the chart spreads over nodes.
            const v = buildLokiValues({ ...distributed, persistence: { enabled: true, size: "20Gi" } });
            assert.equal(get(v, "ingester.replicas"), 3);
            assert.deepEqual(get(v, "ingester.podDisruptionBudget"), { maxUnavailable: 1 });
            assert.equal(get(v, "ingester.persistence.enabled"), true);
            assert.equal(get(v, "loki.commonConfig.replication_factor"), 3);
        });
        it("with three zones: each of the chart's zones pinned to one of them by node selector", () => {
            const v = buildLokiValues({ ...distributed, zones });
            assert.deepEqual(get(v, "ingester.zoneAwareReplication"), {
                enabled: true,
                zoneA: { nodeSelector: { "topology.kubernetes.io/zone": "eu-west-1a" } },
                zoneB: { nodeSelector: { "topology.kubernetes.io/zone": "eu-west-1b" } },
                zoneC: { nodeSelector: { "topology.kubernetes.io/zone": "eu-west-1c" } },
            });
            assert.equal(get(v, "ingester.replicas"), 3, "the chart runs replicas / 3 per zone: one");
            assert.deepEqual(get(v, "ingester.podDisruptionBudget"), { maxUnavailable: 1 });
            assert.equal(get(v, "ingester.persistence.claims.0.name"), "data");
            assert.equal(get(v, "loki.commonConfig.replication_factor"), 3);
        });
        it("with zones: the rollout-operator restarts one zone at a time (OnDelete), sized, without webhooks", () => {
            const v = buildLokiValues({ ...distributed, zones });
            assert.deepEqual(get(v, "ingester.strategy"), { type: "OnDelete" });
            assert.deepEqual(get(v, "rollout_operator"), { enabled: true, webhooks: { enabled: false }, resources: prod.loki.rolloutOperator });
        });
        it("with zones: every other replicated target and the gateway spread over them; no spread without zones", () => {
            const v = buildLokiValues({ ...distributed, gatewayReplicas: 2, zones });
            const loki = (component: string) => ({ "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki", "app.kubernetes.io/component": component });
            const targets = { distributor: "distributor", querier: "querier", queryFrontend: "query-frontend", queryScheduler: "query-scheduler", indexGateway: "index-gateway", ruler: "ruler", gateway: "gateway" };
            for (const [target, component] of Object.entries(targets)) assert.deepEqual(get(v, `${target}.topologySpreadConstraints`), overZones(loki(component)), target);
            assert.equal(get(v, "compactor.topologySpreadConstraints"), undefined, "a singleton");
            assert.equal(get(v, "ingester.topologySpreadConstraints"), undefined, "pinned to zones instead");
            const plain = buildLokiValues({ ...distributed, gatewayReplicas: 2 });
            for (const target of [...Object.keys(targets), "ingester"]) assert.equal(get(plain, `${target}.topologySpreadConstraints`), undefined, target);
        });
        it("with more than three zones: the ingesters use the first three", () => {
            const v = lokiZoneValues("Distributed", [...zones, "eu-west-1d"], 3, prod.loki.rolloutOperator);
            const pinned = ["zoneA", "zoneB", "zoneC"].map((z) => (v.ingester.zoneAwareReplication as any)[z].nodeSelector["topology.kubernetes.io/zone"]);
            assert.deepEqual(pinned, zones);
            assert.equal(JSON.stringify(v).includes("eu-west-1d"), false);
        });
        it("refuses what validation refuses: too few zones, another replication factor, Monolithic", () => {
            assert.throws(() => lokiZoneValues("Distributed", zones.slice(0, 2), 3, prod.loki.rolloutOperator), /at least 3 zones/);
            assert.throws(() => lokiZoneValues("Distributed", zones, 2, prod.loki.rolloutOperator), /replication factor 3/);
            assert.throws(() => lokiZoneValues("Monolithic", zones, 3, prod.loki.rolloutOperator), /Distributed mode/);
        });
    });
    it("multi-tenancy is a switch", () => {
        assert.equal(get(buildLokiValues(base), "loki.auth_enabled"), false);
        assert.equal(get(buildLokiValues({ ...base, multiTenancy: true }), "loki.auth_enabled"), true);
    });
    it("derives ingestion limits from the expected rate, not Loki's 4 MB/s default", () => {
        assert.deepEqual(get(buildLokiValues({ ...base, expectedIngestMBps: 10 }), "loki.limits_config"), {
            retention_period: "168h",
            ingestion_rate_mb: 20,
            ingestion_burst_size_mb: 40,
            per_stream_rate_limit: "5MB",
            per_stream_rate_limit_burst: "15MB",
            max_global_streams_per_user: 10000,
        });
        const small = lokiIngestLimits(0.5);
        assert.equal(small.ingestion_rate_mb, 1);
        assert.equal(small.per_stream_rate_limit, "3MB");
        assert.equal(small.max_global_streams_per_user, 5000);
    });
    it("sizes caches for the profile instead of the chart's 9.8 GiB default", () => {
        assert.deepEqual(cacheValues({ allocatedMemoryMb: 64, cpu: "25m" }).resources.requests, { cpu: "25m", memory: "77Mi" });
        assert.equal(get(buildLokiValues(base), "chunksCache.allocatedMemory"), 64);
    });
});

describe("Tempo values", () => {
    const input = {
        releaseName: "tempo",
        clusterName: "dev",
        retention: "72h",
        expectedIngestMBps: 0.5,
        multiTenancy: false,
        persistence: off,
        resources: dev.tempo.monolithic,
        remoteWriteUrl: "http://kps-prometheus.m.svc.cluster.local:9090/api/v1/write",
        endpoint: "minio.s.svc.cluster.local:9000",
        region: "us-east-1",
        tls: false,
        forcePathStyle: true,
        bucket: "tempo-traces",
        credentialsSecretName: "tempo-s3-credentials",
    };
    const v = buildTempoValues(input);
    it("reaches MinIO over plain HTTP by path, and AWS S3 over TLS by host name", () => {
        const minio = get(v, "tempo.storage.trace.s3");
        assert.deepEqual([minio.endpoint, minio.insecure, minio.forcepathstyle], ["minio.s.svc.cluster.local:9000", true, true]);
        const aws = get(buildTempoValues({ ...input, endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", tls: true, forcePathStyle: false }), "tempo.storage.trace.s3");
        assert.deepEqual([aws.endpoint, aws.region, aws.insecure, aws.forcepathstyle], ["s3.eu-west-1.amazonaws.com", "eu-west-1", false, false]);
    });
    it("stores traces in its bucket with credentials from the environment", () => {
        assert.equal(get(v, "tempo.storage.trace.backend"), "s3");
        assert.equal(get(v, "tempo.storage.trace.s3.bucket"), "tempo-traces");
        assert.equal(get(v, "tempo.storage.trace.s3.access_key"), "${TEMPO_S3_ACCESS_KEY_ID}");
        assert.equal(get(v, "tempo.extraArgs")["config.expand-env"], "true");
        assert.deepEqual(get(v, "tempo.extraEnvFrom"), [{ secretRef: { name: "tempo-s3-credentials" } }]);
    });
    it("derives ingestion limits from the expected rate", () => {
        assert.deepEqual(get(v, "tempo.overrides.defaults.ingestion"), { rate_limit_bytes: 1048576, burst_size_bytes: 2097152, max_traces_per_user: 10000 });
        assert.deepEqual(tempoIngestLimits(5), { rate_limit_bytes: 10485760, burst_size_bytes: 20971520, max_traces_per_user: 50000 });
    });
    it("runs as Pod Security restricted requires", () => {
        assert.deepEqual(get(v, "tempo.securityContext"), restrictedContainer);
        assert.deepEqual(get(v, "securityContext.seccompProfile"), { type: "RuntimeDefault" });
        assert.equal(get(v, "securityContext.runAsNonRoot"), true);
    });
    it("receives OTLP, Jaeger and Zipkin", () => {
        assert.deepEqual(Object.keys(get(v, "tempo.receivers")).sort(), ["jaeger", "otlp", "zipkin"]);
        assert.equal(get(v, "tempo.receivers.otlp.protocols.grpc.endpoint"), "0.0.0.0:4317");
    });
    it("generates service graphs and span metrics into Prometheus", () => {
        assert.equal(get(v, "tempo.metricsGenerator.enabled"), true);
        assert.equal(get(v, "tempo.metricsGenerator.remoteWriteUrl"), "http://kps-prometheus.m.svc.cluster.local:9090/api/v1/write");
        assert.deepEqual(get(v, "tempo.overrides.defaults.metrics_generator.processors"), ["service-graphs", "span-metrics"]);
    });
});

describe("Tempo distributed values", () => {
    const input: TempoDistributedValuesInput = {
        releaseName: "tempo",
        clusterName: "prod",
        retention: "336h",
        expectedIngestMBps: 5,
        multiTenancy: false,
        replicationFactor: 3,
        ingesterPersistence: { enabled: true, size: "20Gi", storageClass: "fast-ssd" },
        generatorPersistence: { enabled: true, size: "5Gi", storageClass: "fast-ssd" },
        sizing: prod.tempo.distributed,
        remoteWriteUrl: "http://kps-prometheus.m.svc.cluster.local:9090/api/v1/write",
        endpoint: "minio.s.svc.cluster.local:9000",
        region: "us-east-1",
        tls: false,
        forcePathStyle: true,
        bucket: "tempo-traces",
        credentialsSecretName: "tempo-s3-credentials",
    };
    const v = buildTempoDistributedValues(input);
    const monolithic = buildTempoValues({ ...input, persistence: off, resources: prod.tempo.monolithic });
    it("pins the fullname, so Services are tempo-distributor, tempo-query-frontend, …", () => {
        assert.equal(v.fullnameOverride, "tempo");
        assert.equal(get(v, "queryFrontend.service.httpMetricsPort"), 3200);
    });
    it("stores traces like the monolithic Tempo: same S3 block, credentials from the environment of every Tempo pod", () => {
        assert.equal(get(v, "storage.trace.backend"), "s3");
        assert.deepEqual(get(v, "storage.trace.s3"), get(monolithic, "tempo.storage.trace.s3"));
        assert.equal(get(v, "storage.trace.s3.secret_key"), "${TEMPO_S3_SECRET_ACCESS_KEY}");
        assert.deepEqual(get(v, "defaults.extraArgs"), ["-config.expand-env=true"]);
        assert.deepEqual(get(v, "defaults.extraEnvFrom"), [{ secretRef: { name: "tempo-s3-credentials" } }]);
    });
    it("replicates spans to the configured number of ingesters, each with its WAL on a volume", () => {
        assert.equal(get(v, "ingester.replicas"), 3);
        assert.equal(get(v, "ingester.config.replication_factor"), 3);
        assert.equal(get(buildTempoDistributedValues({ ...input, replicationFactor: 2 }), "ingester.config.replication_factor"), 2);
        assert.deepEqual(get(v, "ingester.persistence"), { enabled: true, size: "20Gi", storageClass: "fast-ssd" });
        assert.equal(get(v, "ingester.podDisruptionBudget.enabled"), true);
        assert.equal(get(v, "ingester.maxUnavailable"), 1);
    });
    it("runs each part with the replicas of its sizing, the compactors with the retention, and the generator on a volume", () => {
        const replicas = { distributor: 4, ingester: 9, querier: 13, queryFrontend: 2, compactor: 5, metricsGenerator: 1 };
        const scaled = buildTempoDistributedValues({ ...input, sizing: { ...input.sizing, replicas } });
        for (const [part, count] of Object.entries(replicas)) assert.equal(get(scaled, `${part}.replicas`), count, part);
        assert.equal(get(v, "compactor.config.compaction.block_retention"), "336h");
        assert.equal(get(v, "metricsGenerator.kind"), "StatefulSet");
        assert.deepEqual(get(v, "metricsGenerator.persistence"), { enabled: true, size: "5Gi", storageClass: "fast-ssd" });
    });
    it("receives what the monolithic Tempo receives: OTLP, Jaeger and Zipkin", () => {
        assert.deepEqual(get(v, "traces.otlp"), { grpc: { enabled: true }, http: { enabled: true } });
        assert.deepEqual(Object.values(get(v, "traces.jaeger")), [{ enabled: true }, { enabled: true }, { enabled: true }, { enabled: true }]);
        assert.equal(get(v, "traces.zipkin.enabled"), true);
        assert.deepEqual(Object.keys(get(monolithic, "tempo.receivers")).sort(), ["jaeger", "otlp", "zipkin"]);
    });
    it("generates service graphs and span metrics into Prometheus, labelled with the cluster", () => {
        assert.equal(get(v, "metricsGenerator.enabled"), true);
        assert.deepEqual(get(v, "metricsGenerator.config.storage.remote_write"), [{ url: "http://kps-prometheus.m.svc.cluster.local:9090/api/v1/write" }]);
        assert.deepEqual(get(v, "metricsGenerator.config.registry.external_labels"), { cluster: "prod" });
        assert.deepEqual(get(v, "overrides.defaults.metrics_generator.processors"), ["service-graphs", "span-metrics"]);
    });
    it("derives ingestion limits from the expected rate, in the 2.x overrides.defaults format", () => {
        assert.deepEqual(get(v, "overrides.defaults.ingestion"), tempoIngestLimits(5));
        assert.deepEqual(get(v, "overrides.defaults"), get(monolithic, "tempo.overrides.defaults"));
    });
    it("runs every pod under the restricted Pod Security Standard", () => {
        assert.deepEqual(get(v, "tempo.podSecurityContext.seccompProfile"), { type: "RuntimeDefault" });
        assert.equal(get(v, "tempo.podSecurityContext.runAsNonRoot"), true);
        const container = get(v, "tempo.securityContext");
        assert.equal(container.allowPrivilegeEscalation, false);
        assert.deepEqual(container.capabilities, { drop: ["ALL"] });
        assert.equal(container.runAsNonRoot, true);
    });
    it("sizes memcached: its item memory matches the pod's", () => {
        assert.equal(get(v, "memcached.replicas"), 2);
        assert.deepEqual(get(v, "memcached.extraArgs"), ["--memory-limit=1024"]);
        assert.equal(get(v, "memcached.resources.limits.memory"), "1229Mi");
    });
    it("is scraped with job <namespace>/<Service>, as the alert rules expect", () => {
        assert.equal(get(v, "metaMonitoring.serviceMonitor.enabled"), true);
        assert.deepEqual(get(v, "metaMonitoring.serviceMonitor.relabelings"), [{ action: "replace", sourceLabels: ["__meta_kubernetes_namespace", "__meta_kubernetes_service_name"], separator: "/", targetLabel: "job" }]);
    });
});

describe("Grafana values", () => {
    const endpoints = { metricsUrl: "http://m", logsUrl: "http://l", tracesUrl: "http://t", alertmanagerUrl: "http://a", scrapeInterval: "30s" };
    const input = {
        releaseName: "grafana",
        namespace: "ui",
        subPath: "",
        replicas: 1,
        zones: [],
        nodeSpread: "required" as const,
        persistence: off,
        resources: dev.grafana.server,
        sidecarResources: dev.grafana.sidecar,
        datasources: endpoints,
        dashboardNamespaces: ["m"],
        adminSecretName: "grafana-admin",
    };
    it("provisions the four datasources with stable UIDs, metrics by default", () => {
        const ds = buildDatasources(endpoints).datasources as any[];
        assert.deepEqual(
            ds.map((d) => d.uid),
            Object.values(datasourceUids),
        );
        assert.deepEqual(
            ds.map((d) => d.url),
            ["http://m", "http://l", "http://t", "http://a"],
        );
        assert.deepEqual(
            ds.filter((d) => d.isDefault).map((d) => d.uid),
            [datasourceUids.metrics],
        );
    });
    it("every cross-link between signals points at a datasource that exists", () => {
        const ds = buildDatasources({ ...endpoints, logsTenant: "t" }).datasources as any[];
        const uids = new Set(ds.map((d) => d.uid));
        const links: string[] = [];
        const walk = (node: unknown): void => {
            if (Array.isArray(node)) node.forEach(walk);
            else if (node && typeof node === "object") {
                for (const [k, v] of Object.entries(node)) {
                    if (k === "datasourceUid") links.push(v as string);
                    else walk(v);
                }
            }
        };
        ds.forEach((d) => walk(d.jsonData));
        assert.ok(links.length >= 6, `only ${links.length} links`);
        for (const uid of links) assert.ok(uids.has(uid), `link to missing datasource ${uid}`);
    });
    it("links logs to traces, traces to logs and metrics, and exemplars to traces", () => {
        const [metrics, logs, traces] = buildDatasources(endpoints).datasources as any[];
        assert.equal(logs.jsonData.derivedFields[0].datasourceUid, datasourceUids.traces);
        assert.ok(new RegExp(logs.jsonData.derivedFields[0].matcherRegex).test('level=info traceID=4bf92f3577b34da6 msg="ok"'));
        assert.ok(new RegExp(logs.jsonData.derivedFields[0].matcherRegex).test('{"trace_id":"4bf92f3577b34da6"}'));
        assert.equal(traces.jsonData.tracesToLogsV2.datasourceUid, datasourceUids.logs);
        assert.equal(traces.jsonData.tracesToMetrics.datasourceUid, datasourceUids.metrics);
        assert.equal(traces.jsonData.serviceMap.datasourceUid, datasourceUids.metrics);
        assert.equal(metrics.jsonData.exemplarTraceIdDestinations[0].datasourceUid, datasourceUids.traces);
    });
    it("sends the Loki tenant only when multi-tenancy is on", () => {
        const off = (buildDatasources(endpoints).datasources as any[])[1];
        const on = (buildDatasources({ ...endpoints, logsTenant: "team-a" }).datasources as any[])[1];
        assert.equal(off.jsonData.httpHeaderName1, undefined);
        assert.equal(on.jsonData.httpHeaderName1, "X-Scope-OrgID");
        assert.equal(on.secureJsonData.httpHeaderValue1, "team-a");
    });
    it("takes the admin login from the Secret and keeps anonymous access off", () => {
        const v = buildGrafanaValues(input);
        assert.deepEqual(v.admin, { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
        assert.equal((v as any).adminPassword, undefined);
        assert.equal((v as any)["grafana.ini"]["auth.anonymous"].enabled, false);
    });
    it("serves from a sub-path behind a TLS ingress", () => {
        const v = buildGrafanaValues({ ...input, subPath: "/grafana", ingress: { host: "g.example.com", className: "nginx", tls: { existingSecret: "g-tls" } } });
        assert.equal((v as any)["grafana.ini"].server.root_url, "https://g.example.com/grafana");
        assert.equal((v as any)["grafana.ini"].server.serve_from_sub_path, true);
        assert.deepEqual(get(v, "ingress.tls"), [{ secretName: "g-tls", hosts: ["g.example.com"] }]);
        assert.equal(get(v, "ingress.path"), "/grafana");
        assert.equal((v as any)["grafana.ini"].security.cookie_secure, true);
    });
    it("has cert-manager issue the certificate into a Secret named after the release, or the one given", () => {
        const cluster = buildGrafanaValues({ ...input, ingress: { host: "g.example.com", tls: { issuer: { kind: "ClusterIssuer", name: "letsencrypt-prod" } } } });
        assert.deepEqual(get(cluster, "ingress.annotations"), { "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
        assert.deepEqual(get(cluster, "ingress.tls"), [{ secretName: "grafana-tls", hosts: ["g.example.com"] }]);
        assert.equal((cluster as any)["grafana.ini"].server.root_url, "https://g.example.com");
        assert.equal((cluster as any)["grafana.ini"].security.cookie_secure, true);
        const namespaced = buildGrafanaValues({ ...input, releaseName: "ui", ingress: { host: "g.example.com", tls: { issuer: { kind: "Issuer", name: "internal-ca" }, secretName: "ui-cert" } } });
        assert.deepEqual(get(namespaced, "ingress.annotations"), { "cert-manager.io/issuer": "internal-ca" });
        assert.deepEqual(get(namespaced, "ingress.tls"), [{ secretName: "ui-cert", hosts: ["g.example.com"] }]);
        assert.equal(tlsSecretName({ issuer: { kind: "Issuer", name: "x" } }, "ui"), "ui-tls");
    });
    it("annotates nothing for cert-manager when the TLS Secret exists already", () => {
        const v = buildGrafanaValues({ ...input, ingress: { host: "g.example.com", tls: { existingSecret: "g-tls" } } });
        assert.equal(get(v, "ingress.annotations"), undefined);
        assert.deepEqual(certManagerAnnotations({ existingSecret: "g-tls" }), {});
        assert.deepEqual(certManagerAnnotations(undefined), {});
    });
    it("sends cookies over plain HTTP only when Grafana is served without TLS, and runs no root init container", () => {
        const plain = buildGrafanaValues({ ...input, ingress: { host: "g.example.com" } });
        assert.equal((plain as any)["grafana.ini"].security.cookie_secure, false);
        assert.equal(get(buildGrafanaValues({ ...input, persistence: { enabled: true, size: "1Gi" } }), "initChownData.enabled"), false);
    });
    const postgres = { type: "postgres", host: "db.example.com:5432", name: "grafana", user: "grafana", sslMode: "require", passwordSecretName: "grafana-database" } as const;
    it("reads the database password from its Secret into the environment, never from values or grafana.ini", () => {
        const v = buildGrafanaValues({ ...input, database: postgres }) as any;
        assert.deepEqual(v["grafana.ini"].database, { type: "postgres", host: "db.example.com:5432", name: "grafana", user: "grafana", ssl_mode: "require" });
        assert.deepEqual(v.envValueFrom, { GF_DATABASE_PASSWORD: { secretKeyRef: { name: "grafana-database", key: "password" } } });
        assert.equal(v.env, undefined);
        assert.equal(buildGrafanaValues(input).envValueFrom, undefined);
        assert.equal((buildGrafanaValues(input) as any)["grafana.ini"].database, undefined);
    });
    it("one replica: no spread, no disruption budget, no alerting peers", () => {
        const v = buildGrafanaValues({ ...input, database: postgres }) as any;
        assert.deepEqual([v.replicas, v.affinity, v.podDisruptionBudget, v.deploymentStrategy, v.headlessService, v["grafana.ini"].unified_alerting], [1, undefined, undefined, undefined, undefined, undefined]);
    });
    it("several replicas: one per node, one disrupted at a time, one Alertmanager gossiping over the headless Service", () => {
        const v = buildGrafanaValues({ ...input, replicas: 3, database: postgres }) as any;
        assert.equal(v.replicas, 3);
        assert.deepEqual(v.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, [
            { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana" } } },
        ]);
        assert.deepEqual(v.podDisruptionBudget, { maxUnavailable: 1 });
        assert.equal(v.topologySpreadConstraints, undefined, "no zones, no spread over them");
        const zoned = buildGrafanaValues({ ...input, replicas: 3, database: postgres, zones: ["a", "b", "c"] }) as any;
        assert.deepEqual(zoned.topologySpreadConstraints, overZones({ "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana" }));
        assert.deepEqual(v.deploymentStrategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }, "a rollout needs no spare node");
        assert.equal(v.headlessService, true);
        assert.deepEqual(v["grafana.ini"].unified_alerting, {
            ha_peers: `grafana-headless.ui.svc.cluster.local:${grafanaGossipPort}`,
            ha_listen_address: "${POD_IP}:9094",
            ha_advertise_address: "${POD_IP}:9094",
        });
        assert.equal(alertingHighAvailability({ replicas: 2, releaseName: "front", namespace: "web" })!.ha_peers, "front-headless.web.svc.cluster.local:9094");
    });
    it("has no external URL without ingress, and plain HTTP without TLS", () => {
        assert.equal(externalUrl(undefined, ""), undefined);
        assert.equal(externalUrl({ host: "g.example.com" }, ""), "http://g.example.com");
        assert.equal(get(buildGrafanaValues(input), "ingress.enabled"), false);
    });
});
