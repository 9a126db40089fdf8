import type { Db } from '../../common/ledger/index.ts';

/**
 * Inserts many rows. On PostgreSQL with multi-row VALUES statements (a
 * hundred rows per round trip instead of one); on SQLite one prepared
 * single-row statement, which measured as fast (the index is the cost).
 */
export async function insertRows(db: Db, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], rowsPerStatement = db.dialect === 'postgres' ? 100 : 1): Promise<void> {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  const full = head + Array.from({ length: rowsPerStatement }, () => tuple).join(', ');
  if (rowsPerStatement === 1) {
    await db.runMany(head + tuple, rows);
    return;
  }
  const chunks: unknown[][] = [];
  let i = 0;
  for (; i + rowsPerStatement <= rows.length; i += rowsPerStatement) chunks.push(rows.slice(i, i + rowsPerStatement).flat());
  if (chunks.length > 0) await db.runMany(full, chunks);
  if (i < rows.length) {
    const rest = rows.slice(i);
    await db.run(head + rest.map(() => tuple).join(', '), rest.flat());
  }
}
