import { readPlatformConfig, readPlatformSecrets } from "./stacks/config";
import { deployPlatform } from "./stacks/platform";

// Config is read and validated in full (secrets for presence) before any resource is registered.
const config = readPlatformConfig();
if (config.role === "edge") {
    // The edge's own deployment (agent-mode Prometheus, Alloy shipping to the central gateway) has not landed yet:
    // refuse rather than deploy a whole platform under an edge's name.
    throw new Error("lgtm:role = edge: this version deploys central platforms only (role platform); edge clusters cannot be deployed yet. Servers outside Kubernetes: npm run agent-config (docs/fleet.md)");
}
const platform = deployPlatform(config, readPlatformSecrets(config));

export const grafanaUrl = platform.grafanaUrl;
export const grafanaService = platform.grafanaService;
export const grafanaAdminUser = platform.grafanaAdminUser;
export const grafanaAdminPassword = platform.grafanaAdminPassword;
export const otlpGrpcEndpoint = platform.otlpGrpcEndpoint;
export const otlpHttpEndpoint = platform.otlpHttpEndpoint;
export const lokiPushUrl = platform.lokiPushUrl;
export const prometheusRemoteWriteUrl = platform.prometheusRemoteWriteUrl;
export const objectStorage = platform.objectStorage;
// Only with lgtm:pushgateway.enabled (undefined otherwise: no output).
export const pushgatewayUrl = platform.pushgatewayUrl;
export const fleet = platform.fleet;
