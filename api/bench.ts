import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { openLedger } from '../common/ledger/index.ts';
import { buildApp } from './app.ts';
import { createToken } from './auth/tokens.ts';
import { batchFor, seedSites } from './fixtures.ts';
import { LiveStatusStore } from './live/store.ts';

/**
 * The site-status list for a county's 150 sites, served from a real SQLite
 * ledger and a live store fed with telemetry, under load from autocannon on
 * loopback. Sized for a 2-core machine shared with the load generator.
 */
const SITES = 150;
const db = await openLedger(':memory:');
const ids = await seedSites(db, SITES);
const live = new LiveStatusStore();
const t0 = Date.now() - 3600_000;
for (const [i, site] of ids.entries()) {
  for (let k = 0; k < 12; k++) live.applyTelemetry(batchFor(site, k, t0 + k * 300_000, 20_000 + i * 10, 1e6 + k * 1000, 2e6 + k * 3000));
}
const { token } = await createToken(db, 'viewer', 'bench');
const app = await buildApp({ db, live });
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;
const url = `http://127.0.0.1:${port}/sites?limit=${SITES}`;

const check = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
const body = (await check.json()) as { total: number; items: unknown[] };
if (body.items.length !== SITES) throw new Error(`expected ${SITES} sites, got ${body.items.length}`);

const run = (duration: number) => autocannon({ url, connections: 10, duration, headers: { authorization: `Bearer ${token}` } });
await run(1); // warm-up
const r = await run(5);
console.log(
  JSON.stringify({
    bench: 'api.site_status_list',
    sites: SITES,
    connections: 10,
    duration_s: 5,
    req_per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    bytes_per_response: JSON.stringify(body).length,
    goal: 'p99 <= 50 ms at >= 500 req/s',
  }),
);
await app.close();
await db.close();
