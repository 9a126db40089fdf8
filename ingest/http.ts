import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry as PromRegistry } from 'prom-client';

export interface HealthReport {
  ok: boolean;
  /** pending: messages not yet acknowledged; oldestPendingMs: how long the oldest of them has waited. */
  mqtt: { connected: boolean; pending: number; oldestPendingMs: number };
  /** lastError: InfluxDB's last failed request, until a batch is written. */
  influx: { lastWriteOkAt: number | null; lastError: string | null };
  /** lastError: closing days failed. */
  ledger: { lastClosedAt: number | null; lastError: string | null };
  /** Batches (InfluxDB and ledger together): failingSince/lastError are set from a failed write until one succeeds. */
  writes: { failingSince: number | null; lastError: string | null };
}

/** GET /health (200 when ok, 503 otherwise: MQTT disconnected, a write failing, a message waiting too long) and GET /metrics (Prometheus text). */
export async function startHttp(host: string, port: number, health: () => HealthReport, metrics: PromRegistry): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ logger: false });
  app.get('/health', async (_req, reply) => {
    const h = health();
    return reply.code(h.ok ? 200 : 503).send(h);
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.contentType).send(await metrics.metrics()));
  await app.listen({ host, port });
  const addr = app.server.address();
  return { app, port: typeof addr === 'object' && addr ? addr.port : port };
}
