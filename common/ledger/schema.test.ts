import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../testing/index.ts';
import type { Db } from './index.ts';
import { migratedSchema, renderSchema, SCHEMA_FILE, tsTypeOf, type TableInfo } from './schema-gen.ts';

const pgUp = await postgresAvailable();
const declared = migratedSchema();

/** What a schema says about each column, in a form two dialects can agree on. */
const shape = (tables: readonly TableInfo[], withNullability = (t: TableInfo) => !t.view) =>
  Object.fromEntries(
    tables.map((t) => [t.name, Object.fromEntries(t.columns.map((c) => [c.name, withNullability(t) ? `${c.type}${c.nullable ? ' | null' : ''}` : c.type]))]),
  );

describe('ledger schema', () => {
  it('schema.ts is generated from the current migrations (npm run ledger:schema)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderSchema(declared));
  });

  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe.skipIf(dialect === 'postgres' && !pgUp)(`matches the migrated ${dialect} ledger`, () => {
      let db: Db;
      let ledger: TestLedger | undefined;
      beforeAll(async () => {
        ledger = await openTestLedger(dialect);
        db = ledger.db;
      });
      afterAll(async () => {
        await ledger?.close();
      });

      it('has the declared tables, columns, types and nullability', async () => {
        let actual: TableInfo[];
        if (dialect === 'sqlite') {
          const objects = await sql<{ name: string; type: string }>`SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(db.q);
          actual = [];
          for (const o of objects.rows) {
            const cols = await sql<{ name: string; type: string; notnull: number; pk: number }>`SELECT name, type, "notnull", pk FROM pragma_table_info(${o.name})`.execute(db.q);
            actual.push({
              name: o.name,
              view: o.type === 'view',
              columns: cols.rows.map((c) => ({ name: c.name, type: tsTypeOf(c.type), nullable: c.notnull === 0 && c.pk === 0, generated: false })),
            });
          }
        } else {
          const cols = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string; table_type: string }>`
            SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, t.table_type
            FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`.execute(db.q);
          const byTable = new Map<string, TableInfo>();
          for (const c of cols.rows) {
            let t = byTable.get(c.table_name);
            if (!t) byTable.set(c.table_name, (t = { name: c.table_name, view: c.table_type === 'VIEW', columns: [] }));
            t.columns.push({ name: c.column_name, type: tsTypeOf(c.data_type), nullable: c.is_nullable === 'YES', generated: false });
          }
          actual = [...byTable.values()];
        }
        // PostgreSQL reports every view column as nullable: views are compared by column names and types only.
        expect(shape(actual)).toEqual(shape(declared));
        expect(actual.filter((t) => t.view).map((t) => t.name)).toEqual(declared.filter((t) => t.view).map((t) => t.name));
      });
    });
  }
});
