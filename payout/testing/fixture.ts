import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../common/ledger/index.ts';

/** Test and demo helpers: the example registry files and daily energy rows as ingest writes them. */
export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
export const EXAMPLE_REGISTRY = ['sites', 'devices', 'households', 'allocations', 'tariffs', 'policies'].map((k) => join(EXAMPLES_DIR, `${k}.csv`));

export interface EnergyOpts { revision?: number; method?: string; flags?: string }

export async function putEnergy(db: Db, site: string, device: string, counter: string, day: string, wh: number, o: EnergyOpts = {}): Promise<void> {
  await db.q
    .insertInto('daily_energy')
    .values({
      site_id: site,
      device_id: device,
      counter,
      day,
      revision: o.revision ?? 1,
      energy_wh: wh,
      method: o.method ?? 'delta',
      flags: o.flags ?? '',
      readings: 8640,
      computed_at: new Date().toISOString(),
    })
    .execute();
}

/** Writes `text` to a fresh temp file named `name` and returns its path. */
export function tempFile(name: string, text: string | Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sunshare-payout-')), name);
  writeFileSync(file, text);
  return file;
}
