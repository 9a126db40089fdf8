// `npm run bench -- gateway`: poll cycle vs a bare client (32 SunSpec inverters over TCP), RTU at
// 9600 baud vs the line-rate bound (8 inverters), RSS with 32 devices and a 100 MB spool, replay rate.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ModbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { silentLogger } from '../common/log.js';
import { startMosquitto, startPtyPair, waitFor } from '../common/testing/index.js';
import { parseGatewayConfig } from './config.js';
import { startGateway, type GatewayHandle } from './gateway.js';
import { planReads } from './modbus/planner.js';
import { SunSpecProfile } from './profiles/sunspec.js';
import { rtuWireMs } from './testing/register-server.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const children: ChildProcess[] = [];
const Client = ModbusSerial as unknown as typeof ModbusRTU;

function run(script: string, args: string[], onLine: (l: string) => void, nodeFlags: string[] = []): Promise<void> {
  const p = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', '--expose-gc', here(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(p);
  let buf = '';
  p.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return new Promise((resolve) => p.once('exit', () => resolve()));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Cycle times (ms) of a running gateway over n further cycles (lastCycleMs, as its timer runs them). */
async function gatewayCycles(gw: GatewayHandle, n: number): Promise<number[]> {
  const out: number[] = [];
  let seen = gw.stats().cycles;
  while (out.length < n) {
    await waitFor(async () => gw.stats().cycles > seen, 'next cycle', 60_000, 5);
    seen = gw.stats().cycles;
    out.push(gw.stats().lastCycleMs);
  }
  return out;
}

const broker = await startMosquitto('max_queued_messages 0\nmax_inflight_messages 0\n');
try {
  // ---- 32 inverters over TCP
  let ports: number[] = [];
  void run('testing/bench-servers.ts', ['tcp', '32'], (l) => (ports = (JSON.parse(l) as { ports: number[] }).ports));
  await waitFor(async () => ports.length === 32, 'bench servers', 30_000);
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const spoolDir = () => mkdtempSync(join(tmpdir(), 'sunshare-bench-gw-'));
  const tcpDevices = ports.map((port, i) => ({ id: `inv${i}`, transport: 'tcp', host: '127.0.0.1', port, unit: 1, profile: 'sunspec' }));
  const gw = await startGateway(parseGatewayConfig({ site: 'bench', gateway: 'tcp', pollIntervalMs: 1000, mqtt: { url: broker.url }, spool: { dir: spoolDir(), fsync: 'always' }, devices: tcpDevices }), { log: silentLogger, manualCycles: true });
  for (let k = 0; k < 3; k++) await gw.runCycle(); // discovery

  // the bare client: the same blocks, one connection per inverter, all in parallel
  const discovery = new SunSpecProfile();
  const probe = new Client();
  await probe.connectTCP('127.0.0.1', { port: ports[0]! });
  probe.setID(1);
  probe.setTimeout(1000);
  await discovery.discover(async (_t, a, n) => (await probe.readHoldingRegisters(a, n)).data);
  probe.close(() => undefined);
  const blocks = planReads(discovery.ranges() ?? [], 8);
  const clients = await Promise.all(
    ports.map(async (port) => {
      const c = new Client();
      await c.connectTCP('127.0.0.1', { port });
      c.setID(1);
      c.setTimeout(1000);
      return c;
    }),
  );
  const bareCycle = async () => {
    const t = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (const b of blocks) await c.readHoldingRegisters(b.address, b.count);
      }),
    );
    return performance.now() - t;
  };
  // Interleaved, so both see the same machine load (two cores shared with other work).
  const gwMs: number[] = [];
  const bareMs: number[] = [];
  for (let k = 0; k < 40; k++) {
    gwMs.push(await gw.runCycle());
    await new Promise((r) => setTimeout(r, 50));
    bareMs.push(await bareCycle());
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const c of clients) c.close(() => undefined);
  await gw.stop();
  const g = median(gwMs);
  const b = median(bareMs);
  console.log(JSON.stringify({ bench: 'gateway.poll_cycle', devices: 32, transport: 'tcp', reads_per_device: blocks.length, ms: round(g), bare_ms: round(b), ratio: round(g / b), goal: '<=1.3' }));

  // ---- 8 inverters on one RS-485 line at 9600 baud (pty pair; the server emulates the wire time)
  const pty = await startPtyPair();
  let ready = false;
  void run('testing/bench-servers.ts', ['rtu', pty.b, '8', '9600'], () => (ready = true));
  await waitFor(async () => ready, 'rtu bench server', 30_000);
  const rtuDevices = Array.from({ length: 8 }, (_, i) => ({ id: `rtu${i}`, transport: 'rtu', path: pty.a, baudRate: 9600, unit: i + 1, profile: 'sunspec', timeoutMs: 1000 }));
  const rgw = await startGateway(parseGatewayConfig({ site: 'bench', gateway: 'rtu', pollIntervalMs: 2000, mqtt: { url: broker.url }, spool: { dir: spoolDir() }, devices: rtuDevices }), { log: silentLogger });
  await gatewayCycles(rgw, 2);
  const rtuMs = median(await gatewayCycles(rgw, 6));
  await rgw.stop();
  const boundMs = 8 * blocks.reduce((sum, bl) => sum + rtuWireMs(bl.count, 9600), 0);
  console.log(JSON.stringify({ bench: 'gateway.rtu_cycle', devices: 8, baud: 9600, ms: round(rtuMs), line_bound_ms: round(boundMs), ratio: round(rtuMs / boundMs), goal: '<=1.3', note: 'pty pair; the server delays each reply by its wire time at 9600 8N1 (request + reply + 2 x 3.5 char gaps)' }));
  await pty.close();

  // ---- memory with a 100 MB spool, then replay rate (fresh process)
  const dir = spoolDir();
  let filled = 0;
  await run('testing/bench-memory.ts', ['fill', dir, '[]', '', '100'], (l) => (filled = (JSON.parse(l) as { filled: number }).filled));
  // with the young-generation limit deploy/sunshare-gateway.service sets (NODE_OPTIONS)
  await run('testing/bench-memory.ts', [String(filled), dir, JSON.stringify(ports), broker.url, '100'], (l) => console.log(l), ['--max-semi-space-size=1']);
} finally {
  for (const c of children) c.kill('SIGKILL');
  await broker.destroy();
}
process.exit(0);
