import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../common/testing/index.ts';
import { startScene, type Scene } from './testing/scene.ts';

/** Fault injected in the simulator -> gateway -> broker -> monitor -> alarm in the ledger -> WeCom webhook. */
let scene: Scene | undefined;
afterEach(async () => {
  await scene?.stop();
  scene = undefined;
});

const webhookTexts = (s: Scene) => s.webhook.received.map((r) => (r.body as { markdown: { content: string } }).markdown.content);

describe('monitor end to end', () => {
  it('raises, notifies and clears an offline inverter (silent to Modbus)', async () => {
    scene = await startScene({ pollMs: 200 });
    const s = scene;
    await waitFor(async () => s.monitor.stats().batches >= 3, 'telemetry reaches the monitor', 10_000);
    s.sim.setFault('inv2', { kind: 'silent' });
    await waitFor(async () => webhookTexts(s).some((t) => t.includes('RAISED') && t.includes('inv2') && t.includes('no reading')), 'offline notification', 15_000);
    const open = await s.db.q.selectFrom('alarms').selectAll().where('kind', '=', 'device_offline').execute();
    expect(open).toHaveLength(1);
    expect(open[0]!.device_id).toBe('inv2');
    expect(open[0]!.cleared_at).toBeNull();
    s.sim.clearFault('inv2', 'silent');
    await waitFor(async () => webhookTexts(s).some((t) => t.includes('CLEARED') && t.includes('inv2')), 'cleared notification', 15_000);
    const row = await s.db.q.selectFrom('alarms').selectAll().where('id', '=', open[0]!.id).executeTakeFirstOrThrow();
    expect(Number(row.cleared_at)).toBeGreaterThan(Number(row.raised_at));
    // one message per change: raised once, cleared once
    expect(webhookTexts(s).filter((t) => t.includes('inv2') && t.includes('device_offline'))).toHaveLength(2);
  }, 40_000);

  it('raises a stuck inverter whose registers froze, and no offline alarm for it', async () => {
    scene = await startScene({ pollMs: 200 });
    const s = scene;
    await waitFor(async () => s.monitor.stats().batches >= 3, 'telemetry reaches the monitor', 10_000);
    s.sim.setFault('inv1', { kind: 'stuck' });
    await waitFor(async () => webhookTexts(s).some((t) => t.includes('RAISED') && t.includes('inv1') && t.includes('stuck')), 'stuck notification', 15_000);
    const kinds = (await s.db.q.selectFrom('alarms').select(['kind', 'device_id']).execute()).map((r) => `${r.kind}:${r.device_id}`);
    expect(kinds).toContain('inverter_stuck:inv1');
    expect(kinds).not.toContain('device_offline:inv1');
    expect(kinds.filter((k) => !k.endsWith(':inv1'))).toEqual([]);
  }, 40_000);

  it('decodes a tripped inverter\'s alarm bits to their vendor meaning and prices the outage for the households', async () => {
    scene = await startScene({ pollMs: 200, households: 20, speed: 60 }); // a minute of sun a second: the outage loses measurable energy
    const s = scene;
    await waitFor(async () => s.monitor.stats().batches >= 3, 'telemetry reaches the monitor', 10_000);
    s.sim.setFault('inv3', { kind: 'trip', alarms: ['GROUND_FAULT'] });
    await waitFor(async () => webhookTexts(s).some((t) => t.includes('Ground fault') && t.includes('接地故障')), 'alarm-bit notification', 15_000);
    s.sim.clearFault('inv3', 'trip');
    await waitFor(async () => webhookTexts(s).some((t) => t.includes('CLEARED') && t.includes('Ground fault')), 'cleared', 15_000);
    const row = await s.db.q.selectFrom('alarms').selectAll().where('kind', '=', 'inverter_alarm').executeTakeFirstOrThrow();
    expect(row.stops_generation).toBe(1);
    expect(Number(row.lost_wh)).toBeGreaterThan(0);
    expect(Number(row.households)).toBe(20);
    expect(Number(row.households_fen) + Number(row.company_fen)).toBe(Number(row.lost_fen));
  }, 40_000);
});

describe('monitor end to end, on a faster clock', () => {
  it('raises underperformance for an inverter with a failed string, against its peers, on a sunny morning', async () => {
    // 20x: a 10 s poll every 500 ms; peerMinutes 2 keeps the test short (the default 10 is in the bench)
    scene = await startScene({ pollMs: 500, speed: 20, seed: 7, start: '2026-06-21T10:00', monitor: { detect: { peerMinutes: 2 } } });
    const s = scene;
    await waitFor(async () => s.monitor.stats().batches >= 3, 'telemetry reaches the monitor', 10_000);
    s.sim.setFault('inv3', { kind: 'string_failure', fraction: 0.4 });
    await waitFor(async () => webhookTexts(s).some((t) => t.includes('underperforming') && t.includes('inv3')), 'underperformance notification', 30_000);
    const rows = await s.db.q.selectFrom('alarms').select(['kind', 'device_id']).where('kind', '=', 'underperforming').execute();
    expect(rows.map((r) => r.device_id)).toEqual(['inv3']);
  }, 60_000);

  it("raises underperformance for a lone inverter with a failed string against the irradiance sensor on its input (SunSpec 302), none while it is healthy", async () => {
    scene = await startScene({ pollMs: 500, speed: 20, seed: 7, start: '2026-06-21T10:00', inverters: 1, profile: 'sunspec-irradiance', monitor: { detect: { peerMinutes: 2 } } });
    const s = scene;
    await waitFor(async () => s.monitor.stats().batches >= 3, 'telemetry reaches the monitor', 10_000);
    // healthy for longer than peerMinutes (3 simulated minutes at 20x: 9 s): nothing
    const healthyUntil = s.sim.clock.now() + 3 * 60_000;
    await waitFor(async () => s.sim.clock.now() >= healthyUntil, 'three healthy minutes', 20_000);
    expect(await s.db.q.selectFrom('alarms').select('kind').execute()).toEqual([]);
    s.sim.setFault('inv1', { kind: 'string_failure', fraction: 0.4 });
    await waitFor(async () => webhookTexts(s).some((t) => t.includes('underperforming') && t.includes('inv1')), 'underperformance notification', 30_000);
    const rows = await s.db.q.selectFrom('alarms').select(['kind', 'device_id', 'message']).where('kind', '=', 'underperforming').execute();
    expect(rows.map((r) => r.device_id)).toEqual(['inv1']);
    expect(rows[0]!.message).toContain('irradiance sensor');
  }, 60_000);
});
