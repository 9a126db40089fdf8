import type { Db } from '../../common/ledger/index.ts';
import { tablesToXlsx, tableToCsv, type Table } from '../tables/table.ts';
import { FIELDS, KINDS, TABLES, type Kind } from './kinds.ts';
import { maskBankAccount, maskIdCard } from './mask.ts';

export interface ExportOptions {
  /** unmasked ID card and bank account numbers; recorded in finance_exports */
  finance?: { by: string };
}

/** The registry in its import format, one table per kind (personal data masked unless a finance export). */
export async function registryTables(db: Db, opts: ExportOptions = {}): Promise<Table[]> {
  const tables: Table[] = [];
  for (const kind of KINDS) {
    const fields = FIELDS[kind];
    const keys = Object.keys(fields);
    // the field keys are columns of TABLES[kind], checked in kinds.ts
    const rows: Record<string, unknown>[] = await db.q
      .selectFrom(TABLES[kind])
      .select(keys as never[])
      .orderBy(keys[0] as never)
      .orderBy(keys[1] as never)
      .execute();
    tables.push({
      name: kind,
      columns: keys.map((k) => ({ key: fields[k]!.column, header: fields[k]!.column })),
      rows: rows.map((r) =>
        Object.fromEntries(
          keys.map((k) => {
            const f = fields[k]!;
            let v = r[k];
            if (v !== null && v !== undefined && f.format) v = f.format(v);
            if (kind === 'households' && !opts.finance && typeof v === 'string' && v) v = k === 'id_card' ? maskIdCard(v) : k === 'bank_account' ? maskBankAccount(v) : v;
            return [f.column, v];
          }),
        ),
      ),
    });
  }
  if (opts.finance) {
    const n = tables.find((t) => t.name === 'households')?.rows.length ?? 0;
    await db.q.insertInto('finance_exports').values({ exported_at: new Date().toISOString(), exported_by: opts.finance.by, what: 'registry households unmasked', rows: n }).execute();
  }
  return tables;
}

export async function exportRegistry(db: Db, format: 'csv' | 'xlsx', opts: ExportOptions = {}): Promise<Map<string, Buffer>> {
  const tables = await registryTables(db, opts);
  if (format === 'xlsx') return new Map([['registry.xlsx', await tablesToXlsx(tables)]]);
  return new Map(tables.map((t) => [`${t.name as Kind}.csv`, tableToCsv(t)]));
}
