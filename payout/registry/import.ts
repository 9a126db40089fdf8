import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { readSheets } from '../tables/read.ts';
import { crossCheck } from './check.ts';
import { FIELDS, KEYS, KINDS, TABLES, type Kind } from './kinds.ts';
import { parseSheets } from './parse.ts';

export type ImportCounts = Record<Kind, number>;

/**
 * Imports registry files (CSV named after their kind, or an XLSX workbook
 * with one sheet per kind). Every problem in every file is collected first;
 * if there is any, nothing is written and the error lists them all.
 * Otherwise all rows are upserted by key in one transaction.
 */
export async function importRegistry(db: Db, files: readonly string[], opts: { kind?: Kind } = {}): Promise<ImportCounts> {
  const problems: string[] = [];
  const sheets = (await Promise.all(files.map((f) => readSheets(f)))).flat();
  const parsed = parseSheets(sheets, problems, opts.kind);
  await crossCheck(db, parsed, problems);
  if (problems.length > 0) {
    throw new SunshareError('REGISTRY_INVALID', `nothing imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files.join(', ')}`, {
      details: problems,
    });
  }
  const counts = Object.fromEntries(KINDS.map((k) => [k, parsed[k].length])) as ImportCounts;
  await db.transaction(async (tx) => {
    for (const kind of KINDS) {
      const rows = parsed[kind];
      if (rows.length === 0) continue;
      const cols = Object.keys(FIELDS[kind]);
      const updates = cols.filter((c) => !KEYS[kind].includes(c));
      const sql = `INSERT INTO ${TABLES[kind]} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (${KEYS[kind].join(', ')}) DO UPDATE SET ${updates
        .map((c) => `${c} = excluded.${c}`)
        .join(', ')}`;
      await tx.runMany(
        sql,
        rows.map((r) => cols.map((c) => (r[c] === '' && (c === 'valid_to' || c === 'commissioned_on') ? null : r[c]))),
      );
    }
  });
  return counts;
}
