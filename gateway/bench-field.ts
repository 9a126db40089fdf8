// Figures for the field hardware of issue 17 (run by gateway/bench.ts, or alone: `node gateway/bench-field.ts`):
// `gateway.dlt645_cycle`: 8 DL/T 645 meters on one line at 2400 baud 8E1 vs the line-rate bound from
// the bytes on the wire; `gateway.smartlogger_cycle`: 20 SUN2000 inverters behind one SmartLogger
// (one TCP connection) vs a bare modbus-serial client doing the same reads.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ModbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { DEFAULT_PREAMBLE_BYTES, frameBytes, loadDlt645Map, parseBcdFormat } from '../common/devices/index.ts';
import { silentLogger } from '../common/log.ts';
import { freePort, startPtyPair } from '../common/testing/index.ts';
import { parseGatewayConfig } from './config.ts';
import { startGateway } from './gateway.ts';
import { planReads } from './modbus/planner.ts';
import { VendorProfile } from './profiles/vendor.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const Client = ModbusSerial as unknown as typeof ModbusRTU;
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
/** Bits a byte takes at 8E1: start, 8 data, parity, stop. */
const BITS_8E1 = 11;

function child(args: string[], children: ChildProcess[]): Promise<{ port?: number }> {
  const p = spawn(process.execPath, [here('testing/bench-field-servers.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(p);
  return new Promise((resolve) => {
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(JSON.parse(buf.slice(0, i)) as { port?: number });
    });
  });
}

export async function benchField(mqttUrl?: string): Promise<void> {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-bench-field-'));
  const mqtt = { url: mqttUrl ?? `mqtt://127.0.0.1:${await freePort()}` };
  try {
    // ---- 8 DL/T 645 meters at 2400 baud
    const meters = 8;
    const pty = await startPtyPair();
    await child(['dlt645', pty.b, String(meters)], children);
    const devices = Array.from({ length: meters }, (_, i) => ({ id: `m${i + 1}`, protocol: 'dlt645', transport: 'rtu', path: pty.a, profile: 'dlt645-meter', timeoutMs: 2000, dlt645: { address: String(i + 1).padStart(12, '0') } }));
    const gw = await startGateway(parseGatewayConfig({ site: 'bench', gateway: 'dlt', pollIntervalMs: 60_000, mqtt, spool: { dir: mkdtempSync(join(dir, 's-')), fsync: 'never' }, devices }), { log: silentLogger, manualCycles: true });
    await gw.runCycle();
    const runs: number[] = [];
    for (let k = 0; k < 5; k++) runs.push(await gw.runCycle());
    const ok = gw.stats().devices.every((d) => d.ok);
    await gw.stop();
    await pty.close();
    // the bound: every request (preamble, frame, 4-byte DI) and reply (frame, DI, value) of a cycle, 11 bits a byte at 2400 baud
    const points = loadDlt645Map('dlt645-meter').points.filter((p) => p.field);
    const bytesPerMeter = points.reduce((s, p) => s + frameBytes(4, DEFAULT_PREAMBLE_BYTES) + frameBytes(4 + parseBcdFormat(p.format).bytes), 0);
    const boundMs = (meters * bytesPerMeter * BITS_8E1 * 1000) / 2400;
    const ms = median(runs);
    console.log(JSON.stringify({ bench: 'gateway.dlt645_cycle', meters, baud: 2400, reads_per_meter: points.length, bytes_per_meter: bytesPerMeter, ms: round(ms), line_bound_ms: round(boundMs), ratio: round(ms / boundMs, 3), all_devices_ok: ok, goal: '<=1.3', note: 'pty pair; the simulated meters delay each reply by the request and reply wire time at 2400 8E1 (11 bits a byte); no meter turnaround time' }));

    // ---- 20 inverters behind one SmartLogger (one TCP connection)
    const n = 20;
    const { port } = await child(['smartlogger', String(n)], children);
    const invDevices = Array.from({ length: n }, (_, i) => ({ id: `inv${i + 1}`, transport: 'tcp', host: '127.0.0.1', port, unit: i + 1, profile: 'huawei-sun2000' }));
    const sgw = await startGateway(parseGatewayConfig({ site: 'bench', gateway: 'slog', pollIntervalMs: 60_000, mqtt, spool: { dir: mkdtempSync(join(dir, 's-')), fsync: 'never' }, devices: invDevices }), { log: silentLogger, manualCycles: true });
    for (let k = 0; k < 3; k++) await sgw.runCycle();
    const blocks = planReads(new VendorProfile('huawei-sun2000').ranges(), 8);
    const bare = new Client();
    await bare.connectTCP('127.0.0.1', { port: port! });
    bare.setTimeout(2000);
    const bareCycle = async () => {
      const t = performance.now();
      for (let u = 1; u <= n; u++) {
        bare.setID(u);
        for (const b of blocks) await bare.readHoldingRegisters(b.address, b.count);
      }
      return performance.now() - t;
    };
    await bareCycle();
    const gwMs: number[] = [];
    const bareMs: number[] = [];
    for (let k = 0; k < 30; k++) {
      gwMs.push(await sgw.runCycle());
      await new Promise((r) => setTimeout(r, 20));
      bareMs.push(await bareCycle());
      await new Promise((r) => setTimeout(r, 20));
    }
    const sok = sgw.stats().devices.every((d) => d.ok);
    bare.close(() => undefined);
    await sgw.stop();
    const g = median(gwMs);
    const b = median(bareMs);
    console.log(JSON.stringify({ bench: 'gateway.smartlogger_cycle', inverters: n, transport: 'tcp, one connection', reads_per_inverter: blocks.length, ms: round(g), bare_ms: round(b), ratio: round(g / b), all_devices_ok: sok, goal: '<=1.3' }));
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchField();
  process.exit(0);
}
