import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../common/errors.ts';
import { freePort } from './modbus/servers.ts';
import { ModbusClient } from './testing/client.ts';

const bin = fileURLToPath(new URL('../bin/sunshare.js', import.meta.url));

describe('sunshare sim (the command a newcomer runs)', () => {
  it('serves the quick-flag site on an accelerated clock, with a control API', async () => {
    const [port, controlPort] = [await freePort(), await freePort()];
    const args = ['sim', '--port', String(port), '--inverters', '3', '--profile', 'sunspec', '--seed', '1', '--clock-speed', '3600', '--start', '2026-06-21T09:00', '--control-port', String(controlPort)];
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!out.includes('control API') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`tcp://127.0.0.1:${port} unit 3`);
      const c = new ModbusClient();
      await c.connectTCP('127.0.0.1', { port });
      c.setTimeout(2000);
      c.setID(3);
      expect((await c.readHoldingRegisters(40000, 2)).buffer.toString('latin1')).toBe('SunS');
      const wh = async () => (await c.readHoldingRegisters(40094, 2)).buffer.readUInt32BE(0);
      const first = await wh();
      await new Promise((r) => setTimeout(r, 1500)); // 1.5 h of sim time in the morning
      expect(await wh()).toBeGreaterThan(first + 1000);
      c.setID(100);
      expect((await c.readHoldingRegisters(40070, 2)).data).toEqual([203, 105]);
      c.close(() => undefined);
      const clock = (await (await fetch(`http://127.0.0.1:${controlPort}/clock`)).json()) as { speed: number; iso: string };
      expect(clock.speed).toBe(3600);
      expect(clock.iso > '2026-06-21T01:00:00.000Z').toBe(true);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('explains a bad option and exits with the status of OPTION_INVALID', async () => {
    const child = spawn(process.execPath, [bin, 'sim', '--clock-speed', 'fast', '--port', '0', '--check'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(ERRORS.CONFIG_INVALID.exit);
    expect(err).toContain('--clock-speed /clock/speed: expected number, got "fast"');
  });
});
