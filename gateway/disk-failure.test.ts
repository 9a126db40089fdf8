import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOPIC_ROOT } from '../common/contract.ts';
import { createLogger } from '../common/log.ts';
import { freePort, waitFor } from '../common/testing/index.ts';
import { parseGatewayConfig } from './config.ts';
import { startGateway } from './gateway.ts';
import { startAedes } from './testing/aedes.ts';
import { collect, type Collector } from './testing/collector.ts';
import { removeTestSpools, testConfig } from './testing/config.ts';
import { startRegisterServer } from './testing/register-server.ts';
import { sunspecSpace } from './testing/sunspec-space.ts';
import { mountTmpfs, tmpfsAvailable } from './testing/tmpfs.ts';

/**
 * The spool's filesystem fails under a running gateway: it fills up (ENOSPC), or it turns read-only
 * (EROFS, as after a power cut) and is repaired. A real gateway polls real Modbus devices and
 * publishes to aedes; the filesystem is a small tmpfs of the test's own.
 */
afterAll(removeTestSpools);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});

const inverter = (serial: string) =>
  sunspecSpace(40000, [
    { id: 1, set: { Mn: 'Acme', Md: 'PV-5', SN: serial } },
    { id: 101, set: { A_SF: -2, V_SF: -1, W_SF: 0, Hz_SF: -2, WH_SF: 0, Tmp_SF: -1, W: 4000, WH: 1_000_000, Hz: 50, PhVphA: 230, A: 17.4, TmpCab: 35, St: 4, Evt1: 0 } },
  ]).regs;

/** A gateway with `units` inverters whose spool is in `spoolDir`; the broker admits it only once `admit(true)`. */
async function site(units: number, spoolDir: string, spool: Record<string, unknown>, siteId?: string) {
  const ids = Array.from({ length: units }, (_, i) => i + 1);
  const srv = await startRegisterServer(new Map(ids.map((u) => [u, { holding: inverter(`SN-${u}`), input: new Map() }])));
  cleanups.push(() => srv.stop());
  let admitted = false;
  const broker = await startAedes({ port: await freePort(), admit: (id) => admitted || id.startsWith('collector-') });
  cleanups.push(() => broker.stop());
  const devices = ids.map((u) => ({ id: `inv${u}`, transport: 'tcp', host: '127.0.0.1', port: srv.port, unit: u, profile: 'sunspec' }));
  const raw = testConfig(broker.url, { pollIntervalMs: 1000, spool: { dir: spoolDir, fsync: 'always', retryMs: 100, replayBatchesPerSecond: 500, ...spool }, ...(siteId ? { site: siteId } : {}) }, devices);
  const col: Collector = await collect(broker.url, `${TOPIC_ROOT}/${raw.site}/${raw.gateway}`);
  cleanups.push(() => col.close());
  const logged: Record<string, unknown>[] = [];
  const log = createLogger('gateway', 'warn', { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
  const gw = await startGateway(parseGatewayConfig(raw), { log, manualCycles: true });
  cleanups.push(() => gw.stop());
  return { gw, col, broker, logged, site: raw.site, clientId: `sunshare-gw-${raw.site}-${raw.gateway}`, admit: (yes: boolean) => (admitted = yes) };
}

const timesEachSeq = (col: Collector) => {
  const n = new Map<number, number>();
  for (const b of col.batches) n.set(b.seq, (n.get(b.seq) ?? 0) + 1);
  return n;
};

describe.skipIf(!tmpfsAvailable())('the spool filesystem fails under a running gateway', () => {
  it('disk full: batches wait in memory, beyond its bound the oldest are evicted, counted and logged; every other one arrives once', async () => {
    const fs = mountTmpfs('256k');
    cleanups.push(() => fs.unmount());
    const memoryBytes = 16_384;
    const { gw, col, logged, admit } = await site(8, join(fs.dir, 'spool'), { memoryBytes, segmentBytes: 16_384 });
    await gw.runCycle();
    expect(gw.stats().publisher.spool.batches).toBe(1); // room on the disk: spooled as usual
    const ballast = fs.fill(8 * 1024); // something else fills the disk
    // the broker is away: everything must be kept somewhere, until memory is full too and evicts
    let cycles = 1;
    while (gw.stats().publisher.memory.evictedBatches < 3 && cycles < 400) {
      await gw.runCycle();
      cycles++;
    }
    const p = gw.stats().publisher;
    expect(p.disk.writeFailures, JSON.stringify(gw.stats())).toBeGreaterThan(0);
    expect(gw.status().spool?.writeFailures).toBe(p.disk.writeFailures);
    expect(p.memory.batches).toBeGreaterThan(0);
    expect(p.memory.bytes).toBeLessThanOrEqual(memoryBytes);
    expect(p.memory.evictedBatches).toBeGreaterThan(0);
    expect(p.spool.batches + p.memory.batches + p.memory.evictedBatches).toBe(cycles); // every batch accounted for
    expect(gw.status().spool).toMatchObject({ memoryBatches: p.memory.batches, memoryBytes: p.memory.bytes, memoryEvictedBatches: p.memory.evictedBatches, memoryEvictedReadings: p.memory.evictedReadings, writeFailures: p.disk.writeFailures });
    // each eviction is logged with its seq and readings
    const evictions = logged.filter((l) => l.msg === 'memory buffer full while the spool cannot be written: dropped its oldest batch');
    expect(evictions).toHaveLength(p.memory.evictedBatches);
    expect(evictions.reduce((n, l) => n + Number(l.readings), 0)).toBe(p.memory.evictedReadings);
    expect(logged.some((l) => l.msg === 'cannot write to the spool directory: keeping batches in memory and retrying' && l.code === 'ENOSPC')).toBe(true);

    // room again: what memory held goes to the spool, oldest first
    rmSync(ballast);
    await waitFor(async () => gw.stats().publisher.memory.batches === 0 && gw.stats().publisher.disk.writeError === undefined, 'held batches moved to the spool', 10_000);
    expect(gw.stats().publisher.spool.batches).toBe(cycles - p.memory.evictedBatches);
    admit(true);
    await waitFor(async () => gw.stats().publisher.connected && gw.stats().publisher.spool.batches === 0, 'the spool replayed', 15_000);
    await gw.runCycle();
    const last = gw.stats().publisher.lastSeq;
    await waitFor(async () => col.seqs().has(last), 'the live batch', 10_000);
    // what is missing is exactly what was evicted, and logged
    expect(col.missing(last)).toEqual(evictions.map((l) => Number(l.seq)));
    expect([...timesEachSeq(col).values()].every((n) => n === 1)).toBe(true);
    const arrived = col.batches.reduce((n, b) => n + b.readings.length, 0);
    expect(gw.stats().readings - arrived).toBe(p.memory.evictedReadings);
    await waitFor(async () => col.statuses.some((s) => s.spool?.memoryEvictedBatches === p.memory.evictedBatches && (s.spool.writeFailures ?? 0) > 0), 'the retained status reports the evictions', 10_000);
    expect(col.invalid).toEqual([]);
  }, 60_000);

  it('read-only after a power cut: batches go out from memory, wait there while the link is down too, reach the spool on repair, and every one arrives exactly once', async () => {
    const fs = mountTmpfs('1m');
    cleanups.push(() => fs.unmount());
    const { gw, col, broker, clientId, admit } = await site(2, join(fs.dir, 'spool'), {});
    admit(true);
    await waitFor(async () => gw.stats().publisher.connected, 'connected', 10_000);
    for (let i = 0; i < 3; i++) await gw.runCycle();
    await waitFor(async () => col.missing(2).length === 0 && gw.stats().publisher.spool.batches === 0, 'first batches acknowledged', 10_000);

    fs.remount('ro');
    for (let i = 0; i < 3; i++) await gw.runCycle();
    // the broker is up: published from memory, and once acknowledged nothing is left to keep
    await waitFor(async () => col.missing(5).length === 0 && gw.stats().publisher.memory.batches === 0, 'batches published from memory', 10_000);
    expect(gw.stats().publisher.spool.batches).toBe(0);
    expect(gw.stats().publisher.disk.writeError).toMatch(/EROFS|read-only/i);
    await waitFor(async () => col.statuses.some((s) => (s.spool?.writeFailures ?? 0) > 0 && /read-only/i.test(s.spool?.writeError ?? '')), 'the retained status shows the failure', 10_000);

    // the link goes too, while the disk is still read-only
    await waitFor(async () => gw.stats().publisher.inFlight === 0, 'nothing in flight', 10_000);
    admit(false);
    broker.kick(clientId);
    await waitFor(async () => !gw.stats().publisher.connected, 'disconnected', 10_000);
    for (let i = 0; i < 4; i++) await gw.runCycle();
    expect(gw.stats().publisher.memory.batches).toBe(4);
    expect(gw.status().spool).toMatchObject({ batches: 0, memoryBatches: 4, memoryEvictedBatches: 0 });

    fs.remount('rw'); // repaired
    await waitFor(async () => gw.stats().publisher.memory.batches === 0 && gw.stats().publisher.spool.batches === 4, 'held batches moved to the spool', 10_000);
    // the seq counter, unwritable meanwhile, was written again without waiting for a new batch
    await waitFor(async () => readFileSync(join(fs.dir, 'spool', 'seq'), 'utf8').trim() === '9', 'seq file caught up', 10_000);
    expect(gw.stats().publisher.disk.writeError).toBeUndefined();
    expect(gw.status().spool?.writeError).toBeUndefined();
    admit(true);
    await waitFor(async () => gw.stats().publisher.connected, 'reconnected', 10_000);
    for (let i = 0; i < 2; i++) await gw.runCycle();
    const last = gw.stats().publisher.lastSeq;
    expect(last).toBe(11);
    await waitFor(async () => col.missing(last).length === 0 && gw.stats().publisher.spool.batches === 0, 'every batch', 10_000);
    const times = timesEachSeq(col);
    expect([...times.entries()].filter(([, n]) => n !== 1)).toEqual([]); // exactly once
    expect(col.batches.every((b) => b.readings.length === 2)).toBe(true);
    expect(gw.stats().publisher.memory.evictedBatches).toBe(0);
    expect(col.invalid).toEqual([]);
  }, 60_000);

  it('a clean stop while neither the spool nor the broker can take the held batches logs their seqs as lost', async () => {
    const fs = mountTmpfs('256k');
    cleanups.push(() => fs.unmount());
    const spoolDir = join(fs.dir, 'spool');
    const { gw, logged } = await site(1, spoolDir, {});
    fs.remount('ro');
    await gw.runCycle();
    await gw.runCycle();
    expect(gw.stats().publisher.memory.batches).toBe(2);
    await gw.stop();
    const lost = logged.find((l) => l.msg === 'stopping with batches that neither the spool nor the broker took: they are lost');
    expect(lost).toMatchObject({ level: 50, batches: 2, seqs: [0, 1] });
  }, 30_000);

  it('starts on a spool filesystem that is already read-only (the box rebooted after a power cut): the old spool and the new batches all arrive', async () => {
    const fs = mountTmpfs('256k');
    cleanups.push(() => fs.unmount());
    const spoolDir = join(fs.dir, 'spool');
    const first = await site(1, spoolDir, {});
    for (let i = 0; i < 3; i++) await first.gw.runCycle(); // the broker never admits it: all spooled
    await first.gw.stop();
    fs.remount('ro');

    const { gw, col, admit } = await site(1, spoolDir, {}, first.site); // the same gateway, restarted
    expect(gw.stats().publisher.spool.batches).toBe(3);
    for (let i = 0; i < 2; i++) await gw.runCycle();
    expect(gw.stats().publisher.memory.batches).toBe(2);
    expect(gw.stats().publisher.disk.writeError).toMatch(/EROFS|read-only/i);
    admit(true);
    await waitFor(async () => col.missing(4).length === 0, 'the old spool and the new batches', 10_000);
    await waitFor(async () => gw.stats().publisher.memory.batches === 0 && gw.stats().publisher.spool.batches === 0, 'all acknowledged', 10_000);
    expect(col.batches.map((b) => b.seq).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(col.batches.every((b) => b.site === first.site && b.readings.length === 1)).toBe(true);
  }, 30_000);
});
