// `npm run bench -- firmware-sim`: Modbus requests/s one simulator process serves on loopback vs a bare
// modbus-serial ServerTCP in the same run (8 client connections, SIM_BENCH_CONNECTIONS to change;
// 50-register reads), the resident memory of 200 simulated inverters (in a child process), and a
// year's yield per kWp.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseStart } from './clock.ts';
import { parseSimConfig } from './config.ts';
import { Site } from './site.ts';
import { ModbusClient } from './testing/client.ts';

const script = fileURLToPath(new URL('testing/bench-server.ts', import.meta.url));
const CONNECTIONS = Number(process.env.SIM_BENCH_CONNECTIONS ?? 8);
const SECONDS = 3;

function child(args: string[]): Promise<{ proc: ChildProcess; first: Record<string, number> }> {
  const proc = spawn(process.execPath, ['--expose-gc', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) resolve({ proc, first: JSON.parse(buf.slice(0, i)) as Record<string, number> });
    });
    proc.once('exit', (code) => reject(new Error(`bench server ${args.join(' ')} exited with ${code}`)));
  });
}

/** Requests per second over SECONDS with CONNECTIONS clients, each one request at a time. */
async function load(port: number, units: number[]): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const c = new ModbusClient();
      await c.connectTCP('127.0.0.1', { port });
      c.setTimeout(2000);
      return c;
    }),
  );
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = k; performance.now() < end; i++) {
        c.setID(units[i % units.length]!);
        await c.readHoldingRegisters(40072, 50);
        done++;
      }
    }),
  );
  const rate = done / ((performance.now() - t0) / 1000);
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.close(() => r()))));
  return rate;
}

async function measure(mode: 'bare' | 'sim'): Promise<number> {
  const { proc, first } = await child([mode]);
  try {
    const units = mode === 'sim' ? Array.from({ length: 20 }, (_, i) => i + 1) : [1];
    await load(first.port!, units); // warm-up (JIT)
    return await load(first.port!, units);
  } finally {
    proc.kill();
  }
}

const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
const bare: number[] = [];
const sim: number[] = [];
for (let round_ = 0; round_ < 2; round_++) {
  bare.push(await measure('bare'));
  sim.push(await measure('sim'));
}
const best = (xs: number[]) => Math.max(...xs);
console.log(
  JSON.stringify({
    bench: 'firmware-sim.modbus_tcp_requests_per_s',
    connections: CONNECTIONS,
    registers_per_read: 50,
    sim_rps: round(best(sim)),
    bare_rps: round(best(bare)),
    ratio: round(best(bare) / best(sim), 2),
    goal: 'sim >= 2000/s and bare/sim <= 2',
  }),
);

const rss = async (n: number) => {
  const { proc, first } = await child(['rss', String(n)]);
  proc.kill();
  return first;
};
const one = await rss(1);
const many = await rss(200);
console.log(
  JSON.stringify({
    bench: 'firmware-sim.rss_200_inverters',
    devices: many.devices,
    rss_mb: round(many.rss! / 2 ** 20, 1),
    heap_used_mb: round(many.heapUsed! / 2 ** 20, 1),
    rss_1_inverter_mb: round(one.rss! / 2 ** 20, 1),
    goal: 'rss_mb < 200',
  }),
);

// A year of the default weather, in-process: the yield the physics gives (and how fast it runs).
const cfgFor = (seed: number) =>
  parseSimConfig({ seed, devices: [{ id: 'inv', profile: 'sunspec', unitId: 1, ratedPowerW: 12_000, dcPeakW: 15_000 }] });
const yields: number[] = [];
const t0 = performance.now();
for (const seed of [1, 2, 3, 4, 5]) {
  const cfg = cfgFor(seed);
  const s = new Site(cfg, parseStart('2026-01-01', cfg.site.timezone));
  s.advanceTo(s.time + 365 * 86_400_000);
  yields.push(round(s.device('inv').producedWh / 1000 / 15));
}
console.log(
  JSON.stringify({
    bench: 'firmware-sim.yearly_yield',
    site: 'Ruyuan 24.78N 113.28E, 20 deg south',
    seeds: [1, 2, 3, 4, 5],
    kwh_per_kwp: yields,
    ms_per_sim_year: round((performance.now() - t0) / 5),
    goal: '950-1150 kWh/kWp',
  }),
);
