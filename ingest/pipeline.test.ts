import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/testing/index.ts';
import { isTransient } from './pipeline.ts';

const caught = async (f: () => unknown): Promise<unknown> => {
  try {
    await f();
  } catch (err) {
    return err;
  }
  throw new RangeError('did not throw');
};

describe('which write failures are the store\'s (wait) and which are the message\'s (may be dead-lettered)', () => {
  it('a locked SQLite database and a refused connection are transient; a time zone that does not exist is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-transient-'));
    try {
      const a = new Database(join(dir, 'l.sqlite'));
      const b = new Database(join(dir, 'l.sqlite'), { timeout: 0 });
      a.exec('CREATE TABLE t (x)');
      a.exec('BEGIN EXCLUSIVE');
      const busy = await caught(() => b.exec('INSERT INTO t VALUES (1)'));
      a.exec('ROLLBACK');
      a.close();
      b.close();
      expect((busy as { code: string }).code).toBe('SQLITE_BUSY');
      expect(isTransient(busy)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const port = await freePort();
    const refused = await new Promise((resolve) => connect(port, '127.0.0.1').once('error', resolve));
    expect(isTransient(refused)).toBe(true);
    const zone = await caught(() => new Intl.DateTimeFormat('en', { timeZone: 'Mars/Olympus' }));
    expect(isTransient(zone)).toBe(false);
    expect(isTransient(new TypeError('x'))).toBe(false);
  });
});
