import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../common/errors.ts';
import { silentLogger } from '../../common/log.ts';
import { freePort } from '../../common/testing/index.ts';
import { startSim, type SimHandle } from '../../firmware-sim/index.ts';
import { parseGatewayConfig } from '../config.ts';
import { buildReaders, startGateway } from '../gateway.ts';
import { discoverUnits, parseUnits } from './discover.ts';

/**
 * A SmartLogger as the simulator serves it: one TCP address, its plant-level registers at unit 0
 * (the sum of the site's inverters, same physics) and four SUN2000 inverters at units 1-4.
 */
const INVERTERS = [1, 2, 3, 4].map((u) => ({ id: `inv-${u}`, profile: 'huawei-sun2000', unitId: u, ratedPowerW: 20_000 + u * 5_000, initialEnergyWh: 1_000_000 * u }));
const bin = fileURLToPath(new URL('../../bin/sunshare.js', import.meta.url));

describe('Huawei SmartLogger: plant totals at unit 0, inverters behind it by unit id', () => {
  let sim: SimHandle;
  let dir: string;
  let devices: Record<string, unknown>[];

  beforeAll(async () => {
    sim = await startSim({
      seed: 11,
      clock: { start: '2026-06-21T11:30', manual: true },
      tcp: { port: 0 },
      control: { enabled: false },
      devices: [{ id: 'plant', profile: 'huawei-smartlogger', unitId: 0, aggregate: true, initialEnergyWh: 10_000_000 }, ...INVERTERS],
    });
    sim.advance(600_000);
    dir = mkdtempSync(join(tmpdir(), 'sunshare-slog-'));
    devices = [
      { id: 'plant', transport: 'tcp', host: sim.host, port: sim.ports[0], unit: 0, profile: 'huawei-smartlogger' },
      ...INVERTERS.map((d) => ({ id: d.id, transport: 'tcp', host: sim.host, port: sim.ports[0], unit: d.unitId, profile: 'huawei-sun2000' })),
    ];
  });
  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = async (devs = devices) => parseGatewayConfig({ site: 's1', gateway: 'g1', mqtt: { url: `mqtt://127.0.0.1:${await freePort()}` }, spool: { dir }, devices: devs });

  it('discovers the inverters behind it: their unit ids, models and serial numbers', async () => {
    const { lines } = buildReaders(await config(), silentLogger);
    const line = [...lines.values()][0]!;
    try {
      const found = await discoverUnits(line, parseUnits('1-7'), 500);
      expect(found.map((f) => f.unit)).toEqual([1, 2, 3, 4]);
      expect(found.map((f) => f.serial)).toEqual(INVERTERS.map((d) => sim.truth(d.id).serial));
      expect(found[0]!.model).toBe('SUN2000-25KTL-M3');
    } finally {
      await line.close();
    }
  });

  it('per-inverter readings by unit id and the plant totals, all on one TCP connection, agree with the physics', async () => {
    const { lines, readers } = buildReaders(await config(), silentLogger);
    expect(lines.size).toBe(1);
    try {
      const read = () => Promise.all(readers.map((r) => r.read()));
      const before = await read();
      const truths = INVERTERS.map((d) => sim.truth(d.id));
      const sum = truths.reduce((s, t) => s + t.acPowerW, 0);
      expect(sum, "the sun shines").toBeGreaterThan(5_000);
      INVERTERS.forEach((_, i) => expect(Math.abs(before[i + 1]!.values.ac_power_w! - truths[i]!.acPowerW)).toBeLessThanOrEqual(0.5));
      // plant power: the sum of the inverters (the logger's resolution is 1 W)
      expect(Math.abs(before[0]!.values.ac_power_w! - sum)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(before[0]!.values.ac_energy_wh! - sim.truth('plant').energyWh)).toBeLessThanOrEqual(50);
      sim.advance(1_800_000);
      const after = await read();
      const gained = (k: number) => after[k]!.values.ac_energy_wh! - before[k]!.values.ac_energy_wh!;
      const invGained = INVERTERS.reduce((s, _, i) => s + gained(i + 1), 0);
      expect(invGained).toBeGreaterThan(2_000);
      // the plant counter (0.1 kWh steps) gains what the inverters (0.01 kWh steps) gained together
      expect(Math.abs(gained(0) - invGained)).toBeLessThanOrEqual(100 + 4 * 10);
    } finally {
      await Promise.all([...lines.values()].map((l) => l.close()));
    }
  });

  it('`sunshare gateway --probe --scan` reads each device once, lists the inverters behind the logger, exits 0', async () => {
    const file = join(dir, 'gw.json');
    writeFileSync(file, JSON.stringify({ site: 's1', gateway: 'g1', mqtt: { url: `mqtt://127.0.0.1:${await freePort()}` }, spool: { dir }, devices: devices.slice(0, 2) }));
    const r = await run(['gateway', '--config', file, '--probe', '--scan', '1-6']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^plant \(tcp:\/\/127\.0\.0\.1:\d+ unit 0, huawei-smartlogger\): ok in \d+ ms/m);
    expect(r.stdout).toMatch(/^ {2}ac_power_w +\d+/m);
    expect(r.stdout).toContain('behind it (units 1-6): 4 inverter(s)');
    expect(r.stdout).toContain(`unit: 3, profile: huawei-sun2000 }  # SUN2000-35KTL-M3 ${sim.truth('inv-3').serial}`);
    expect(r.stdout).toContain('all 2 device(s) read');
    expect(readdirSync(dir).filter((f) => !f.endsWith('.json')), 'nothing spooled').toEqual([]);
  });

  it('the running gateway refuses the plant totals beside inverters (their energy would count twice), naming both; either alone runs', async () => {
    const err = await startGateway(await config(), { log: silentLogger, manualCycles: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    const detail = (err as { details: string[] }).details.join('\n');
    expect(detail).toContain('/devices/0/profile: plant (huawei-smartlogger) reads plant-level totals');
    expect(detail).toContain('inverter(s) inv-1, inv-2, inv-3, inv-4: their energy would count twice');
    // a sunspec device may be an inverter: refused beside the plant too
    const withSunSpec = await startGateway(await config([devices[0]!, { id: 'ss', transport: 'tcp', host: sim.host, port: sim.ports[0], unit: 9, profile: 'sunspec' }]), { log: silentLogger, manualCycles: true }).catch((e: unknown) => e);
    expect((withSunSpec as { details: string[] }).details.join('\n')).toContain('inverter(s) ss:');
    for (const alone of [devices.slice(0, 1), devices.slice(1)]) {
      const gw = await startGateway(await config(alone), { log: silentLogger, manualCycles: true });
      try {
        await gw.runCycle();
        expect(gw.stats().devices.every((d) => d.ok), JSON.stringify(gw.stats().devices)).toBe(true);
        expect(gw.stats().readings).toBe(alone.length);
      } finally {
        await gw.stop();
      }
    }
  });

  it('`sunshare gateway --check` refuses the combination too (CONFIG_INVALID), while --probe reads both', async () => {
    const file = join(dir, 'gw-both.json');
    writeFileSync(file, JSON.stringify({ site: 's1', gateway: 'g1', mqtt: { url: `mqtt://127.0.0.1:${await freePort()}` }, spool: { dir }, devices: devices.slice(0, 2) }));
    const r = await run(['gateway', '--config', file, '--check']);
    expect(r.status).toBe(ERRORS.CONFIG_INVALID.exit);
    expect(r.stderr).toContain('/devices/0/profile: plant (huawei-smartlogger) reads plant-level totals');
    expect((await run(['gateway', '--config', file, '--probe'])).status).toBe(0);
  });

  it('--probe exits with the unavailable status when a device does not answer, naming it', async () => {
    const file = join(dir, 'gw-bad.json');
    const dead = { id: 'ghost', transport: 'tcp', host: '127.0.0.1', port: await freePort(), unit: 1, profile: 'huawei-sun2000', timeoutMs: 300 };
    writeFileSync(file, JSON.stringify({ site: 's1', gateway: 'g1', mqtt: { url: 'mqtt://127.0.0.1:1' }, spool: { dir }, devices: [devices[1], dead] }));
    const r = await run(['gateway', '--config', file, '--probe']);
    expect(r.status).toBe(ERRORS.MODBUS_READ_FAILED.exit);
    expect(r.stdout).toMatch(/^ghost \(tcp:\/\/127\.0\.0\.1:\d+ unit 1, huawei-sun2000\): FAILED: MODBUS_READ_FAILED/m);
    expect(r.stdout).toContain('1 of 2 device(s) failed');
  });
});

/** The CLI as a child process (the simulator runs in this one, so no spawnSync). */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
