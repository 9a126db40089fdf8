import type { Insertable, Kysely } from 'kysely';

/**
 * Inserts many rows with multi-row VALUES statements (a hundred rows per
 * statement: one round trip on PostgreSQL, far under either dialect's
 * bound-parameter limit). Typed: `rows` must fit `table` in the schema.
 */
export async function insertRows<DB, T extends keyof DB & string>(q: Kysely<DB>, table: T, rows: readonly Insertable<DB[T]>[], rowsPerStatement = 100): Promise<void> {
  for (let i = 0; i < rows.length; i += rowsPerStatement) {
    // the generic DB hides the table's row type from Kysely: `rows` was checked against it in the signature
    await q
      .insertInto(table)
      .values(rows.slice(i, i + rowsPerStatement))
      .execute();
  }
}
