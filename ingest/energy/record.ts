import type { Db, Params } from '../../common/ledger/index.ts';
import { addDays, dayBounds, localDay } from '../../common/index.ts';

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

const UPSERT_HEAD =
  'INSERT INTO counter_reads (site_id, device_id, counter, slot, first_ts, first_wh, first_serial, last_ts, last_wh, last_serial) VALUES ';
const FIRST_WINS = '(excluded.first_ts < counter_reads.first_ts OR (excluded.first_ts = counter_reads.first_ts AND excluded.first_wh < counter_reads.first_wh))';
const LAST_WINS = '(excluded.last_ts > counter_reads.last_ts OR (excluded.last_ts = counter_reads.last_ts AND excluded.last_wh > counter_reads.last_wh))';
// Every right-hand side sees the old row (SQLite and PostgreSQL alike), so the ts columns can be updated last or first.
const UPSERT_TAIL = ` ON CONFLICT (site_id, device_id, counter, slot) DO UPDATE SET
  first_wh = CASE WHEN ${FIRST_WINS} THEN excluded.first_wh ELSE counter_reads.first_wh END,
  first_serial = CASE WHEN ${FIRST_WINS} THEN excluded.first_serial ELSE counter_reads.first_serial END,
  first_ts = CASE WHEN ${FIRST_WINS} THEN excluded.first_ts ELSE counter_reads.first_ts END,
  last_wh = CASE WHEN ${LAST_WINS} THEN excluded.last_wh ELSE counter_reads.last_wh END,
  last_serial = CASE WHEN ${LAST_WINS} THEN excluded.last_serial ELSE counter_reads.last_serial END,
  last_ts = CASE WHEN ${LAST_WINS} THEN excluded.last_ts ELSE counter_reads.last_ts END`;

const DIRTY_HEAD = 'INSERT INTO daily_energy_dirty (site_id, device_id, counter, day) VALUES ';
const DIRTY_TAIL = ' ON CONFLICT (site_id, device_id, counter, day) DO UPDATE SET marks = daily_energy_dirty.marks + 1';

const CHUNK = 400;

async function insertChunks(db: Db, head: string, tail: string, width: number, rows: Params[]): Promise<void> {
  const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    await db.run(head + part.map(() => tuple).join(', ') + tail, part.flat());
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
    const slotRows: Params[] = [];
    const dirty = new Map<string, Params>();
    for (const s of slots.values()) {
      slotRows.push([s.site, s.device, s.counter, s.slot, s.first.ts, s.first.wh, s.first.serial, s.last.ts, s.last.wh, s.last.serial]);
      const tz = tzOf(s.site);
      const days = new Set([localDay(s.first.ts, tz), localDay(s.last.ts, tz)]);
      for (const day of days) {
        for (const d of [addDays(day, -1), day, addDays(day, 1)]) {
          const key = `${s.site}|${s.device}|${s.counter}|${d}`;
          if (dirty.has(key) || this.cached(key, now)) continue;
          dirty.set(key, [s.site, s.device, s.counter, d]);
        }
      }
    }
    await insertChunks(db, UPSERT_HEAD, UPSERT_TAIL, 10, slotRows);
    await insertChunks(db, DIRTY_HEAD, DIRTY_TAIL, 4, [...dirty.values()]);
    for (const [key, row] of dirty) {
      // Only days that cannot be closed before the cache entry expires may skip the rewrite.
      if (this.dayEnd(row[3] as string, tzOf(row[0] as string)) + this.opts.graceMs > now + this.opts.markCacheMs) {
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
