import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { isSunshareError } from '../../common/errors.ts';
import { tempFile } from '../testing/fixture.ts';
import { importRegistry } from './import.ts';
import { maxAllocatedW, updateSite } from './write.ts';

const pgUp = await postgresAvailable();
const ROUNDS = 12;

/** 'ok', or the code it was refused with; anything else is a failure of the test. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (isSunshareError(err)) return err.code;
    throw err;
  }
}

// Each change is valid alone: a capacity cut to what is allocated, and three more households on the
// old capacity. Together they would overbook the site, so one of them must see the other and refuse.
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`concurrent registry writes on ${dialect}`, () => {
    let ledger: TestLedger;
    beforeAll(async () => {
      ledger = await openTestLedger(dialect, 'sunshare_registry_race');
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it(`never overbook a site together (${ROUNDS} rounds of a capacity cut racing an allocation import)`, async () => {
      const db = ledger.db;
      const households = Array.from({ length: 9 }, (_, i) => `h${i + 1},户${i + 1},大桥镇,东光村,,`);
      const outcomes: string[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const site = `race-${round}`;
        const alloc = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => `${site}-a${from + k},h${from + k},${site},3,2020-01-01,,`);
        await importRegistry(db, [
          tempFile('sites.csv', `id,name,town,village,capacity_kw,time_zone,commissioned_on\n${site},电站${round},大桥镇,东光村,27,Asia/Shanghai,2019-12-01\n`),
          tempFile('households.csv', `id,name,town,village,id_card,bank_account\n${households.join('\n')}\n`),
          tempFile('allocations.csv', `id,household_id,site_id,share_kw,valid_from,valid_to,reason\n${alloc(1, 6).join('\n')}\n`),
        ]);
        const more = tempFile('allocations.csv', `id,household_id,site_id,share_kw,valid_from,valid_to,reason\n${alloc(7, 9).join('\n')}\n`);
        const both = await Promise.all([outcome(updateSite(db, site, { capacity_w: 18_000 })), outcome(importRegistry(db, [more]))]);
        outcomes.push(both);
        const capacity = (await db.q.selectFrom('sites').select('capacity_w').where('id', '=', site).executeTakeFirstOrThrow()).capacity_w;
        expect(await maxAllocatedW(db, site), `round ${round}: ${both.join(', ')}`).toBeLessThanOrEqual(capacity);
      }
      // exactly one of each pair is refused, by the rule it would break
      for (const [cut, imported] of outcomes) {
        expect([cut, imported].filter((o) => o === 'ok')).toHaveLength(1);
        expect(['ok', 'SITE_CAPACITY_BELOW_ALLOCATED', 'REGISTRY_INVALID']).toContain(cut);
        expect(['ok', 'REGISTRY_INVALID']).toContain(imported);
      }
    });
  });
}
