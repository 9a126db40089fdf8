// gateway/bench.ts runs this in its own process: the cost of one spool append (each opens, writes,
// fsyncs and closes its segment, so no file stays open for writing), and what a full memory buffer
// (batches the spool could not take, spool.memoryBytes) adds to the process's RSS.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TELEMETRY_SCHEMA, type Reading } from '../../common/contract.ts';
import { MemoryBuffer, Spool } from '../spool/index.ts';

const [base] = process.argv.slice(2) as [string];
const READINGS = 32;
const reading = (i: number, ts: number): Reading => ({ device: `inv${i}`, kind: 'inverter', ts, serial: `BENCH-${i}`, ac_power_w: 41_000.5, ac_energy_wh: 123_456_789 + ts / 1000, dc_power_w: 42_000, ac_voltage_v: 230.1, ac_current_a: 59.4, frequency_hz: 50.01, temperature_c: 35.2, state: 'mppt', alarms: [] });
const batch = (seq: number) => Buffer.from(JSON.stringify({ schema: TELEMETRY_SCHEMA, site: 'bench', gateway: 'gw1', seq, sentAt: Date.now(), readings: Array.from({ length: READINGS }, (_, i) => reading(i, Date.now())) }));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

for (const fsync of ['always', 'never'] as const) {
  const dir = mkdtempSync(join(base, 'append-'));
  const spool = Spool.open({ dir, maxBytes: 100 * 1024 * 1024, segmentBytes: 1024 * 1024, fsync });
  const n = fsync === 'always' ? 500 : 5000;
  const us: number[] = [];
  const payload = batch(0);
  for (let seq = 0; seq < n; seq++) {
    const t = performance.now();
    spool.append(seq, payload);
    us.push((performance.now() - t) * 1000);
  }
  spool.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ bench: 'gateway.spool_append', fsync, batches: n, batch_bytes: payload.length, median_us: round(median(us)), p99_us: round([...us].sort((a, b) => a - b)[Math.floor(n * 0.99)]!), note: 'open + write + fsync + close per append, on the bench machine disk (tmpdir)' }));
}

const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = rssKb();
const memoryBytes = 8 * 1024 * 1024; // the default spool.memoryBytes
const memory = new MemoryBuffer(memoryBytes, () => undefined);
let seq = 0;
while (memory.stats().evictedBatches === 0) memory.hold(seq++, batch(seq), READINGS);
for (let i = 0; i < 1000; i++) memory.hold(seq++, batch(seq), READINGS); // keeps evicting: the bound holds
gc?.();
const after = rssKb();
console.log(JSON.stringify({ bench: 'gateway.memory_buffer', memory_bytes_bound: memoryBytes, held_batches: memory.stats().batches, held_bytes: memory.stats().bytes, rss_added_mb: round((after - before) / 1024), goal: 'rss_added_mb <= 2 x memoryBytes' }));
