import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../common/errors.ts';
import { socatAvailable, startPtyPair, type PtyPair } from '../../common/testing/index.ts';
import { startSim, type SimHandle } from '../../firmware-sim/index.ts';

/** `sunshare gateway --probe` with a DL/T 645 meter on a pty: its values and tariffs, or, at a wrong address, the address the line answers with. */
const bin = fileURLToPath(new URL('../../bin/sunshare.js', import.meta.url));
const ADDRESS = '000087654321';

describe.skipIf(!socatAvailable())('sunshare gateway --probe, DL/T 645', () => {
  let pty: PtyPair;
  let sim: SimHandle;
  let dir: string;

  beforeAll(async () => {
    pty = await startPtyPair();
    sim = await startSim({
      seed: 4,
      clock: { start: '2026-06-21T12:00', manual: true },
      tcp: { port: 0 },
      control: { enabled: false },
      devices: [
        { id: 'pv', profile: 'sunspec', unitId: 1, ratedPowerW: 30_000 },
        { id: 'meter', profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 7_000_000, initialImportWh: 50_000, dlt645: { path: pty.a, address: ADDRESS } },
      ],
    });
    sim.advance(600_000);
    dir = mkdtempSync(join(tmpdir(), 'sunshare-probe645-'));
  });
  afterAll(async () => {
    await sim?.stop();
    await pty?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const probe = (address: string) => {
    const file = join(dir, `${address}.json`);
    writeFileSync(file, JSON.stringify({ site: 's1', gateway: 'g1', mqtt: { url: 'mqtt://127.0.0.1:1' }, spool: { dir }, devices: [{ id: 'grid', protocol: 'dlt645', transport: 'rtu', path: pty.b, profile: 'dlt645-meter', timeoutMs: 500, dlt645: { address } }] }));
    return run(['gateway', '--config', file, '--probe']);
  };

  it('prints the meter\'s contract fields and its per-tariff counters', async () => {
    const r = await probe(ADDRESS);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^grid \\(rtu:${pty.b} DL/T 645 address ${ADDRESS}, dlt645-meter\\): ok in \\d+ ms, serial ${ADDRESS}`, 'm'));
    expect(r.stdout).toMatch(/^ {2}export_energy_wh +7\d{6}/m);
    expect(r.stdout).toMatch(/^ {2}export_energy_wh_t3 +7\d{6}$/m); // the simulated meter's split starts as flat
    expect(r.stdout).toMatch(/^ {2}VoltageB +\d+(\.\d)? \(02010200, SI units\)/m); // a point without a contract field
  });

  it('at a wrong address: fails, and names the address the meter on the line answers with', async () => {
    const r = await probe('000000000042');
    expect(r.status).toBe(ERRORS.DLT645_TIMEOUT.exit);
    expect(r.stdout).toContain('FAILED: DLT645_TIMEOUT');
    expect(r.stdout).toContain(`the meter on this line answers at address ${ADDRESS} (read by broadcast)`);
  });
});

function run(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'silent' } });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('exit', (status) => resolve({ status, stdout }));
  });
}
