import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's Prometheus metrics, in a registry of its own (several apps can live in one process, as in tests). */
export function createApiMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'sunshare_api_' });
  return {
    registry,
    requests: new Counter({
      name: 'sunshare_api_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'sunshare_api_request_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    errors: new Counter({ name: 'sunshare_api_errors_total', help: 'error responses by stable code', labelNames: ['code'] as const, registers: [registry] }),
    authFailures: new Counter({
      name: 'sunshare_api_auth_failures_total',
      help: 'refused authentications by reason (missing, invalid, forbidden, rate_limited)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    liveMessages: new Counter({
      name: 'sunshare_api_live_messages_total',
      help: 'MQTT messages the live status view took in, by kind (status, telemetry, rejected)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    sitesOnline: new Gauge({ name: 'sunshare_api_sites_online', help: 'sites whose gateway is online, at the last scrape', registers: [registry] }),
  };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;
