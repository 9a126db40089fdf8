import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountTmpfs, tmpfsAvailable, type Tmpfs } from '../testing/tmpfs.ts';
import { Spool, type SpoolOptions } from './spool.ts';

let fs: Tmpfs | undefined;
afterEach(() => {
  fs?.unmount();
  fs = undefined;
});

const opts = (dir: string): SpoolOptions => ({ dir, maxBytes: 10 * 1024 * 1024, segmentBytes: 64 * 1024, fsync: 'always' });
const payload = (seq: number, size: number) => Buffer.from(JSON.stringify({ seq, data: 'z'.repeat(size) }));

describe.skipIf(!tmpfsAvailable())('spool appends that fail', () => {
  it('a write cut short by a full disk throws and leaves no torn record: the spool reopens whole', () => {
    fs = mountTmpfs('64k');
    const dir = join(fs.dir, 'spool');
    const a = Spool.open(opts(dir));
    for (let seq = 0; seq < 3; seq++) a.append(seq, payload(seq, 1000));
    writeFileSync(join(fs.dir, 'ballast'), Buffer.alloc(Math.max(0, fs.freeBytes() - 6000)));
    let failed = 0;
    let seq = 3;
    for (; seq < 40; seq++) {
      try {
        a.append(seq, payload(seq, 2500)); // larger than what is left: a partial write, then ENOSPC
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        failed++;
        a.append(seq, payload(seq, 10)); // a small record still fits where the torn one was cut back
        break;
      }
    }
    expect(failed).toBe(1);
    const kept = a.stats().batches;
    a.close();
    const b = Spool.open(opts(dir));
    expect(b.stats()).toMatchObject({ batches: kept, damagedRecords: 0 });
    const seqs: number[] = [];
    for (let e = b.next(); e; e = b.next()) seqs.push((JSON.parse(b.read(e).toString()) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: seq + 1 }, (_, i) => i));
    b.close();
  });

  it('on a filesystem remounted read-only, append throws EROFS and changes nothing; after the repair it goes on', () => {
    fs = mountTmpfs('256k');
    const dir = join(fs.dir, 'spool');
    const a = Spool.open(opts(dir));
    a.append(0, payload(0, 100));
    fs.remount('ro'); // possible at all only because the spool holds no file open for writing
    expect(() => a.append(1, payload(1, 100))).toThrow(/EROFS|read-only/);
    expect(a.stats().batches).toBe(1);
    fs.remount('rw');
    a.append(1, payload(1, 100));
    a.close();
    const b = Spool.open(opts(dir));
    expect(b.stats()).toMatchObject({ batches: 2, damagedRecords: 0 });
    b.close();
  });
});
