// gateway/bench.ts runs this twice, each in a fresh process: `fill` makes a ~100 MB spool; then it runs a gateway
// with 32 TCP devices against a broker that is down (so the spool stays full) and prints its RSS;
// then brings the spool's backlog to a broker and measures the replay rate.
import { rmSync } from 'node:fs';
import { TELEMETRY_SCHEMA, type Reading } from '../../common/contract.ts';
import { silentLogger } from '../../common/log.ts';
import { waitFor } from '../../common/testing/index.ts';
import { parseGatewayConfig } from '../config.ts';
import { startGateway } from '../gateway.ts';
import { SeqFile, Spool } from '../spool/index.ts';

const [mode, dirArg, portsJson, brokerUrl, spoolMbArg] = process.argv.slice(2) as [string, string, string, string, string];
const ports = JSON.parse(portsJson) as number[];
const spoolBytes = Number(spoolMbArg) * 1024 * 1024;
const dir = dirArg;
const READINGS = 32;

const reading = (i: number, ts: number): Reading => ({ device: `inv${i}`, kind: 'inverter', ts, serial: `BENCH-${i}`, ac_power_w: 41_000.5, ac_energy_wh: 123_456_789 + ts / 1000, dc_power_w: 42_000, ac_voltage_v: 230.1, ac_current_a: 59.4, frequency_hz: 50.01, temperature_c: 35.2, state: 'mppt', alarms: [] });

// 1. a full spool, as after a long outage (in its own process: the measured one only opens it)
if (mode === 'fill') {
  const fill = Spool.open({ dir, maxBytes: spoolBytes, segmentBytes: 1024 * 1024, fsync: 'never' });
let seq = 0;
const t0 = Date.now();
while (fill.stats().bytes < spoolBytes - 64 * 1024) {
  const ts = t0 + seq * 10_000;
  fill.append(seq, Buffer.from(JSON.stringify({ schema: TELEMETRY_SCHEMA, site: 'bench', gateway: 'gw1', seq, sentAt: ts, readings: Array.from({ length: READINGS }, (_, i) => reading(i, ts)) })));
  seq++;
}
fill.close();
new SeqFile(dir, false).write(seq - 1);
console.log(JSON.stringify({ filled: seq }));
process.exit(0);
}
const batches = Number(mode);

const base = {
  site: 'bench',
  gateway: 'gw1',
  pollIntervalMs: 1000,
  devices: ports.map((port, i) => ({ id: `inv${i}`, transport: 'tcp', host: '127.0.0.1', port, unit: 1, profile: 'sunspec' })),
};

// 2. the backlog replayed to a local broker (the devices keep being polled: live data flows alongside)
const replayStart = Date.now();
const online = await startGateway(parseGatewayConfig({ ...base, mqtt: { url: brokerUrl }, spool: { dir, maxBytes: spoolBytes + 2 * 1024 * 1024, fsync: 'never', replayBatchesPerSecond: 100_000, maxInFlight: 64 } }), { log: silentLogger });
await waitFor(async () => online.stats().publisher.spool.batches === 0, 'spool replayed', 300_000, 20);
const secs = (Date.now() - replayStart) / 1000;
const st = online.stats();
console.log(JSON.stringify({ bench: 'gateway.replay', batches, readings: batches * READINGS, seconds: Math.round(secs * 100) / 100, readings_per_s: Math.round((batches * READINGS) / secs), live_batches_meanwhile: st.cycles, goal: 'readings_per_s>=5000' }));
await online.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
