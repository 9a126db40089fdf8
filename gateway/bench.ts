// `npm run bench -- gateway`: poll cycle vs a bare client (32 SunSpec inverters over TCP), RTU at
// 9600 baud vs the line-rate bound (8 inverters), DL/T 645 at 2400 baud vs the line-rate bound (8
// meters), 20 inverters behind a SmartLogger vs a bare client (bench-field.ts), RSS with 32 devices
// and a 100 MB spool, replay rate, one spool append and a full memory buffer.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ModbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { silentLogger } from '../common/log.ts';
import { freePort, startMosquitto, startPtyPair, waitFor } from '../common/testing/index.ts';
import { parseGatewayConfig } from './config.ts';
import { benchField } from './bench-field.ts';
import { startGateway } from './gateway.ts';
import { planReads } from './modbus/planner.ts';
import { SunSpecProfile } from './profiles/sunspec.ts';
import { rtuWireMs } from './testing/register-server.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
/** The V8 flags deploy/sunshare-gateway.service runs the gateway with (small young generation, neither optimizing compiler). */
const SITE_NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size', '--no-opt', '--no-maglev'];
const children: ChildProcess[] = [];
const Client = ModbusSerial as unknown as typeof ModbusRTU;

function run(script: string, args: string[], onLine: (l: string) => void, nodeFlags: string[] = []): Promise<void> {
  const p = spawn(process.execPath, [...nodeFlags, '--expose-gc', here(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(p);
  let buf = '';
  p.stdout.on('data', (d: Buffer) => {
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

const benchDir = mkdtempSync(join(tmpdir(), 'sunshare-bench-gw-'));
const broker = await startMosquitto('max_queued_messages 0\nmax_inflight_messages 0\n');
try {
  // ---- spool append cost and a full memory buffer (gateway/testing/bench-spool.ts)
  await run('testing/bench-spool.ts', [benchDir], (l) => console.log(l));

  // ---- 32 inverters over TCP
  let ports: number[] = [];
  void run('testing/bench-servers.ts', ['tcp', '32'], (l) => (ports = (JSON.parse(l) as { ports: number[] }).ports));
  await waitFor(async () => ports.length === 32, 'bench servers', 30_000);
  const spoolDir = () => mkdtempSync(join(benchDir, 'gw-'));
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
  // manual cycles, each run to completion (a timer-run cycle that overruns its interval would skip busy devices)
  const rgw = await startGateway(parseGatewayConfig({ site: 'bench', gateway: 'rtu', pollIntervalMs: 20_000, mqtt: { url: broker.url }, spool: { dir: spoolDir() }, devices: rtuDevices }), { log: silentLogger, manualCycles: true });
  for (let k = 0; k < 2; k++) await rgw.runCycle(); // discovery
  const rtuRuns: number[] = [];
  for (let k = 0; k < 6; k++) rtuRuns.push(await rgw.runCycle());
  const rtuMs = median(rtuRuns);
  const rtuOk = rgw.stats().devices.every((d) => d.ok);
  await rgw.stop();
  const boundMs = 8 * blocks.reduce((sum, bl) => sum + rtuWireMs(bl.count, 9600), 0);
  console.log(JSON.stringify({ bench: 'gateway.rtu_cycle', devices: 8, baud: 9600, ms: round(rtuMs), line_bound_ms: round(boundMs), ratio: round(rtuMs / boundMs), all_devices_ok: rtuOk, goal: '<=1.3', note: 'pty pair; the server delays each reply by its wire time at 9600 8N1 (request + reply + 2 x 3.5 char gaps)' }));
  await pty.close();

  // ---- field hardware: DL/T 645 meters at 2400 baud, inverters behind a SmartLogger
  await benchField(broker.url);

  // ---- memory: the real `sunshare gateway` process (as systemd runs it) with 32 devices and a full
  // 100 MB spool, broker unreachable so the spool stays full; then the replay rate (fresh process)
  const dir = spoolDir();
  let filled = 0;
  await run('testing/bench-memory.ts', ['fill', dir, '[]', '', '100'], (l) => (filled = (JSON.parse(l) as { filled: number }).filled));
  const cfgFile = join(spoolDir(), 'gateway.yaml');
  const deadPort = await freePort();
  writeFileSync(
    cfgFile,
    JSON.stringify({
      site: 'bench',
      gateway: 'mem',
      pollIntervalMs: 1000,
      mqtt: { url: `mqtt://127.0.0.1:${deadPort}`, reconnectPeriodMs: 1000 },
      spool: { dir, maxBytes: 110 * 1024 * 1024 },
      devices: tcpDevices,
    }),
  );
  // The unit keeps Node's compile cache in /var/cache (deploy/sunshare-gateway.service): a restarted gateway
  // finds its TypeScript already stripped and never loads Node's stripper. Same here: a cache of the
  // bench's own, filled by one earlier run of the gateway with the same flags (the first start ever
  // strips every module and costs about 30 MB more; `--check` alone loads only the config path).
  const env = { ...process.env, LOG_LEVEL: 'silent', NODE_COMPILE_CACHE: join(benchDir, 'compile-cache') };
  /** Runs a gateway process for 12 s (12 cycles) with the full spool and returns its RSS and cycles. */
  const measure = async (command: string[], what: string) => {
    const seqBefore = Number(readFileSync(join(dir, 'seq'), 'utf8'));
    const proc = spawn(process.execPath, [...SITE_NODE_FLAGS, ...command], { stdio: 'inherit', env });
    children.push(proc);
    await new Promise((r) => setTimeout(r, 12_000));
    const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
    const rssKb = kb('VmRSS');
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    const spoolMb = readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0) / 1024 / 1024;
    const cycles = Number(readFileSync(join(dir, 'seq'), 'utf8')) - seqBefore;
    console.log(JSON.stringify({ bench: 'gateway.memory', devices: 32, spool_mb: round(spoolMb, 1), cycles, rss_mb: round(rssKb / 1024, 1), rss_anon_mb: round(kb('RssAnon') / 1024, 1), rss_file_mb: round(kb('RssFile') / 1024, 1), process: what, goal: 'rss_mb<=60' }));
    return cycles;
  };
  // as shipped and as the systemd unit runs it: Node strips the types itself, no transpiler, no bundle
  const warm = spawn(process.execPath, [...SITE_NODE_FLAGS, here('../bin/sunshare.js'), 'gateway', '--config', cfgFile], { stdio: 'ignore', env });
  children.push(warm);
  await new Promise((r) => setTimeout(r, 4_000));
  warm.kill('SIGTERM');
  await new Promise((r) => warm.once('exit', r));
  const cycles = await measure([here('../bin/sunshare.js'), 'gateway', '--config', cfgFile], `node ${SITE_NODE_FLAGS.join(' ')} bin/sunshare.js gateway`);
  await run('testing/bench-memory.ts', [String(filled + cycles), dir, JSON.stringify(ports), broker.url, '100'], (l) => console.log(l), SITE_NODE_FLAGS);
} finally {
  for (const c of children) c.kill('SIGKILL');
  await broker.destroy();
  rmSync(benchDir, { recursive: true, force: true });
}
process.exit(0);
