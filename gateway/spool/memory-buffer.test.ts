import { describe, expect, it } from 'vitest';
import { MemoryBuffer, type HeldBatch } from './memory-buffer.ts';

const bytes = (n: number) => Buffer.alloc(n, 0x61);

describe('memory buffer behind the spool', () => {
  it('beyond its bound evicts the oldest batches first, counting them and their readings', () => {
    const evicted: HeldBatch[] = [];
    const m = new MemoryBuffer(1000, (b) => evicted.push(b));
    for (let seq = 0; seq < 5; seq++) m.hold(seq, bytes(300), seq + 1);
    // 5 x 300 bytes against 1000: the two oldest go
    expect(evicted.map((b) => b.seq)).toEqual([0, 1]);
    expect(m.stats()).toEqual({ batches: 3, bytes: 900, evictedBatches: 2, evictedReadings: 1 + 2 });
    expect(m.all().map((b) => b.seq)).toEqual([2, 3, 4]);
    expect(evicted.every((b) => b.state === 'done')).toBe(true);
  });

  it('never evicts a batch in flight: the oldest one not in flight goes instead', () => {
    const evicted: number[] = [];
    const m = new MemoryBuffer(600, (b) => evicted.push(b.seq));
    m.hold(0, bytes(300), 1);
    m.hold(1, bytes(300), 1);
    expect(m.next()?.seq).toBe(0); // seq 0 is sent
    m.hold(2, bytes(300), 1);
    expect(evicted).toEqual([1]);
    expect(m.all().map((b) => b.seq)).toEqual([0, 2]);
  });

  it('a batch leaves on release (acknowledged or spooled); a dropped link sends what was in flight again, oldest first', () => {
    const m = new MemoryBuffer(10_000, () => undefined);
    const held = [0, 1, 2].map((seq) => m.hold(seq, bytes(10), 1));
    expect([m.next()?.seq, m.next()?.seq]).toEqual([0, 1]);
    m.release(held[0]!);
    expect(m.stats()).toMatchObject({ batches: 2, bytes: 20 });
    m.rewind();
    expect([m.next()?.seq, m.next()?.seq, m.next()]).toEqual([1, 2, undefined]);
  });
});
