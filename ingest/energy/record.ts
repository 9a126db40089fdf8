import type { Insertable } from 'kysely';
import { addDays, dayBounds, localDay } from '../../common/index.ts';
import type { CounterReadsTable, DailyEnergyDirtyTable, Db } from '../../common/ledger/index.ts';

/** 15-minute slots: one earliest and one latest read kept per slot (migration 101). */
export const SLOT_MS = 900_000;

/** One lifetime counter value of one device, as ingest extracts it from a reading. */
export interface LedgerRead {
  site: string;
  device: string;
  counter: string;
  ts: number;
  wh: number;
  serial: string;
}

interface SlotRow {
  key: string;
  site: string;
  device: string;
  counter: string;
  slot: number;
  first: LedgerRead;
  last: LedgerRead;
}

const before = (a: LedgerRead, b: LedgerRead) => a.ts < b.ts || (a.ts === b.ts && a.wh < b.wh);

type SlotInsert = Insertable<CounterReadsTable>;
type DirtyInsert = Insertable<DailyEnergyDirtyTable>;

const CHUNK = 400;

/**
 * Upserts slots keeping the earliest first and the latest last read. Every
 * right-hand side sees the old row (SQLite and PostgreSQL alike), so the ts
 * columns can be updated last or first.
 */
async function upsertSlots(db: Db, rows: readonly SlotInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db.q
      .insertInto('counter_reads')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['site_id', 'device_id', 'counter', 'slot']).doUpdateSet((eb) => {
          const firstWins = eb.or([
            eb('excluded.first_ts', '<', eb.ref('counter_reads.first_ts')),
            eb.and([eb('excluded.first_ts', '=', eb.ref('counter_reads.first_ts')), eb('excluded.first_wh', '<', eb.ref('counter_reads.first_wh'))]),
          ]);
          const lastWins = eb.or([
            eb('excluded.last_ts', '>', eb.ref('counter_reads.last_ts')),
            eb.and([eb('excluded.last_ts', '=', eb.ref('counter_reads.last_ts')), eb('excluded.last_wh', '>', eb.ref('counter_reads.last_wh'))]),
          ]);
          const pick = <C extends 'first_wh' | 'first_serial' | 'first_ts' | 'last_wh' | 'last_serial' | 'last_ts'>(wins: typeof firstWins, c: C) =>
            eb.case().when(wins).then(eb.ref(`excluded.${c}`)).else(eb.ref(`counter_reads.${c}`)).end();
          return {
            first_wh: pick(firstWins, 'first_wh'),
            first_serial: pick(firstWins, 'first_serial'),
            first_ts: pick(firstWins, 'first_ts'),
            last_wh: pick(lastWins, 'last_wh'),
            last_serial: pick(lastWins, 'last_serial'),
            last_ts: pick(lastWins, 'last_ts'),
          };
        }),
      )
      .execute();
  }
}

/** Marks days dirty; `marks` grows on every mark (see migration 101). */
async function markDirty(db: Db, rows: readonly DirtyInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db.q
      .insertInto('daily_energy_dirty')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['site_id', 'device_id', 'counter', 'day']).doUpdateSet((eb) => ({ marks: eb('daily_energy_dirty.marks', '+', 1) })))
      .execute();
  }
}

export interface RecorderOptions {
  /** A day is closed this long after its local midnight (close-days.ts); marks for younger days may be cached. */
  graceMs: number;
  /** How long a dirty mark is remembered instead of rewritten; must be below graceMs. */
  markCacheMs: number;
}

/**
 * Writes counter reads into the ledger inside the caller's transaction: the
 * slot upserts and the dirty marks for the read's day and both neighbours (a
 * first or last read of a day changes how a midnight-crossing pair is split).
 */
export class ReadRecorder {
  private readonly marked = new Map<string, number>();
  private readonly dayEnds = new Map<string, number>();

  private readonly opts: RecorderOptions;

  constructor(opts: RecorderOptions) {
    this.opts = opts;
  }

  private dayEnd(day: string, tz: string): number {
    const k = `${tz}|${day}`;
    let end = this.dayEnds.get(k);
    if (end === undefined) {
      end = dayBounds(day, tz).end;
      if (this.dayEnds.size > 10_000) this.dayEnds.clear();
      this.dayEnds.set(k, end);
    }
    return end;
  }

  async record(db: Db, reads: readonly LedgerRead[], tzOf: (site: string) => string, now = Date.now()): Promise<void> {
    const slots = new Map<string, SlotRow>();
    for (const r of reads) {
      const slot = Math.floor(r.ts / SLOT_MS);
      const key = `${r.site}|${r.device}|${r.counter}|${slot}`;
      const s = slots.get(key);
      if (!s) slots.set(key, { key, site: r.site, device: r.device, counter: r.counter, slot, first: r, last: r });
      else {
        if (before(r, s.first)) s.first = r;
        if (before(s.last, r)) s.last = r;
      }
    }
    const slotRows: SlotInsert[] = [];
    const dirty = new Map<string, DirtyInsert>();
    for (const s of slots.values()) {
      slotRows.push({
        site_id: s.site,
        device_id: s.device,
        counter: s.counter,
        slot: s.slot,
        first_ts: s.first.ts,
        first_wh: s.first.wh,
        first_serial: s.first.serial,
        last_ts: s.last.ts,
        last_wh: s.last.wh,
        last_serial: s.last.serial,
      });
      const tz = tzOf(s.site);
      const days = new Set([localDay(s.first.ts, tz), localDay(s.last.ts, tz)]);
      for (const day of days) {
        for (const d of [addDays(day, -1), day, addDays(day, 1)]) {
          const key = `${s.site}|${s.device}|${s.counter}|${d}`;
          if (dirty.has(key) || this.cached(key, now)) continue;
          dirty.set(key, { site_id: s.site, device_id: s.device, counter: s.counter, day: d });
        }
      }
    }
    await upsertSlots(db, slotRows);
    await markDirty(db, [...dirty.values()]);
    for (const [key, row] of dirty) {
      // Only days that cannot be closed before the cache entry expires may skip the rewrite.
      if (this.dayEnd(row.day, tzOf(row.site_id)) + this.opts.graceMs > now + this.opts.markCacheMs) {
        this.marked.set(key, now + this.opts.markCacheMs);
      }
    }
  }

  private cached(key: string, now: number): boolean {
    const until = this.marked.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.marked.delete(key);
    return false;
  }

  /** Forget cached marks (after a failed transaction the marks were rolled back). */
  forget(): void {
    this.marked.clear();
  }
}
