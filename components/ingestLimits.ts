/**
 * Ingestion limits derived from the ingest rate a stack expects, instead of the charts' defaults
 * (Loki: 4 MB/s per tenant with a 6 MB burst, which drops logs with HTTP 429 when a node rolls and
 * every agent replays at once). Limits allow twice the expected rate and bursts of twice that.
 */

/** Headroom over the expected rate: replays after an outage or a node roll arrive at once. */
export const rateHeadroom = 2;
/** Burst allowance over the (headroomed) rate. */
export const burstFactor = 2;

/** `limits_config` entries of Loki for a tenant expected to send `mbPerSecond` MB/s of logs. */
export interface LokiIngestLimits {
    readonly ingestion_rate_mb: number;
    readonly ingestion_burst_size_mb: number;
    readonly per_stream_rate_limit: string;
    readonly per_stream_rate_limit_burst: string;
    readonly max_global_streams_per_user: number;
}

export function lokiIngestLimits(mbPerSecond: number): LokiIngestLimits {
    const rate = Math.ceil(mbPerSecond * rateHeadroom);
    // One chatty pod must not take a tenant's whole budget, nor be throttled below Loki's 3 MB default.
    const perStream = Math.max(3, Math.ceil(rate / 4));
    return {
        ingestion_rate_mb: rate,
        ingestion_burst_size_mb: rate * burstFactor,
        per_stream_rate_limit: `${perStream}MB`,
        per_stream_rate_limit_burst: `${perStream * 3}MB`,
        // Streams grow with the number of pods, which grows with the log volume; never below Loki's 5000.
        max_global_streams_per_user: Math.max(5000, Math.ceil(mbPerSecond) * 1000),
    };
}

/** `overrides.defaults.ingestion` of Tempo for a tenant expected to send `mbPerSecond` MB/s of spans. */
export interface TempoIngestLimits {
    readonly rate_limit_bytes: number;
    readonly burst_size_bytes: number;
    readonly max_traces_per_user: number;
}

const mebibyte = 1024 * 1024;

export function tempoIngestLimits(mbPerSecond: number): TempoIngestLimits {
    const rateBytes = Math.ceil(mbPerSecond * rateHeadroom * mebibyte);
    return {
        rate_limit_bytes: rateBytes,
        burst_size_bytes: rateBytes * burstFactor,
        // Live traces held by the ingesters; Tempo's default (10000) suits about 1 MB/s.
        max_traces_per_user: Math.max(10000, Math.ceil(mbPerSecond) * 10000),
    };
}
