import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { SunshareError } from '../common/errors.ts';
import type { Db } from '../common/ledger/index.ts';
import { silentLogger, type Logger } from '../common/log.ts';
import { installAuth } from './auth/hook.ts';
import { FailureLimiter } from './auth/limiter.ts';
import type { ApiContext } from './context.ts';
import { installErrorHandlers } from './errors.ts';
import { LiveStatusStore } from './live/store.ts';
import { createApiMetrics, type ApiMetrics } from './metrics.ts';
import type { PayoutService } from './payout-service.ts';
import { deviceRoutes } from './routes/devices.ts';
import { energyRoutes } from './routes/energy.ts';
import { pageRoutes } from './routes/page.ts';
import { alarmRoutes } from './routes/alarms.ts';
import { auditRoutes } from './routes/audit.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import { payoutRoutes } from './routes/payouts.ts';
import { paymentRoutes } from './routes/payments.ts';
import { registryImportRoutes } from './routes/registry-import.ts';
import { registryRoutes } from './routes/registry.ts';
import { siteRoutes } from './routes/sites.ts';
import { systemRoutes } from './routes/system.ts';

export interface BuildAppOptions {
  db: Db;
  live?: LiveStatusStore;
  log?: Logger;
  metrics?: ApiMetrics;
  payout?: PayoutService;
  expectedYieldKwhPerKwp?: number;
  /** Failed logins allowed per client address per minute before 429. */
  authFailuresPerMinute?: number;
  /** Trust X-Forwarded-For (only behind a reverse proxy you run). */
  trustProxy?: boolean;
}

/** The API as a fastify app, not listening: tests call `app.inject()`, server.ts calls `listen`. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const log = opts.log ?? silentLogger;
  // fastify's own logger type: the app is a FastifyInstance with FastifyBaseLogger, not with pino's Logger
  const loggerInstance: FastifyBaseLogger = log;
  const app = Fastify({
    loggerInstance,
    trustProxy: opts.trustProxy ?? false,
    // request lines are counted in /metrics; logging each one would cost more than answering it
    logController: new LogController({ disableRequestLogging: true }),
    // unknown body fields are an error, not silently dropped
    ajv: { customOptions: { removeAdditional: false } },
  });
  const ctx: ApiContext = {
    db: opts.db,
    live: opts.live ?? new LiveStatusStore(),
    metrics: opts.metrics ?? createApiMetrics(),
    log,
    payout: opts.payout,
    expectedYieldKwhPerKwp: opts.expectedYieldKwhPerKwp ?? 1000,
  };

  installErrorHandlers(app, (code) => ctx.metrics.errors.inc({ code }));
  installAuth(app, ctx.db, new FailureLimiter(opts.authFailuresPerMinute ?? 20, 60_000), (reason) => ctx.metrics.authFailures.inc({ reason }));
  // ajv coerces "1e400" and "Infinity" in a query to ±Infinity, which passes its integer and range checks; no route can use one.
  app.addHook('preHandler', async (req) => {
    const bad = Object.entries((req.query ?? {}) as Record<string, unknown>).find(([, v]) => typeof v === 'number' && !Number.isFinite(v));
    if (bad) throw new SunshareError('REQUEST_INVALID', 'the request querystring is invalid', { details: [`querystring/${bad[0]}: must be a finite number`] });
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    ctx.metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    ctx.metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Sunshare API',
        version: '1',
        description:
          'Community solar telemetry and revenue sharing. Send `Authorization: Bearer <token>` (create one with `sunshare api token create`). ' +
          'Roles: viewer (read), operator (+ gateways and device health), finance (+ payout runs and reports), admin (everything, registry changes). ' +
          'Errors are `{ "error": { "code", "message", "details" } }` with a stable code.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  systemRoutes(app, ctx);
  siteRoutes(app, ctx);
  deviceRoutes(app, ctx);
  energyRoutes(app, ctx);
  registryRoutes(app, ctx);
  registryImportRoutes(app, ctx);
  payoutRoutes(app, ctx);
  paymentRoutes(app, ctx);
  auditRoutes(app, ctx);
  deadLetterRoutes(app, ctx);
  alarmRoutes(app, ctx);
  pageRoutes(app);
  return app;
}
