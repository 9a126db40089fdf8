import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger, type Db } from '../common/ledger/index.ts';
import { waitFor } from '../common/testing/index.ts';
import { createLogger } from '../common/log.ts';
import { addDays, DEFAULT_TIME_ZONE, todayIn } from '../common/index.ts';
import { importRegistry } from './registry/import.ts';
import { startScheduler } from './scheduler.ts';
import { acquireLock } from './settle/lock.ts';
import { EXAMPLE_REGISTRY, putEnergy } from './testing/fixture.ts';

describe('nightly scheduler', () => {
  let db: Db;
  const file = join(mkdtempSync(join(tmpdir(), 'sunshare-sched-')), 'ledger.sqlite');
  const yesterday = addDays(todayIn(DEFAULT_TIME_ZONE), -1);
  const count = async () => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM settlements'))!.n);

  beforeAll(async () => {
    // a file, so a second connection (a second process) can take the lock
    db = await openLedger(file);
    await importRegistry(db, EXAMPLE_REGISTRY);
    for (let i = 1; i <= 3; i++) await putEnergy(db, 'ry-dq-01', 'meter01', 'export_energy_wh', addDays(yesterday, 1 - i), 800_000);
  });
  afterAll(async () => db?.close());

  it('catches up every missed day on start, then has nothing to do until a new day', async () => {
    const s = startScheduler(db, { catchUpFrom: addDays(yesterday, -2) });
    const r = await s.caughtUp;
    expect(r).toMatchObject({ from: addDays(yesterday, -2), to: yesterday, posted: 6 });
    const [row] = await db.all<{ energy_wh: number }>('SELECT energy_wh FROM settlements WHERE site_id = ? AND day = ?', ['ry-dq-01', yesterday]);
    expect(row!.energy_wh).toBe(800_000);
    await s.stop();
    const again = startScheduler(db, { catchUpFrom: addDays(yesterday, -2) });
    expect(await again.caughtUp).toBeUndefined();
    await again.stop();
    expect(await count()).toBe(6);
  });

  it('logs each site-day span with missing data as a warning, in words', async () => {
    await db.exec('DELETE FROM settlement_runs');
    const lines: { msg: string; summary?: string }[] = [];
    const log = createLogger('payout', 'info', { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string; summary?: string }) });
    const s = startScheduler(db, { catchUpFrom: addDays(yesterday, -2), log });
    await s.caughtUp;
    await s.stop();
    // ry-dq-02 reported nothing on the three days
    expect(lines.filter((l) => l.msg === 'site-days with missing or partial data').map((l) => l.summary)).toContainEqual(
      expect.stringContaining(`missing data: site ry-dq-02 ${addDays(yesterday, -2)} to ${yesterday} (3 days): no energy data at all`),
    );
  });

  it('runs on its cron schedule and leaves a run in progress elsewhere alone', async () => {
    const other = await openLedger(file);
    const lock = await acquireLock(other, 'settlement', 60_000, 'other-host:pid 7');
    await db.exec('DELETE FROM settlement_runs'); // as if the last run were lost: the next tick catches up again
    const s = startScheduler(db, { cron: '* * * * * *', catchUpFrom: addDays(yesterday, -2) });
    expect(await s.caughtUp).toBeUndefined(); // locked: logged and skipped
    await lock.release();
    await other.close();
    await waitFor(async () => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM settlement_runs'))!.n) > 0, 'a scheduled run', 5000);
    await s.stop();
    expect(await count()).toBe(6); // nothing changed, nothing posted twice
  });
});
