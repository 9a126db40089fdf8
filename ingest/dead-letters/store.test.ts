import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, postgresAvailable, type TestLedger } from '../../common/testing/index.ts';
import { finishReplay, insertDeadLetters, letterRows, listDeadLetters, pendingReplays, requestReplays } from './store.ts';

const pgUp = await postgresAvailable();
const TOPIC = 'sunshare/v1/s1/g1/telemetry';

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUp)(`the dead-letter store on ${dialect}`, () => {
    let ledger: TestLedger;
    beforeAll(async () => {
      ledger = await openTestLedger(dialect);
    });
    afterAll(async () => ledger?.close());

    it('keeps one row per message and reason, once however often the message comes, payload byte for byte; cuts what is too big', async () => {
      const payload = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x7b]);
      const dead = [
        { reason: 'unknown_device' as const, problems: ['/readings/0/device: a'], site: 's1', gateway: 'g1', rejected: {} },
        { reason: 'unknown_device' as const, problems: ['/readings/1/device: b'], site: 's1', gateway: 'g1', rejected: {} },
        { reason: 'invalid' as const, problems: ['/readings/2/ts: c'], site: 's1', gateway: 'g1', rejected: {} },
      ];
      const rows = letterRows(TOPIC, payload, 1_780_000_000_000, dead, 1024);
      expect(rows.map((r) => [r.reason, r.error])).toEqual([
        ['unknown_device', '/readings/0/device: a\n/readings/1/device: b'],
        ['invalid', '/readings/2/ts: c'],
      ]);
      await insertDeadLetters(ledger.db, rows);
      await insertDeadLetters(ledger.db, letterRows(TOPIC, payload, 1_780_000_009_999, dead, 1024)); // redelivered
      const big = letterRows(TOPIC, Buffer.alloc(5000, 0x61), 1_780_000_000_001, [dead[2]!], 1024);
      await insertDeadLetters(ledger.db, big);
      const { items, total } = await listDeadLetters(ledger.db);
      expect(total).toBe(3);
      expect(items[0]!.payload.equals(payload)).toBe(true);
      expect(items[0]!.receivedAt).toBe(1_780_000_000_000);
      expect(items.find((l) => l.truncated)).toMatchObject({ payloadBytes: 5000 });
      expect(items.find((l) => l.truncated)!.payload.length).toBe(1024);
    });

    it('replays a letter until one replay is written, never after; a cut payload is not replayable', async () => {
      const { items } = await listDeadLetters(ledger.db);
      const [dev, , big] = [items.find((l) => l.reason === 'unknown_device')!, null, items.find((l) => l.truncated)!];
      const first = await requestReplays(ledger.db, { ids: [dev.id, big.id] }, 'test');
      expect(first.requested).toEqual([{ id: dev.id, attempt: 1 }]);
      expect(first.skipped).toEqual([{ id: big.id, why: 'truncated' }]);
      expect((await pendingReplays(ledger.db)).map((p) => [p.id, p.attempt, p.topic])).toEqual([[dev.id, 1, TOPIC]]);
      await finishReplay(ledger.db, dev.id, 1, 'dead', '/readings/0/device: still unknown');
      expect(await pendingReplays(ledger.db)).toEqual([]);
      expect((await requestReplays(ledger.db, { ids: [dev.id] }, 'test')).requested).toEqual([{ id: dev.id, attempt: 2 }]);
      await finishReplay(ledger.db, dev.id, 2, 'written', '');
      expect(await requestReplays(ledger.db, { reason: 'unknown_device' }, 'test')).toEqual({ requested: [], skipped: [{ id: dev.id, why: 'already_replayed' }] });
      const after = (await listDeadLetters(ledger.db, { ids: [dev.id] })).items[0]!;
      expect(after.replays.map((r) => r.outcome)).toEqual(['dead', 'written']);
    });
  });
}
