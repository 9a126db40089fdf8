import { describe, expect, it } from 'vitest';
import { isSunshareError } from '../../common/errors.ts';
import { openLedger } from '../../common/ledger/index.ts';
import { EXAMPLE_REGISTRY, tempFile } from '../testing/fixture.ts';
import { importRegistry } from './import.ts';
import { importMeterReads } from './meter-reads.ts';

describe("the grid company's meter reads", () => {
  it('use the registry files\' column name site_id; the old name site is read with a deprecation note', async () => {
    const db = await openLedger(':memory:');
    await importRegistry(db, EXAMPLE_REGISTRY);
    const notes: string[] = [];
    expect(await importMeterReads(db, tempFile('reads.csv', 'site_id,date,export_kwh\nry-dq-01,2017-07-01,777.5\n'), { onNote: (n) => notes.push(n) })).toEqual({ inserted: 1, unchanged: 0 });
    expect(notes).toEqual([]);
    expect(await importMeterReads(db, tempFile('old.csv', 'site,date,export_kwh\nry-dq-01,2017-07-02,800\n'), { onNote: (n) => notes.push(n) })).toEqual({ inserted: 1, unchanged: 0 });
    expect(notes).toEqual(['old.csv: the column "site" is deprecated; name it "site_id", as in the registry files']);
    const err = await importMeterReads(db, tempFile('bad.csv', 'site_id,date,export_kwh\nnowhere,2017-07-03,1\nry-dq-01,2017-07-32,1\nry-dq-01,2017-07-04,x\n')).catch((e: unknown) => e);
    expect(isSunshareError(err) && err.details).toEqual([
      'bad.csv line 2 column site_id: unknown site "nowhere"',
      'bad.csv line 3 column date: "2017-07-32" is not a date YYYY-MM-DD',
      'bad.csv line 4 column export_kwh: "x" is not a non-negative number of kWh (at most 3 decimals)',
    ]);
    await db.close();
  });
});
