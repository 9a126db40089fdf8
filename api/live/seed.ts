import type { Db } from '../../common/ledger/index.ts';
import { localDay } from '../../common/index.ts';
import type { LiveStatusStore } from './store.ts';

const SLOTS_PER_DAY = 96;

interface ReadRow {
  site_id: string;
  device_id: string;
  counter: string;
  first_ts: number;
  first_wh: number;
  last_ts: number;
  last_wh: number;
}

/**
 * Seeds the live store's "energy today" from ingest's counter reads in the
 * ledger (the earliest and latest read per 15-minute slot), so an API that
 * starts at noon still shows the morning's energy. "Today" is each device's
 * newest day there, so a simulated clock works too. Returns the devices seeded.
 */
export async function seedEnergyToday(db: Db, store: LiveStatusStore, timeZoneOf: (site: string) => string): Promise<number> {
  const newest = await db.q
    .selectFrom('counter_reads')
    .select((eb) => eb.fn.max<number | null>('slot').as('slot'))
    .executeTakeFirst();
  if (newest?.slot === null || newest?.slot === undefined) return 0;
  const rows: ReadRow[] = await db.q
    .selectFrom('counter_reads')
    .select(['site_id', 'device_id', 'counter', 'first_ts', 'first_wh', 'last_ts', 'last_wh'])
    .where('slot', '>=', newest.slot - SLOTS_PER_DAY - 1)
    .where('counter', 'in', ['ac_energy_wh', 'export_energy_wh'])
    .orderBy('slot')
    .execute();
  const byDevice = new Map<string, ReadRow[]>();
  for (const r of rows) {
    const key = `${r.site_id}\u0000${r.device_id}\u0000${r.counter}`;
    let list = byDevice.get(key);
    if (!list) byDevice.set(key, (list = []));
    list.push(r);
  }
  let seeded = 0;
  for (const list of byDevice.values()) {
    const last = list.at(-1)!;
    const tz = timeZoneOf(last.site_id);
    const day = localDay(last.last_ts, tz);
    const today = list.filter((r) => localDay(r.first_ts, tz) === day);
    if (today.length === 0) continue;
    store.seedCounter(last.site_id, last.device_id, last.counter === 'export_energy_wh', day, today[0]!.first_wh, last.last_wh);
    seeded++;
  }
  return seeded;
}

