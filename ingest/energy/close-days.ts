import type { Db } from '../../common/ledger/index.ts';
import { computeDay, type DailyEnergy } from './daily.ts';
import type { CounterRead } from './increment.ts';
import { SLOT_MS } from './record.ts';
import { addDays, dayBounds, localDay } from '../../common/index.ts';

export interface CloseEnergyDaysOptions {
  now: number;
  /** Days are computed only once this long has passed since their local midnight ended. */
  graceMs: number;
  maxGapMs: number;
  tzOf: (site: string) => string;
  /** How many dirty days to look at in one call. */
  limit?: number;
}

export interface CloseEnergyDaysResult {
  /** Days computed. */
  computed: number;
  /** New daily_energy rows (first revisions and later ones). */
  revisions: number;
}

interface DayKey {
  site: string;
  device: string;
  counter: string;
  day: string;
  marks?: number;
}

interface SlotRow {
  first_ts: number;
  first_wh: number;
  first_serial: string;
  last_ts: number;
  last_wh: number;
  last_serial: string;
}

interface CurrentRow {
  revision: number;
  energy_wh: number;
  method: string;
  flags: string;
  first_ts: number | null;
  first_wh: number | null;
  last_ts: number | null;
  last_wh: number | null;
  readings: number;
}

/** Longest gap (in days) over which days without reads of their own are filled in. */
const MAX_FILL_DAYS = 62;

const SLOT_COLS = ['first_ts', 'first_wh', 'first_serial', 'last_ts', 'last_wh', 'last_serial'] as const;

async function loadReads(db: Db, k: DayKey, start: number, end: number): Promise<CounterRead[]> {
  const from = Math.floor(start / SLOT_MS);
  const to = Math.ceil(end / SLOT_MS);
  const slots = () => db.q.selectFrom('counter_reads').select(SLOT_COLS).where('site_id', '=', k.site).where('device_id', '=', k.device).where('counter', '=', k.counter);
  const rows: SlotRow[] = [
    ...(await slots().where('slot', '<', from).orderBy('slot', 'desc').limit(1).execute()),
    ...(await slots().where('slot', '>=', from).where('slot', '<', to).orderBy('slot').execute()),
    ...(await slots().where('slot', '>=', to).orderBy('slot').limit(1).execute()),
  ];
  const all: CounterRead[] = [];
  for (const r of rows) {
    all.push({ ts: Number(r.first_ts), wh: Number(r.first_wh), serial: r.first_serial });
    if (Number(r.last_ts) !== Number(r.first_ts)) all.push({ ts: Number(r.last_ts), wh: Number(r.last_wh), serial: r.last_serial });
  }
  all.sort((a, b) => a.ts - b.ts);
  const before = all.filter((r) => r.ts < start);
  const inside = all.filter((r) => r.ts >= start && r.ts < end);
  const after = all.filter((r) => r.ts >= end);
  return [...before.slice(-1), ...inside, ...after.slice(0, 1)];
}

const same = (cur: CurrentRow, d: DailyEnergy, flags: string) =>
  Number(cur.energy_wh) === d.energyWh &&
  cur.method === d.method &&
  cur.flags.split(',').filter((f) => f !== 'late' && f !== '').join(',') === flags &&
  (cur.first_ts === null ? undefined : Number(cur.first_ts)) === d.first?.ts &&
  (cur.first_wh === null ? undefined : Number(cur.first_wh)) === d.first?.wh &&
  (cur.last_ts === null ? undefined : Number(cur.last_ts)) === d.last?.ts &&
  (cur.last_wh === null ? undefined : Number(cur.last_wh)) === d.last?.wh &&
  Number(cur.readings) === d.readings;

/** Computes one day and appends a revision when the result differs from the current one; true when it did. */
async function closeDay(db: Db, k: DayKey, opts: CloseEnergyDaysOptions, extra: (k: DayKey) => void): Promise<boolean> {
  const tz = opts.tzOf(k.site);
  const { start, end } = dayBounds(k.day, tz);
  return db.transaction(async (tx) => {
    const reads = await loadReads(tx, k, start, end);
    const first = reads[0];
    const last = reads[reads.length - 1];
    // A read far before or after this day means the days in between have no reads of their own: fill them in too.
    if (first && first.ts < start) {
      const prevDay = localDay(first.ts, tz);
      for (let d = addDays(prevDay, 1), n = 0; d < k.day && n < MAX_FILL_DAYS; d = addDays(d, 1), n++) extra({ ...k, day: d, marks: undefined });
    }
    if (last && last.ts >= end) {
      const nextDay = localDay(last.ts, tz);
      for (let d = addDays(k.day, 1), n = 0; d < nextDay && n < MAX_FILL_DAYS; d = addDays(d, 1), n++) extra({ ...k, day: d, marks: undefined });
    }
    const result = computeDay({ start, end, reads, maxGapMs: opts.maxGapMs });
    let inserted = false;
    if (result) {
      const cur: CurrentRow | undefined = await tx.q
        .selectFrom('daily_energy')
        .select(['revision', 'energy_wh', 'method', 'flags', 'first_ts', 'first_wh', 'last_ts', 'last_wh', 'readings'])
        .where('site_id', '=', k.site)
        .where('device_id', '=', k.device)
        .where('counter', '=', k.counter)
        .where('day', '=', k.day)
        .orderBy('revision', 'desc')
        .limit(1)
        .executeTakeFirst();
      const flags = result.flags.join(',');
      if (!cur || !same(cur, result, flags)) {
        const revision = (cur ? Number(cur.revision) : 0) + 1;
        // Two instances closing the same day compute the same row: the second insert is a no-op.
        const r = await tx.q
          .insertInto('daily_energy')
          .values({
            site_id: k.site,
            device_id: k.device,
            counter: k.counter,
            day: k.day,
            revision,
            first_ts: result.first?.ts ?? null,
            first_wh: result.first?.wh ?? null,
            last_ts: result.last?.ts ?? null,
            last_wh: result.last?.wh ?? null,
            energy_wh: result.energyWh,
            method: result.method,
            flags: revision > 1 ? [...result.flags, 'late'].sort().join(',') : flags,
            readings: result.readings,
            computed_at: new Date(opts.now).toISOString(),
          })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        inserted = Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
      }
    }
    if (k.marks !== undefined) {
      await tx.q
        .deleteFrom('daily_energy_dirty')
        .where('site_id', '=', k.site)
        .where('device_id', '=', k.device)
        .where('counter', '=', k.counter)
        .where('day', '=', k.day)
        .where('marks', '=', k.marks)
        .execute();
    }
    return inserted;
  });
}

/**
 * Closes days: computes daily energy for every dirty day that has ended (plus
 * the grace period), appending a revision only when the result changed:
 * recomputing an unchanged day, or a redelivered message, writes nothing.
 * (Ingest's daily-energy step; payout's settle turns these days into money.)
 */
export async function closeEnergyDays(db: Db, opts: CloseEnergyDaysOptions): Promise<CloseEnergyDaysResult> {
  const rows = await db.q
    .selectFrom('daily_energy_dirty')
    .select(['site_id', 'device_id', 'counter', 'day', 'marks'])
    .orderBy('site_id').orderBy('device_id').orderBy('counter').orderBy('day')
    .limit(opts.limit ?? 100_000)
    .execute();
  const queue: DayKey[] = [];
  const seen = new Set<string>();
  const enqueue = (k: DayKey) => {
    const id = `${k.site}|${k.device}|${k.counter}|${k.day}`;
    if (seen.has(id)) return;
    if (dayBounds(k.day, opts.tzOf(k.site)).end + opts.graceMs > opts.now) return;
    seen.add(id);
    queue.push(k);
  };
  for (const r of rows) enqueue({ site: r.site_id, device: r.device_id, counter: r.counter, day: r.day, marks: Number(r.marks) });
  const result: CloseEnergyDaysResult = { computed: 0, revisions: 0 };
  for (let i = 0; i < queue.length; i++) {
    result.computed++;
    if (await closeDay(db, queue[i]!, opts, enqueue)) result.revisions++;
  }
  return result;
}
