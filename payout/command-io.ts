import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger, ledgerUrl, type Db } from '../common/ledger/index.ts';

/** What every payout command shares: the ledger it acts on (which must have been created) and the files it writes. */
export async function withLedger<T>(url: string | undefined, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openLedger(ledgerUrl(url), { mustExist: true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Writes each file into `dir`, printing its path. */
export function writeFiles(dir: string, files: Map<string, Buffer>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of files) {
    writeFileSync(join(dir, name), data);
    console.log(join(dir, name));
  }
}
