import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SeqFile } from './seq-file.ts';
import { Spool, type SpoolOptions } from './spool.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sunshare-spool-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const opts = (dir: string, over: Partial<SpoolOptions> = {}): SpoolOptions => ({ dir, maxBytes: 10 * 1024 * 1024, segmentBytes: 4096, fsync: 'never', ...over });
const payload = (seq: number) => Buffer.from(JSON.stringify({ seq, data: 'y'.repeat(100) }));

/** Takes everything the spool would replay, acknowledging it. */
function drain(spool: Spool): number[] {
  const seqs: number[] = [];
  for (let e = spool.next(); e; e = spool.next()) {
    expect((JSON.parse(spool.read(e).toString()) as { seq: number }).seq).toBe(e.seq);
    seqs.push(e.seq);
    spool.ack(e);
  }
  return seqs;
}

describe('spool', () => {
  it('replays what was not acknowledged, oldest first, across a reopen', () => {
    const dir = tempDir();
    const a = Spool.open(opts(dir));
    for (let s = 0; s < 100; s++) a.append(s, payload(s));
    for (let i = 0; i < 40; i++) a.ack(a.next()!);
    a.next(); // in flight when the process stops: must come back
    a.close();
    const b = Spool.open(opts(dir));
    expect(b.maxSeq).toBe(99);
    expect(b.stats().batches).toBe(60);
    expect(drain(b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 40));
    b.close();
    const c = Spool.open(opts(dir));
    expect(drain(c)).toEqual([]);
    expect(c.stats().batches).toBe(0);
    c.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.ssp')).length).toBeLessThanOrEqual(1);
  });

  it('out-of-order acks move the cursor only past a contiguous prefix; rewind resends the in-flight ones', () => {
    const dir = tempDir();
    const s = Spool.open(opts(dir));
    const e = [0, 1, 2, 3].map((n) => s.append(n, payload(n)));
    for (const x of e) x.state = 'busy'; // sent live
    s.ack(e[1]!);
    s.ack(e[3]!);
    expect(s.stats().batches).toBe(2);
    s.rewind(); // connection lost: 0 and 2 go again
    expect(drain(s)).toEqual([0, 2]);
    s.close();
    expect(drain(Spool.open(opts(dir)))).toEqual([]);
  });

  it('evicts the oldest segments beyond maxBytes, counts the unsent batches, and persists the count', () => {
    const dir = tempDir();
    const s = Spool.open(opts(dir, { maxBytes: 65_536, segmentBytes: 4096 }));
    for (let n = 0; n < 2000; n++) s.append(n, payload(n));
    const st = s.stats();
    expect(st.bytes).toBeLessThanOrEqual(65_536);
    expect(st.evictedBatches).toBeGreaterThan(1000);
    expect(st.batches + st.evictedBatches).toBe(2000);
    const kept = drain(s);
    expect(kept.at(-1)).toBe(1999);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 2000 - kept.length + i));
    s.close();
    expect(Spool.open(opts(dir)).stats().evictedBatches).toBe(st.evictedBatches);
  });

  it('stays within maxBytes when an old batch is never acknowledged while newer ones are', () => {
    const dir = tempDir();
    const s = Spool.open(opts(dir, { maxBytes: 65_536, segmentBytes: 4096 }));
    const stuck = s.append(0, payload(0));
    stuck.state = 'busy'; // sent, never acknowledged
    for (let n = 1; n < 2000; n++) {
      const e = s.append(n, payload(n));
      e.state = 'busy';
      s.ack(e); // acknowledged at once
      expect(s.stats().bytes).toBeLessThanOrEqual(65_536);
    }
    expect(s.stats()).toMatchObject({ batches: 0, evictedBatches: 1 }); // the stuck one, counted
    expect(readdirSync(dir).filter((f) => f.endsWith('.ssp')).length).toBeLessThanOrEqual(16);
    s.close();
  });

  it('skips a damaged record and a torn tail without losing the good records around them', () => {
    const dir = tempDir();
    const s = Spool.open(opts(dir, { segmentBytes: 1 << 20 }));
    for (let n = 0; n < 10; n++) s.append(n, payload(n));
    s.close();
    const seg = join(dir, readdirSync(dir).find((f) => f.endsWith('.ssp'))!);
    const buf = readFileSync(seg);
    const recLen = buf.length / 10;
    buf[recLen * 3 + 30] = (buf[recLen * 3 + 30] ?? 0) ^ 0xff; // flip a payload byte of record 3
    buf.writeUInt32LE(0xffffff, recLen * 6 + 4); // absurd length in record 6
    writeFileSync(seg, buf);
    appendFileSync(seg, buf.subarray(0, 25)); // a record cut short by power loss
    const t = Spool.open(opts(dir));
    expect(drain(t)).toEqual([0, 1, 2, 4, 5, 7, 8, 9]);
    expect(t.stats().damagedRecords).toBe(2);
    t.close();
  });

  it('a damaged cursor file means replay from the start (duplicates, never gaps)', () => {
    const dir = tempDir();
    const s = Spool.open(opts(dir));
    for (let n = 0; n < 5; n++) s.append(n, payload(n));
    s.ack(s.next()!);
    s.close();
    writeFileSync(join(dir, 'cursor.json'), '{"seg": 1, "of');
    expect(drain(Spool.open(opts(dir)))).toEqual([0, 1, 2, 3, 4]);
  });

  it('survives kill -9 at random moments: every seq reported durable is replayed, seq never repeats', async () => {
    const dir = tempDir();
    const child = fileURLToPath(new URL('./crash-child.test-helper.ts', import.meta.url));
    const reported: number[] = [];
    for (let round = 0; round < 4; round++) {
      const proc = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (out.split('\n').length > 50 + round * 37) {
            clearInterval(check);
            proc.kill('SIGKILL');
          }
        }, 5);
        proc.once('exit', () => resolve());
      });
      reported.push(...out.split('\n').filter((l) => l !== '').map(Number));
    }
    // A seq may be used but not yet reported when the kill lands; it is never reused.
    for (let i = 1; i < reported.length; i++) expect(reported[i]).toBeGreaterThan(reported[i - 1]!);
    const s = Spool.open(opts(dir));
    const replayed = drain(s);
    // The child acknowledged the oldest batches as it went: what remains is one contiguous run
    // from the first unacknowledged batch to the newest, holding everything reported after it.
    const first = replayed[0]!;
    expect(replayed).toEqual(Array.from({ length: replayed.length }, (_, i) => first + i));
    expect(replayed.at(-1)).toBeGreaterThanOrEqual(reported.at(-1)!);
    expect(first).toBeGreaterThan(0);
    expect(new SeqFile(dir, false).read()).toBeGreaterThanOrEqual(reported.at(-1)!);
    s.close();
  });
});
