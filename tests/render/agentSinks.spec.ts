import { strict as assert } from "assert";
import { checkAgentSinks } from "../../tools/render/checks/agentSinks";
import { RenderedRelease } from "../../tools/render/types";
import { checkInput, configMap, messages, release, service, stackModel } from "./fixtures";

/** An Alloy configuration as the chart renders it: logs to `logsUrl`, traces to `tracesEndpoint`. */
const alloyConfig = (logsUrl: string, tracesEndpoint: string) => `
loki.write "default" {
  endpoint {
    url = "${logsUrl}"
  }
}

otelcol.exporter.otlp "tempo" {
  client {
    endpoint = "${tracesEndpoint}"
    tls {
      insecure = true
    }
  }
}
`;
const lokiPush = "http://loki-gateway.monitoring.svc.cluster.local:80/loki/api/v1/push";
const tempoOtlp = "tempo.monitoring.svc.cluster.local:4317";

function verify(config: string) {
    const rendered: RenderedRelease[] = [
        { release: release("loki"), objects: [service("loki-gateway", [["http", 80]])] },
        { release: release("tempo"), objects: [service("tempo", [["otlp-grpc", 4317]])] },
        { release: release("alloy"), objects: [configMap("alloy", { "config.alloy": config })] },
    ];
    return checkAgentSinks(checkInput(stackModel(), rendered));
}

const at = "ConfigMap monitoring/alloy key config.alloy (release alloy)";

describe("render check: agentSinks", () => {
    it("passes when the agent sends logs to Loki's Services and traces to Tempo's", () => {
        const result = verify(alloyConfig(lokiPush, tempoOtlp));
        assert.deepEqual(messages(result), []);
        assert.equal(result.summary, "2 agent endpoint(s) checked against the Services of the releases that receive them");
    });

    it("fails when a rendered endpoint leaves the cluster or names another release's Service", () => {
        assert.deepEqual(messages(verify(alloyConfig("https://attacker.example.net/loki/api/v1/push", "loki-gateway.monitoring.svc.cluster.local:80"))), [
            `${at} loki.write "default" endpoint.url "https://attacker.example.net/loki/api/v1/push": sends logs to an address outside the cluster, not to a Service of the loki release (monitoring/loki-gateway)`,
            `${at} otelcol.exporter.otlp "tempo" client.endpoint "loki-gateway.monitoring.svc.cluster.local:80": sends traces to Service monitoring/loki-gateway, not to a Service of the tempo or tempo-distributed release (monitoring/tempo)`,
        ]);
    });

    it("fails on a configuration that does not parse", () => {
        const [message] = messages(verify(alloyConfig(lokiPush, tempoOtlp).replace('url = "', "url = ")));
        assert.ok(message.startsWith(`${at}: does not parse as Alloy configuration, so the agent cannot start with it: line 4:`), message);
    });
});
