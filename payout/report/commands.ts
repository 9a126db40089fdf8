import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger, ledgerUrl, type Db } from '../../common/ledger/index.ts';
import { buildReconciliation, buildReport, buildStatement } from './build.ts';
import { reportFormat } from './formats.ts';
import { verifyDigest } from './provenance.ts';

/** The report commands' actions (loaded only when one runs). */
async function withLedger<T>(url: string | undefined, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openLedger(ledgerUrl(url));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function writeFiles(dir: string, files: Map<string, Buffer>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of files) {
    writeFileSync(join(dir, name), data);
    console.log(join(dir, name));
  }
}

export async function reportCommand(o: { month: string; format?: string; site?: string; village?: string; out: string; ledger?: string }): Promise<void> {
  const format = reportFormat(o.format);
  writeFiles(o.out, await withLedger(o.ledger, (db) => buildReport(db, { month: o.month, format, site: o.site, village: o.village })));
}

export async function statementCommand(o: { month: string; household: string; format?: string; out: string; ledger?: string }): Promise<void> {
  const format = reportFormat(o.format, ['xlsx', 'csv']);
  writeFiles(o.out, await withLedger(o.ledger, (db) => buildStatement(db, { month: o.month, household: o.household, format })));
}

export async function reconcileCommand(o: { month: string; site?: string; format?: string; out: string; ledger?: string }): Promise<void> {
  const format = reportFormat(o.format, ['xlsx', 'csv']);
  writeFiles(o.out, await withLedger(o.ledger, (db) => buildReconciliation(db, { month: o.month, site: o.site, format })));
}

export async function verifyCommand(o: { month: string; site?: string; village?: string; digest: string; ledger?: string }): Promise<void> {
  const p = await withLedger(o.ledger, (db) => verifyDigest(db, o));
  console.log(`matches: the ledger still holds what the report was made from (run ${p.run_id || 'none'}, ${p.rows} rows, SHA-256 ${p.digest})`);
}
