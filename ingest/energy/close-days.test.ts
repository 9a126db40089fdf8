import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../common/ledger/index.ts';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { ReadRecorder, type LedgerRead } from './record.ts';
import { closeEnergyDays } from './close-days.ts';
import { dayBounds } from '../../common/index.ts';

const pgUp = await postgresAvailable();
const TZ = 'Asia/Shanghai';
const H = 3_600_000;
const D1 = dayBounds('2026-06-01', TZ).start;
const tzOf = () => TZ;
const opts = (now: number) => ({ now, graceMs: 15 * 60_000, maxGapMs: H, tzOf });
const afterDay = (days: number) => D1 + days * 24 * H + 20 * 60_000;

/** Reads every 10 minutes from hour h0 to h1 of day 1 (h may exceed 24), counter rising 600 Wh/h. */
function reads(device: string, h0: number, h1: number, extra: Partial<LedgerRead> = {}): LedgerRead[] {
  const out: LedgerRead[] = [];
  for (let t = D1 + h0 * H; t <= D1 + h1 * H; t += 600_000) {
    out.push({ site: 's1', device, counter: 'ac_energy_wh', ts: t, wh: 10_000 + Math.round(((t - D1) / H) * 600), serial: 'A', ...extra });
  }
  return out;
}

function shuffle<T>(a: T[], seed = 7): T[] {
  const r = [...a];
  let s = seed;
  for (let i = r.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [r[i], r[j]] = [r[j]!, r[i]!];
  }
  return r;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`daily energy in the ledger on ${dialect}`, () => {
    let db: Db;
    let ledger: TestLedger | undefined;
    const recorder = new ReadRecorder({ graceMs: 15 * 60_000, markCacheMs: 60_000 });
    const record = (rs: LedgerRead[], now = afterDay(3)) => db.transaction((tx) => recorder.record(tx, rs, tzOf, now));
    const rows = (device: string) =>
      db.all<{ day: string; revision: number; energy_wh: number; method: string; flags: string }>(
        'SELECT day, revision, energy_wh, method, flags FROM daily_energy WHERE device_id = ? ORDER BY day, revision',
        [device],
      );

    beforeAll(async () => {
      ledger = await openTestLedger(dialect);
      db = ledger.db;
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('in order, shuffled, and delivered twice give the same days', async () => {
      const all = reads('ordered', -2, 50);
      await record(all);
      await record(shuffle(reads('shuffled', -2, 50)).map((r) => ({ ...r })));
      const twice = shuffle([...reads('twice', -2, 50), ...reads('twice', -2, 50)], 3);
      for (let i = 0; i < twice.length; i += 37) await record(twice.slice(i, i + 37));
      const r = await closeEnergyDays(db, opts(afterDay(3)));
      expect(r.revisions).toBeGreaterThan(0);
      const ordered = await rows('ordered');
      expect(ordered.map((x) => [x.day, x.energy_wh])).toEqual([
        ['2026-05-31', 1200],
        ['2026-06-01', 24 * 600],
        ['2026-06-02', 24 * 600],
        ['2026-06-03', 2 * 600],
      ]);
      expect(await rows('shuffled')).toEqual(ordered);
      expect(await rows('twice')).toEqual(ordered);
    });

    it('closing again, or redelivering, adds no revision', async () => {
      await record(reads('ordered', -2, 50));
      const r = await closeEnergyDays(db, opts(afterDay(3)));
      expect(r.revisions).toBe(0);
      expect((await rows('ordered')).every((x) => x.revision === 1)).toBe(true);
    });

    it('late data for a closed day appends revision 2 flagged late', async () => {
      // Day 1 first sees a gap 08:00-16:00 (spool not yet replayed).
      await record([...reads('late', -1, 8), ...reads('late', 16, 25)]);
      await closeEnergyDays(db, opts(afterDay(1)));
      const first = (await rows('late')).filter((x) => x.day === '2026-06-01');
      expect(first).toEqual([{ day: '2026-06-01', revision: 1, energy_wh: 24 * 600, method: 'delta', flags: 'gap' }]);
      // The spool replay fills the gap: energy is the same (counters), the gap flag goes.
      await record(reads('late', 8, 16), afterDay(2));
      await closeEnergyDays(db, opts(afterDay(2)));
      const second = (await rows('late')).filter((x) => x.day === '2026-06-01');
      expect(second.map((x) => [x.revision, x.energy_wh, x.flags])).toEqual([
        [1, 24 * 600, 'gap'],
        [2, 24 * 600, 'late'],
      ]);
      const current = await db.get<{ revision: number }>("SELECT revision FROM daily_energy_current WHERE device_id = 'late' AND day = '2026-06-01'");
      expect(current?.revision).toBe(2);
    });

    it('days without reads of their own are filled in from the pair around them', async () => {
      await record([...reads('offline', -1, 1), ...reads('offline', 72, 73)]);
      await closeEnergyDays(db, opts(afterDay(4)));
      const days = await rows('offline');
      expect(days.map((x) => x.day)).toEqual(['2026-05-31', '2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04']);
      expect(days.filter((x) => x.day === '2026-06-02' || x.day === '2026-06-03').map((x) => x.method)).toEqual(['estimated', 'estimated']);
      expect(days.reduce((s, x) => s + x.energy_wh, 0)).toBe(74 * 600);
    });

    it('a day still open (or within the grace period) is not closed', async () => {
      await record(reads('open', 0, 10));
      await closeEnergyDays(db, opts(D1 + 24 * H + 60_000));
      expect(await rows('open')).toEqual([]);
      await closeEnergyDays(db, opts(afterDay(1)));
      expect((await rows('open')).map((x) => [x.day, x.energy_wh])).toEqual([['2026-06-01', 10 * 600]]);
    });
  });
}
