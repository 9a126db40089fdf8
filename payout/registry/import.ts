import type { Db } from '../../common/ledger/index.ts';
import { readSheets } from '../tables/read.ts';
import type { Kind } from './kinds.ts';
import { parseSheets } from './parse.ts';
import { applyRegistry } from './write.ts';

export type ImportCounts = Record<Kind, number>;

/**
 * Imports registry files (CSV named after their kind, or an XLSX workbook
 * with one sheet per kind) through the registry service (applyRegistry):
 * every problem in every file is collected first, with file, line and
 * column; if there is any, nothing is written and the error lists them all.
 * Otherwise all rows are upserted by key in one transaction.
 */
export async function importRegistry(db: Db, files: readonly string[], opts: { kind?: Kind } = {}): Promise<ImportCounts> {
  const problems: string[] = [];
  const sheets = (await Promise.all(files.map((f) => readSheets(f)))).flat();
  const parsed = parseSheets(sheets, problems, opts.kind);
  return applyRegistry(db, parsed, { mode: 'upsert', source: files.join(', '), problems });
}
