import { readPlatformConfig, readPlatformSecrets } from "./stacks/config";
import { deployEdge } from "./stacks/edge";
import { deployPlatform } from "./stacks/platform";

// Config is read and validated in full (secrets for presence) before any resource is registered.
const config = readPlatformConfig();
// A platform deploys everything (and accepts a fleet when lgtm:fleet lists members); an edge only collects and ships to its central platform.
const platform = config.role === "platform" ? deployPlatform(config, readPlatformSecrets(config)) : undefined;
const edge = config.role === "edge" ? deployEdge(config) : undefined;

// An undefined value is no output: each role exports its own.
export const grafanaUrl = platform?.grafanaUrl;
export const grafanaService = platform?.grafanaService;
export const grafanaAdminUser = platform?.grafanaAdminUser;
export const grafanaAdminPassword = platform?.grafanaAdminPassword;
export const otlpGrpcEndpoint = platform?.otlpGrpcEndpoint;
export const otlpHttpEndpoint = platform?.otlpHttpEndpoint;
export const lokiPushUrl = platform?.lokiPushUrl;
export const prometheusRemoteWriteUrl = platform?.prometheusRemoteWriteUrl;
export const objectStorage = platform?.objectStorage;
// Only with lgtm:pushgateway.enabled.
export const pushgatewayUrl = platform?.pushgatewayUrl;
// Only with lgtm:fleet.edges: each member's endpoints and login, a secret read by edge stacks (stacks/edge.ts).
export const fleet = platform?.fleet;
export const central = edge?.central;
export const ingestHost = edge?.ingestHost;
