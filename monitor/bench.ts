import { startSim } from '../firmware-sim/index.ts';
import { runHealthyCounty } from './testing/county.ts';
import { startScene, type Scene } from './testing/scene.ts';

/**
 * `npm run bench -- monitor` (JSON lines):
 * - detection speed, fault in the simulator -> notification at the webhook,
 *   through gateway, broker and monitor, at 10 s polling: offline and stuck in
 *   real time; underperformance (a failed string) on a clock 60x fast, in
 *   simulated minutes of daylight;
 * - false alarms over a simulated month of a healthy county (3 sites);
 * - lost energy of an injected outage against the simulator's truth.
 */
const out = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const texts = (s: Scene) => s.webhook.received.map((r) => ({ at: r.at, text: (r.body as { markdown: { content: string } }).markdown.content }));

async function until(check: () => boolean, maxMs: number): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > maxMs) return Number.NaN;
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now();
}

async function realTimeDetection(kind: 'silent' | 'stuck', device: string, marker: string): Promise<void> {
  const scene = await startScene({ pollMs: 10_000, start: '2026-06-21T11:00' });
  try {
    await until(() => scene.monitor.stats().batches >= 2, 60_000);
    const injected = Date.now();
    scene.sim.setFault(device, { kind });
    const at = await until(() => texts(scene).some((t) => t.text.includes('RAISED') && t.text.includes(device) && t.text.includes(marker)), 180_000);
    out({ bench: `monitor.detect_${kind === 'silent' ? 'offline' : 'stuck'}`, polling_s: 10, fault_to_notification_s: Number(((at - injected) / 1000).toFixed(1)), goal: '< 60 s' });
  } finally {
    await scene.stop();
  }
}

// 20x: a 10 s poll is 500 ms real, slack enough on a loaded two-core machine
async function underperformance(): Promise<void> {
  const speed = 20;
  // seed 7: a sunny day (on an overcast one the peers make < peerMinLoad and nothing is compared)
  const scene = await startScene({ pollMs: Math.round(10_000 / speed), speed, start: '2026-06-21T10:00', seed: 7 });
  try {
    await until(() => scene.monitor.stats().batches >= 5, 60_000);
    const simInjected = scene.sim.clock.now();
    scene.sim.setFault('inv2', { kind: 'string_failure', fraction: 0.3 });
    await until(() => texts(scene).some((t) => t.text.includes('underperforming') && t.text.includes('inv2')), 180_000);
    const simAt = scene.sim.clock.now();
    out({ bench: 'monitor.detect_underperformance', fault: 'string_failure 30 %', day: 'sunny', polling_s: 10, sim_speed: speed, fault_to_notification_daylight_min: Number(((simAt - simInjected) / 60_000).toFixed(1)), goal: '< 15 min of daylight (peerMinutes 10 by default)' });
  } finally {
    await scene.stop();
  }
}

/** An inverter trips for half an hour at midday; the truth is a twin simulator (same seed and config) that never tripped. */
async function lostRevenue(): Promise<void> {
  const speed = 20;
  const start = '2026-06-21T10:30';
  const scene = await startScene({ pollMs: Math.round(10_000 / speed), speed, start, households: 20, seed: 7 });
  const twin = await startSim({
    seed: 7,
    site: { id: scene.site },
    clock: { start, manual: true },
    tcp: { host: '127.0.0.1', port: 0 },
    control: { enabled: false },
    devices: [...scene.inverterIds.map((id, i) => ({ id, profile: 'sunspec', unitId: i + 1, ratedPowerW: 50_000, initialEnergyWh: 1_000_000 })), { id: 'meter', profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 5_000_000 }],
  });
  try {
    await until(() => scene.monitor.stats().batches >= 5, 60_000);
    const t0 = scene.sim.clock.now();
    scene.sim.setFault('inv1', { kind: 'trip', alarms: ['GRID_DISCONNECT'] });
    await new Promise((r) => setTimeout(r, 90_000)); // half an hour simulated
    const t1 = scene.sim.clock.now();
    scene.sim.clearFault('inv1', 'trip');
    await until(() => scene.changes.some((c) => c.change.type === 'cleared' && c.change.alarm.kind === 'inverter_alarm'), 60_000);
    const row = await scene.db.q.selectFrom('alarms').selectAll().where('kind', '=', 'inverter_alarm').executeTakeFirstOrThrow();
    const twinStart = twin.clock.now();
    twin.advance(t0 - twinStart);
    const before = twin.truth('inv1').producedWh;
    twin.advance(t1 - t0);
    const trueLostWh = twin.truth('inv1').producedWh - before;
    const est = Number(row.lost_wh);
    out({
      bench: 'monitor.lost_revenue',
      outage_sim_min: Number(((t1 - t0) / 60_000).toFixed(1)),
      true_lost_wh: Math.round(trueLostWh),
      estimated_lost_wh: est,
      error_pct: Number((((est - trueLostWh) / trueLostWh) * 100).toFixed(2)),
      lost_fen: Number(row.lost_fen),
      households_fen: Number(row.households_fen),
      company_fen: Number(row.company_fen),
      goal: 'within 5 % of the true lost energy',
    });
  } finally {
    await twin.stop();
    await scene.stop();
  }
}

async function falseAlarms(): Promise<void> {
  const t0 = performance.now();
  const r = await runHealthyCounty({ sites: 3, days: 30, stepMs: 30_000, start: '2026-03-01T00:00', seed: 5 });
  out({
    bench: 'monitor.false_alarms_month',
    sites: 3,
    days: r.days,
    step_s: 30,
    site_days: r.siteDays,
    alarms: r.raised,
    underperformance_alarms: r.raised.underperforming ?? 0,
    site_low_pr: { site_days_evaluated: r.sitePr.againstNeighbours, below_min: r.sitePr.low, with_two_neighbours: { site_days_evaluated: r.sitePr.twoNeighbours.againstNeighbours, below_min: r.sitePr.twoNeighbours.low } },
    note: "the simulator's weather is independent per site: neighbours' weather agrees less than in a real county",
    first_messages: r.messages.slice(0, 5),
    wall_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
    goal: '0 underperformance alarms (and no other)',
  });
}

// MONITOR_BENCH=false_alarms,offline,stuck,underperformance,lost_revenue runs only those
const only = process.env.MONITOR_BENCH?.split(',');
const want = (name: string) => !only || only.includes(name);
if (want('false_alarms')) await falseAlarms();
if (want('offline')) await realTimeDetection('silent', 'inv2', 'no reading');
if (want('stuck')) await realTimeDetection('stuck', 'inv1', 'stuck');
if (want('underperformance')) await underperformance();
if (want('lost_revenue')) await lostRevenue();
