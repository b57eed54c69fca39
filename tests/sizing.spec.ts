import { strict as assert } from "assert";
import { lokiDistributedTargets } from "../components/loki";
import { tempoDistributedTargets } from "../components/traceStore";
import { parsePlatformConfig } from "../stacks/config";
import { defaultIngestLoad, profileSizing } from "../stacks/profiles";
import { lokiGuideReplicas, lokiGuideTiers, mbpsPerTbPerDay, prodLokiFloor, prodLokiReplicas, prodTempoFloor, prodTempoReplicas, tempoGuideMBpsPerReplica } from "../stacks/sizing";
import { readmeSizingRows, rowRates } from "./support/readmeSizing";

const rf3 = (expectedIngestMBps: number) => ({ expectedIngestMBps, replicationFactor: 3 });
/** From a trickle to the schema's ceiling, across the Loki guide's tier boundaries (34.7 and 347 MB/s). */
const rates = [0.01, 0.5, 1, 2.5, 5, 7.5, 10, 12.5, 15, 20, 25, 30, 34, 34.72, 35, 40, 50, 75, 100, 150, 200, 300, 347, 347.3, 400, 500, 750, 1000];

describe("prod sizing by ingest rate", () => {
    it("at the default rates: the former prod replicas, but for one more querier in Loki and Tempo, as both guides ask", () => {
        assert.deepEqual(defaultIngestLoad("prod"), { loki: rf3(10), tempo: rf3(5) });
        const sizing = profileSizing("prod");
        assert.deepEqual(sizing.loki.distributedReplicas, { ...prodLokiFloor, querier: 3 });
        assert.deepEqual(sizing.tempo.distributed.replicas, { ...prodTempoFloor, querier: 3 });
    });

    it("below the defaults: exactly the floor, never less", () => {
        for (const rate of [0.01, 1, 5]) {
            assert.deepEqual(prodLokiReplicas(rf3(rate)), prodLokiFloor, `logs ${rate} MB/s`);
            assert.deepEqual(prodTempoReplicas(rf3(rate / 2)), prodTempoFloor, `spans ${rate / 2} MB/s`);
        }
    });

    it("keeps the invariants at every rate: zone-split ingesters, one Loki compactor, two of every redundant part", () => {
        for (const rate of rates) {
            for (const replicationFactor of [1, 2, 3, 4, 5]) {
                const loki = prodLokiReplicas({ expectedIngestMBps: rate, replicationFactor });
                assert.equal(loki.ingester % 3, 0, `${rate} MB/s, RF ${replicationFactor}: ${loki.ingester} Loki ingesters split unevenly over 3 zones`);
                assert.ok(loki.ingester >= replicationFactor, `${rate} MB/s: fewer Loki ingesters than copies`);
                assert.equal(loki.compactor, 1, "Loki's compactor is a singleton");
                for (const target of lokiDistributedTargets) {
                    if (target !== "compactor") assert.ok(loki[target] >= 2, `${rate} MB/s: Loki ${target} ${loki[target]}`);
                    assert.ok(Number.isInteger(loki[target]), `${rate} MB/s: Loki ${target} ${loki[target]}`);
                }
                const tempo = prodTempoReplicas({ expectedIngestMBps: rate, replicationFactor });
                assert.ok(tempo.ingester >= Math.max(3, replicationFactor), `${rate} MB/s: Tempo ingesters ${tempo.ingester}`);
                for (const target of ["distributor", "querier", "queryFrontend"] as const) assert.ok(tempo[target] >= 2, `${rate} MB/s: Tempo ${target}`);
                for (const target of tempoDistributedTargets) assert.ok(Number.isInteger(tempo[target]) && tempo[target] >= 1, `${rate} MB/s: Tempo ${target} ${tempo[target]}`);
            }
        }
    });

    it("never shrinks as the rate grows, and grows the write and read paths past the defaults", () => {
        for (let i = 1; i < rates.length; i++) {
            const [before, after] = [rates[i - 1], rates[i]];
            const [lokiBefore, lokiAfter] = [prodLokiReplicas(rf3(before)), prodLokiReplicas(rf3(after))];
            for (const target of lokiDistributedTargets) assert.ok(lokiAfter[target] >= lokiBefore[target], `Loki ${target}: ${lokiBefore[target]} at ${before} MB/s, ${lokiAfter[target]} at ${after}`);
            const [tempoBefore, tempoAfter] = [prodTempoReplicas(rf3(before)), prodTempoReplicas(rf3(after))];
            for (const target of tempoDistributedTargets) assert.ok(tempoAfter[target] >= tempoBefore[target], `Tempo ${target}: ${tempoBefore[target]} at ${before} MB/s, ${tempoAfter[target]} at ${after}`);
        }
        const [loki, tempo] = [prodLokiReplicas(rf3(100)), prodTempoReplicas(rf3(50))];
        for (const target of ["ingester", "distributor", "querier", "indexGateway", "queryFrontend"] as const) assert.ok(loki[target] > prodLokiFloor[target], `Loki ${target} at 100 MB/s`);
        for (const target of ["ingester", "distributor", "querier", "compactor"] as const) assert.ok(tempo[target] > prodTempoFloor[target], `Tempo ${target} at 50 MB/s`);
    });

    it("meets Grafana's Loki guide at its tiers and interpolates between them", () => {
        const { small, medium, large } = lokiGuideTiers;
        const smallTop = small.tbPerDay * mbpsPerTbPerDay;
        const mediumTop = medium.tbPerDay * mbpsPerTbPerDay;
        assert.ok(Math.abs(smallTop - 34.72) < 0.01, `3 TB/day is ${smallTop} MB/s`);
        for (const target of ["ingester", "distributor", "indexGateway", "querier", "queryFrontend"] as const) {
            assert.ok(Math.abs(lokiGuideReplicas(target, smallTop) - small.replicas[target]) < 1e-9, `${target} at 3 TB/day`);
            assert.ok(Math.abs(lokiGuideReplicas(target, mediumTop - 1e-6) - medium.replicas[target]) < 1e-3, `${target} just under 30 TB/day`);
            assert.ok(Math.abs(lokiGuideReplicas(target, mediumTop) - large.replicas[target]) < 1e-9, `${target} at 30 TB/day`);
            const middle = lokiGuideReplicas(target, (smallTop + mediumTop) / 2);
            assert.ok(Math.abs(middle - (small.replicas[target] + medium.replicas[target]) / 2) < 1e-9, `${target} halfway between the first two tiers`);
        }
        assert.deepEqual(prodLokiReplicas(rf3(smallTop)), { ...prodLokiFloor, ingester: 6, distributor: 4, indexGateway: 4, querier: 10 });
        assert.deepEqual(prodLokiReplicas(rf3(100)), { ...prodLokiFloor, ingester: 24, distributor: 12, querier: 29, indexGateway: 6, queryFrontend: 4 });
    });

    it("meets Tempo's guide per replica", () => {
        assert.deepEqual(tempoGuideMBpsPerReplica, { distributor: 10, ingester: 3, querier: 2, compactor: 5 });
        assert.deepEqual(prodTempoReplicas(rf3(50)), { ...prodTempoFloor, distributor: 5, ingester: 17, querier: 25, compactor: 10 });
        assert.deepEqual(prodTempoReplicas(rf3(60)), { ...prodTempoFloor, distributor: 6, ingester: 20, querier: 30, compactor: 12 }, "whole multiples need no extra pod");
    });

    it("runs at least as many ingesters as copies, rounding Loki's up to the zones", () => {
        assert.equal(prodLokiReplicas({ expectedIngestMBps: 10, replicationFactor: 4 }).ingester, 6);
        assert.equal(prodLokiReplicas({ expectedIngestMBps: 10, replicationFactor: 7 }).ingester, 9);
        assert.equal(prodTempoReplicas({ expectedIngestMBps: 5, replicationFactor: 5 }).ingester, 5);
        const c = parsePlatformConfig({
            profile: "prod",
            grafana: JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" } }),
            objectStorage: JSON.stringify({ type: "minio" }),
            loki: JSON.stringify({ replicationFactor: 5 }),
            tempo: JSON.stringify({ replicationFactor: 5 }),
        });
        const sizing = profileSizing(c.profile, c);
        assert.equal(sizing.loki.distributedReplicas.ingester, 6);
        assert.equal(sizing.tempo.distributed.replicas.ingester, 5);
    });

    it("dev stays fixed whatever it declares: it must fit a laptop", () => {
        assert.deepEqual(profileSizing("dev", { loki: rf3(100), tempo: rf3(50) }), profileSizing("dev"));
    });
});

describe("docs/prod.md: the prod sizing table", () => {
    // The replica columns are what prod deploys at each row's rates; the measured totals are
    // compared with renders in tests/verify-stacks.spec.ts, when the charts are at hand.
    const rows = readmeSizingRows();
    it('has the default rates as its first row, and rows above them, under "## Sizing prod"', () => {
        assert.ok(rows.length >= 4, `${rows.length} rows in the first table under "## Sizing prod" in docs/prod.md`);
        assert.deepEqual(rowRates(rows[0]), { logs: 10, spans: 5 });
        for (let i = 1; i < rows.length; i++) assert.ok(rowRates(rows[i]).logs > rowRates(rows[i - 1]).logs, `row ${i + 1} is above row ${i}`);
    });
    for (const row of rows) {
        const { logs, spans } = rowRates(row);
        it(`logs ${logs} MB/s, spans ${spans} MB/s: the replicas prod deploys, and the nodes they need`, () => {
            const loki = prodLokiReplicas(rf3(logs));
            const tempo = prodTempoReplicas(rf3(spans));
            // Tempo's ingesters aside (they only prefer distinct nodes), each pod of a part needs a node of its own.
            const spread = [loki.ingester, loki.distributor, loki.querier, loki.queryFrontend, loki.queryScheduler, loki.indexGateway, loki.ruler, tempo.distributor, tempo.querier, tempo.queryFrontend, tempo.compactor];
            const columns = [
                "Loki ingesters",
                "Loki distributors",
                "Loki queriers",
                "Loki index gateways",
                "Loki query-frontends",
                "Tempo distributors",
                "Tempo ingesters",
                "Tempo queriers",
                "Tempo compactors",
                "nodes, at least",
            ];
            const expected = [loki.ingester, loki.distributor, loki.querier, loki.indexGateway, loki.queryFrontend, tempo.distributor, tempo.ingester, tempo.querier, tempo.compactor, Math.max(3, ...spread)];
            assert.deepEqual(Object.fromEntries(columns.map((c) => [c, row[c]])), Object.fromEntries(columns.map((c, i) => [c, String(expected[i])])));
        });
    }
});
