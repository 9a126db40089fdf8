import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * "Each table has one writer" (common/ledger/README.md), checked on the source: every insert,
 * update or delete that names a ledger table in production code sits in that table's writer.
 * Test code (tests, testing/ helpers, benches, reliability/) sets scenes and is not checked.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const WRITERS: Record<string, string> = {
  sites: 'payout/registry/',
  devices: 'payout/registry/',
  households: 'payout/registry/',
  allocations: 'payout/registry/',
  tariffs: 'payout/registry/',
  site_policies: 'payout/registry/',
  grid_meter_reads: 'payout/registry/meter-reads.ts',
  finance_exports: 'payout/registry/export.ts',
  counter_reads: 'ingest/energy/',
  daily_energy_dirty: 'ingest/energy/',
  daily_energy: 'ingest/energy/',
  dead_letters: 'ingest/dead-letters/',
  dead_letter_replays: 'ingest/dead-letters/',
  settlements: 'payout/settle/',
  settlement_lines: 'payout/settle/',
  settlement_runs: 'payout/settle/',
  run_locks: 'payout/settle/',
  rounding_states: 'payout/settle/',
  rounding_cutover: 'common/ledger/migrations/',
  topups: 'payout/period/',
  payout_statements: 'payout/period/',
  payout_months: 'payout/period/',
  api_tokens: 'api/auth/tokens.ts',
  audit_log: 'api/audit.ts',
  schema_migrations: 'common/ledger/migrate.ts',
  alarms: 'monitor/alarms/store.ts',
  performance_daily: 'monitor/performance.ts',
};
const WRITE = /\b(?:insertInto|updateTable|deleteFrom|replaceInto)\(\s*'([a-z_]+)|\binsertRows\([^,]+,\s*'([a-z_]+)'|\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)/g;

const isTestCode = (file: string) => /\.test\.ts$|(^|\/)testing(\/|\.ts$)|(^|\/)bench[^/]*\.ts$|^reliability\/|^bench\//.test(file);

function productionFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return productionFiles(path);
    const file = relative(ROOT, path);
    return e.name.endsWith('.ts') && !isTestCode(file) ? [file] : [];
  });
}

/** Each write in the source as [table, file] where the file is not the table's writer. */
function strayWrites(file: string, source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(WRITE)) {
    const table = m[1] ?? m[2] ?? m[3]!;
    const writer = WRITERS[table];
    if (writer === undefined) continue; // not a ledger table (SQL keywords, other stores)
    if (!file.startsWith(writer)) out.push(`${file} writes ${table} (its writer is ${writer})`);
  }
  return out;
}

describe('the ledger: one writer per table', () => {
  it('no production file outside a table\'s writer inserts, updates or deletes its rows', () => {
    const files = productionFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => strayWrites(f, readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
  });

  it('sees writes in the forms the code uses (typed builder, insertRows, SQL)', () => {
    expect(strayWrites('api/routes/sites.ts', "await tx.q.insertInto('sites').values(row)")).toHaveLength(1);
    expect(strayWrites('api/routes/sites.ts', "await db.q.updateTable('sites').set(change)")).toHaveLength(1);
    expect(strayWrites('demo/seed.ts', "await insertRows(tx.q, 'allocations', rows)")).toHaveLength(1);
    expect(strayWrites('api/x.ts', "db.run('DELETE FROM daily_energy WHERE 1')")).toHaveLength(1);
    expect(strayWrites('payout/registry/write.ts', "await tx.q.insertInto('sites').values(site)")).toEqual([]);
  });
});
