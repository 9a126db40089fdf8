import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../common/ledger/index.ts';
import { ERRORS } from '../../common/errors.ts';
import { insertDeadLetters, letterRows } from './store.ts';

const BIN = join(import.meta.dirname, '../../bin/sunshare.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'ingest', 'dead-letters', ...args], { encoding: 'utf8' });

describe('sunshare ingest dead-letters list | replay (the real command)', () => {
  let dir: string;
  let ledger: string;
  const payload = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
  let id: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sunshare-dl-cli-'));
    ledger = join(dir, 'ledger.sqlite');
    const db = await openLedger(ledger);
    const rows = letterRows('sunshare/v1/s1/g1/telemetry', payload, Date.UTC(2026, 5, 1, 8), [{ reason: 'not_json', problems: ['/: the payload is not valid UTF-8'], site: 's1', gateway: 'g1', rejected: '' }], 1 << 20);
    id = rows[0]!.id;
    await insertDeadLetters(db, rows);
    await db.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the letters with reason, topic, size and problem; --json gives the payload byte for byte', () => {
    const r = run('list', '--ledger', ledger, '--reason', 'not_json');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${id}  2026-06-01T08:00:00.000Z  not_json  sunshare/v1/s1/g1/telemetry  6 B  -`);
    expect(r.stdout).toContain('/: the payload is not valid UTF-8');
    expect(r.stdout).toContain('1 of 1 dead letters');
    expect(run('list', '--ledger', ledger, '--since', '2026-06-02').stdout).toContain('0 of 0 dead letters');
    const json = JSON.parse(run('list', '--ledger', ledger, '--json').stdout) as { items: { payloadBase64: string }[] };
    expect(Buffer.from(json.items[0]!.payloadBase64, 'base64').equals(payload)).toBe(true);
  });

  it('replay needs a filter, queues a letter once, and names a ledger that does not exist', () => {
    const none = run('replay', '--ledger', ledger);
    expect(none.status).toBe(64);
    expect(none.stderr).toContain('say which dead letters to replay');
    const first = run('replay', '--ledger', ledger, '--id', id, '--by', 'test');
    expect(first.stdout).toContain('1 queued for replay');
    const again = run('replay', '--ledger', ledger, '--id', id);
    expect(again.stdout).toContain(`${id} skipped: pending`);
    expect(run('list', '--ledger', ledger).stdout).toContain('replay 1 pending');
    const missing = run('list', '--ledger', join(dir, 'nope.sqlite'));
    expect(missing.status).toBe(ERRORS.LEDGER_MISSING.exit);
    expect(missing.stderr).toContain(`LEDGER_MISSING: ledger ${join(dir, 'nope.sqlite')} does not exist`);
    expect(run('list', '--ledger', ledger, '--since', 'yesterday').stderr).toContain('--since yesterday is not a date');
  });
});
