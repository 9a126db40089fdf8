import { CompiledQuery, type Insertable, type Kysely } from 'kysely';

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMS = 30_000;

/**
 * Inserts many rows with multi-row VALUES statements (up to 500 rows each:
 * one round trip on PostgreSQL). Typed: `rows` must fit `table` in the
 * schema. Kysely compiles the first full statement; the following ones of the
 * same size and the same columns (the rows of one writer usually are) reuse
 * its SQL text with their own parameters, which is where bulk inserts spent
 * most of their time. A chunk of another shape is compiled on its own.
 */
export async function insertRows<DB, T extends keyof DB & string>(q: Kysely<DB>, table: T, rows: readonly Insertable<DB[T]>[], rowsPerStatement = 500): Promise<void> {
  if (rows.length === 0) return;
  const width = Math.max(1, Object.keys(rows[0]!).length);
  const per = Math.max(1, Math.min(rowsPerStatement, Math.floor(MAX_PARAMS / width)));
  let template: { sql: string; columns: string[]; size: number } | undefined;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const columns = commonColumns(chunk);
    if (columns && template && template.size === chunk.length && sameList(template.columns, columns)) {
      await q.executeQuery(CompiledQuery.raw(template.sql, flatten(chunk, columns)));
      continue;
    }
    const compiled = q.insertInto(table).values(chunk).compile();
    if (columns && sameList(compiled.parameters, flatten(chunk, columns))) template = { sql: compiled.sql, columns, size: chunk.length };
    await q.executeQuery(compiled);
  }
}

/** The columns of the first row when every row has exactly those, none undefined (values are taken by name, so key order does not matter); undefined otherwise. */
function commonColumns(rows: readonly object[]): string[] | undefined {
  const columns = Object.keys(rows[0]!);
  for (const r of rows) {
    let n = 0;
    for (const k in r) if (Object.hasOwn(r, k)) n++;
    if (n !== columns.length) return undefined;
    for (const c of columns) if ((r as Record<string, unknown>)[c] === undefined) return undefined;
  }
  return columns;
}

function flatten(rows: readonly object[], columns: readonly string[]): unknown[] {
  const out: unknown[] = new Array<unknown>(rows.length * columns.length);
  let n = 0;
  for (const r of rows) for (const c of columns) out[n++] = (r as Record<string, unknown>)[c];
  return out;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
