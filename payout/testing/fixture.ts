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
  await db.run(
    'INSERT INTO daily_energy (site_id, device_id, counter, day, revision, energy_wh, method, flags, readings, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [site, device, counter, day, o.revision ?? 1, wh, o.method ?? 'delta', o.flags ?? '', 8640, new Date().toISOString()],
  );
}

/** Writes `text` to a fresh temp file named `name` and returns its path. */
export function tempFile(name: string, text: string | Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sunshare-payout-')), name);
  writeFileSync(file, text);
  return file;
}
