import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import { readSheets } from '../tables/read.ts';
import { crossCheck } from './check.ts';
import { FIELDS, KEYS, KINDS, TABLES, type Kind } from './kinds.ts';
import { parseSheets } from './parse.ts';

export type ImportCounts = Record<Kind, number>;

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const IMPORT_CHUNK = 500;

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
      // FIELDS and KEYS are checked against the schema where they are declared (kinds.ts); rows are parsed and checked above.
      const cols = Object.keys(FIELDS[kind]);
      const updates = cols.filter((c) => !KEYS[kind].includes(c));
      const values = rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] === '' && (c === 'valid_to' || c === 'commissioned_on') ? null : r[c]])));
      for (let i = 0; i < values.length; i += IMPORT_CHUNK) {
        await tx.q
          .insertInto(TABLES[kind])
          .values(values.slice(i, i + IMPORT_CHUNK))
          .onConflict((oc) => oc.columns(KEYS[kind] as never).doUpdateSet((eb) => Object.fromEntries(updates.map((c) => [c, eb.ref(`excluded.${c}` as never)]))))
          .execute();
      }
    }
  });
  return counts;
}
