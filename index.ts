import { readPlatformConfig } from "./stacks/config";
import { deployPlatform } from "./stacks/platform";

// Config is read and validated in full before any resource is registered.
const platform = deployPlatform(readPlatformConfig());

export const grafanaUrl = platform.grafanaUrl;
export const grafanaService = platform.grafanaService;
export const grafanaAdminUser = platform.grafanaAdminUser;
export const grafanaAdminPassword = platform.grafanaAdminPassword;
export const otlpGrpcEndpoint = platform.otlpGrpcEndpoint;
export const otlpHttpEndpoint = platform.otlpHttpEndpoint;
export const lokiPushUrl = platform.lokiPushUrl;
export const prometheusRemoteWriteUrl = platform.prometheusRemoteWriteUrl;
