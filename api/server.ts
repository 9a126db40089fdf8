import type { FastifyInstance } from 'fastify';
import { SunshareError } from '../common/errors.ts';
import { openLedger, ledgerUrl, type Db } from '../common/ledger/index.ts';
import type { Logger } from '../common/log.ts';
import { buildApp } from './app.ts';
import type { ApiConfig } from './config.ts';
import { startLiveFeed, type LiveFeed } from './live/feed.ts';
import { seedEnergyToday } from './live/seed.ts';
import { LiveStatusStore } from './live/store.ts';
import { createApiMetrics } from './metrics.ts';
import type { PayoutService } from './payout-service.ts';
import { DEFAULT_TIME_ZONE } from '../common/index.ts';

export interface RunningApi {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly live: LiveStatusStore;
  close(): Promise<void>;
}

/**
 * The API as a running service: ledger, live feed from MQTT, listening app.
 * `db` and `payout` may be passed in (the demo shares its ledger); otherwise
 * the ledger is opened from the config and closed on `close()`.
 */
export async function startApi(config: ApiConfig, log: Logger, shared: { db?: Db; payout?: PayoutService } = {}): Promise<RunningApi> {
  const db = shared.db ?? (await openLedger(ledgerUrl(config.ledger)));
  const zones = new Map((await db.q.selectFrom('sites').select(['id', 'time_zone']).execute()).map((r) => [r.id, r.time_zone]));
  const live = new LiveStatusStore({ offlineAfterMs: config.offlineAfterS * 1000, timeZoneOf: (s) => zones.get(s) ?? DEFAULT_TIME_ZONE });
  const seeded = await seedEnergyToday(db, live, (s) => zones.get(s) ?? DEFAULT_TIME_ZONE).catch((err: Error) => {
    log.warn({ err: err.message }, 'energy today starts from zero: counter reads unreadable');
    return 0;
  });
  log.info({ devices: seeded }, 'energy today seeded from the ledger');
  const metrics = createApiMetrics({ defaults: true });
  let feed: LiveFeed | undefined;
  if (config.mqtt.enabled) {
    feed = await startLiveFeed({
      url: config.mqtt.url,
      username: config.mqtt.username,
      password: config.mqtt.password,
      store: live,
      log,
      onMessage: (kind) => metrics.liveMessages.inc({ kind }),
    });
  }
  const app = await buildApp({
    db,
    live,
    log,
    metrics,
    payout: shared.payout,
    expectedYieldKwhPerKwp: config.expectedYieldKwhPerKwp,
    authFailuresPerMinute: config.authFailuresPerMinute,
    trustProxy: config.trustProxy,
  });
  let address: string;
  try {
    address = await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await app.close();
    await feed?.close();
    if (!shared.db) await db.close();
    throw new SunshareError('LISTEN_FAILED', `cannot listen on ${config.listen.host}:${config.listen.port}: ${(err as Error).message}; choose another port (--port, or --api-port for the demo)`, { cause: err });
  }
  log.info({ url: address }, 'API listening');
  return {
    app,
    url: address,
    live,
    async close() {
      await app.close();
      await feed?.close();
      await shared.payout?.idle();
      if (!shared.db) await db.close();
    },
  };
}
