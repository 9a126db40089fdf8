import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, type TestLedger } from '../../common/testing/index.ts';
import { insertRows } from './insert.ts';

describe('insertRows', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await openTestLedger('sqlite');
  });
  afterAll(async () => {
    await ledger.close();
  });

  it('inserts every row exactly, reusing the statement across chunks, whatever the key order or optional columns', async () => {
    // chunks of 100: the same shape (reused statement), the same columns in another key order (reused,
    // values taken by name), a chunk without a nullable column (compiled on its own), then the first shape again
    const id = (i: number) => `s${String(i).padStart(5, '0')}`;
    const rows = Array.from({ length: 1234 }, (_, i) =>
      i >= 600 && i < 700
        ? { latitude: 23 + (i % 7) / 10, capacity_w: 1000 + i, name: `站${i}`, id: id(i) }
        : i >= 700 && i < 800
          ? { id: id(i), name: `站${i}`, capacity_w: 1000 + i }
          : { id: id(i), name: `站${i}`, capacity_w: 1000 + i, latitude: 23 + (i % 7) / 10 },
    );
    await insertRows(ledger.db.q, 'sites', rows, 100);
    const back = await ledger.db.q.selectFrom('sites').select(['id', 'name', 'capacity_w', 'latitude']).orderBy('id').execute();
    expect(back).toEqual(rows.map((r) => ({ id: r.id, name: r.name, capacity_w: r.capacity_w, latitude: 'latitude' in r ? r.latitude : null })));
  });
});
