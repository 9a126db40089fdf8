import { createServer, type Server, type Socket } from 'node:net';
import { ServerTCP } from 'modbus-serial';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { freePort } from '../../common/testing/index.ts';
import { ModbusException, ModbusLine, PROTOCOL_SWITCH_QUIET_MS } from './line.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real Modbus TCP server whose registers hold their own address; it counts overlapping requests. */
async function startServer(delayMs = 5) {
  const port = await freePort();
  const state = { active: 0, maxActive: 0, busyUnits: new Set<number>() };
  const reply = (addr: number, length: number, unit: number, cb: (err: Error | null, v: number[]) => void) => {
    if (state.busyUnits.has(unit)) return cb(Object.assign(new Error('busy'), { modbusErrorCode: 6 }), []);
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    setTimeout(() => {
      state.active--;
      cb(null, Array.from({ length }, (_, i) => (addr + i + unit) & 0xffff));
    }, delayMs);
  };
  const server = new ServerTCP(
    {
      getMultipleHoldingRegisters: (addr: number, length: number, unit: number, cb: (err: Error | null, v: number[]) => void) => reply(addr, length, unit, cb),
      getHoldingRegister: (addr: number, unit: number, cb: (err: Error | null, v: number) => void) => reply(addr, 1, unit, (err, v) => cb(err, v[0] ?? 0)),
    },
    { host: '127.0.0.1', port, unitID: 255 },
  );
  await new Promise((r) => server.on('initialized', r));
  const stop = () => new Promise<void>((r) => server.close(() => r()));
  return { port, state, server, stop };
}

describe('ModbusLine over TCP', () => {
  it('reads registers and never runs two requests at once on one line', async () => {
    const srv = await startServer();
    cleanups.push(srv.stop);
    const line = new ModbusLine('t', { transport: 'tcp', host: '127.0.0.1', port: srv.port }, 0, silentLogger);
    cleanups.push(() => line.close());
    const results = await Promise.all(Array.from({ length: 20 }, (_, k) => line.read(1 + (k % 4), 'holding', 100 + k, 3, 1000)));
    results.forEach((r, k) => expect(r).toEqual([0, 1, 2].map((i) => 100 + k + i + 1 + (k % 4))));
    expect(srv.state.maxActive).toBe(1);
    expect(line.stats.opens).toBe(1);
  });

  it('waits connectDelayMs after connecting before the first request, and not again while connected', async () => {
    const srv = await startServer(0);
    cleanups.push(srv.stop);
    const line = new ModbusLine('t', { transport: 'tcp', host: '127.0.0.1', port: srv.port }, 0, silentLogger, 3000, 300);
    cleanups.push(() => line.close());
    const t0 = performance.now();
    await line.read(1, 'holding', 0, 1, 1000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(295);
    const t1 = performance.now();
    await line.read(1, 'holding', 0, 1, 1000);
    expect(performance.now() - t1).toBeLessThan(150);
    expect(line.stats.opens).toBe(1);
  });

  it('keeps the line quiet for PROTOCOL_SWITCH_QUIET_MS when it changes protocol, and runs the other protocol in the same queue', async () => {
    const srv = await startServer(0);
    cleanups.push(srv.stop);
    const line = new ModbusLine('t', { transport: 'tcp', host: '127.0.0.1', port: srv.port }, 0, silentLogger);
    cleanups.push(() => line.close());
    await line.read(1, 'holding', 0, 1, 1000);
    let released = 0;
    const release = async () => void released++;
    const order: string[] = [];
    const t0 = performance.now();
    await Promise.all([line.exclusive(async () => void order.push('other'), release), line.read(1, 'holding', 0, 1, 1000).then(() => order.push('modbus'))]);
    expect(order).toEqual(['other', 'modbus']);
    // two switches (Modbus -> other -> Modbus), each after the quiet time
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * PROTOCOL_SWITCH_QUIET_MS - 4);
    expect(released, 'the other protocol gave the port back before Modbus took it').toBe(1);
  });

  it('waits pauseMs between requests', async () => {
    const srv = await startServer(0);
    cleanups.push(srv.stop);
    const line = new ModbusLine('t', { transport: 'tcp', host: '127.0.0.1', port: srv.port }, 40, silentLogger);
    cleanups.push(() => line.close());
    await line.read(1, 'holding', 0, 1, 1000);
    const t0 = Date.now();
    await Promise.all([line.read(1, 'holding', 0, 1, 1000), line.read(1, 'holding', 0, 1, 1000), line.read(1, 'holding', 0, 1, 1000)]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3 * 40 - 5);
  });

  it('passes a Modbus exception through without reconnecting', async () => {
    const srv = await startServer();
    cleanups.push(srv.stop);
    srv.state.busyUnits.add(7);
    const line = new ModbusLine('t', { transport: 'tcp', host: '127.0.0.1', port: srv.port }, 0, silentLogger);
    cleanups.push(() => line.close());
    await expect(line.read(7, 'holding', 0, 2, 1000)).rejects.toBeInstanceOf(ModbusException);
    await expect(line.read(7, 'holding', 0, 2, 1000)).rejects.toMatchObject({ modbusCode: 6 });
    expect(await line.read(1, 'holding', 0, 1, 1000)).toEqual([1]);
    expect(line.stats.opens).toBe(1);
  });

  it('times out on a silent device, and the next request on a fresh connection still works', async () => {
    const port = await freePort();
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    });
    const line = new ModbusLine('t', { transport: 'tcp', host: '127.0.0.1', port }, 0, silentLogger);
    cleanups.push(() => line.close());
    const t0 = Date.now();
    await expect(line.read(1, 'holding', 0, 1, 200)).rejects.toThrow(/Timed out/);
    expect(Date.now() - t0).toBeLessThan(1500);
    await expect(line.read(1, 'holding', 0, 1, 200)).rejects.toThrow(/Timed out/);
    expect(line.stats.opens).toBe(2);
  });

  it('reopens a dropped connection', async () => {
    const srv = await startServer();
    cleanups.push(srv.stop);
    const line = new ModbusLine('t', { transport: 'tcp', host: '127.0.0.1', port: srv.port }, 0, silentLogger);
    cleanups.push(() => line.close());
    expect(await line.read(1, 'holding', 10, 1, 1000)).toEqual([11]);
    for (const s of srv.server.socks.keys()) s.destroy(); // the server drops us
    await new Promise((r) => setTimeout(r, 50));
    let ok: number[] | undefined;
    for (let attempt = 0; attempt < 3 && !ok; attempt++) ok = await line.read(1, 'holding', 10, 1, 1000).catch(() => undefined);
    expect(ok).toEqual([11]);
    expect(line.stats.opens).toBe(2);
  });

  it('fails fast when nothing listens', async () => {
    const line = new ModbusLine('t', { transport: 'tcp', host: '127.0.0.1', port: await freePort() }, 0, silentLogger);
    cleanups.push(() => line.close());
    await expect(line.read(1, 'holding', 0, 1, 500)).rejects.toThrow(/ECONNREFUSED/);
  });
});
