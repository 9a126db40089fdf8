import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo } from './index.ts';

/**
 * `npm start` as a newcomer gets it (default sites, sizes and a 60 s simulated
 * day), on free ports in a temp dir: how long until the API answers, and
 * until the first simulated day is settled.
 */
const dir = mkdtempSync(join(tmpdir(), 'sunshare-demo-bench-'));
const t0 = performance.now();
const demo = await startDemo({ apiPort: 0, mqttPort: 0, dataDir: join(dir, 'data') });
const startedMs = performance.now() - t0;
const simStart = demo.simNow();
while (demo.settledDays.length === 0) {
  if (performance.now() - t0 > 110_000) throw new Error('no settled day within 110 s');
  await new Promise((r) => setTimeout(r, 100));
}
const settledMs = performance.now() - t0;
const simHours = (demo.simNow() - simStart) / 3_600_000;
const res = await fetch(`${demo.apiUrl}/settlements?limit=500`, { headers: { authorization: `Bearer ${demo.tokens.viewer}` } });
const settlements = ((await res.json()) as { total: number }).total;
const stopT = performance.now();
await demo.stop();
console.log(
  JSON.stringify({
    bench: 'demo.first_settled_day',
    sites: 3,
    day_seconds: 60,
    startup_ms: Math.round(startedMs),
    first_settled_ms: Math.round(settledMs),
    simulated_hours_to_first_settle: Number(simHours.toFixed(1)),
    settlements,
    stop_ms: Math.round(performance.now() - stopT),
    goal: 'startup <= 5 s; first settled day <= 70 s (the clock starts at 04:00, the day ends at 24:00 + grace)',
  }),
);
rmSync(dir, { recursive: true, force: true });
