// Child process for firmware-sim/bench.ts: `bare` = a bare modbus-serial ServerTCP answering fixed
// registers; `sim` = the simulator with 20 inverters and a meter on one port; `rss <n>` = the
// simulator with n inverters, each read once, then its resident memory. Prints one JSON line.
import ModbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { loadVendorMap } from '../../common/devices/index.ts';
import { freePort } from '../modbus/servers.ts';
import { startSim } from '../sim.ts';

const [mode = 'sim', countText = '200'] = process.argv.slice(2);
const Client = ModbusSerial as unknown as typeof ModbusRTU;

/** One read of the registers that move (the power point onwards; SunSpec: the start of the chain). */
async function readLive(c: InstanceType<typeof Client>, gatewayProfile: string): Promise<void> {
  if (gatewayProfile === 'sunspec') {
    await c.readHoldingRegisters(40000, 120);
    return;
  }
  const p = loadVendorMap(gatewayProfile).points.find((x) => x.field === 'ac_power_w')!;
  await (p.registerType === 'input' ? c.readInputRegisters(p.address, 4) : c.readHoldingRegisters(p.address, 4));
}

const profiles = ['sunspec', 'sunspec', 'sunspec-float', 'huawei-sun2000', 'sungrow-sg'] as const;
const inverters = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `inv-${i + 1}`, profile: profiles[i % profiles.length], unitId: i + 1, ratedPowerW: 12_000 }));

if (mode === 'bare') {
  const port = await freePort();
  const words = Array.from({ length: 125 }, (_, i) => i);
  const server = new ModbusSerial.ServerTCP(
    {
      getHoldingRegister: (addr: number) => words[addr % 125]!,
      getMultipleHoldingRegisters: (addr: number, length: number) => words.slice(0, length),
    },
    { host: '127.0.0.1', port, unitID: 255 },
  );
  server.on('initialized', () => console.log(JSON.stringify({ port })));
} else if (mode === 'sim') {
  const sim = await startSim({
    seed: 1,
    clock: { start: '2026-06-21T09:00', speed: 60 },
    tcp: { port: 0 },
    control: { enabled: false },
    devices: [...inverters(20).map((d) => ({ ...d, profile: 'sunspec' })), { id: 'meter', profile: 'sunspec-meter', unitId: 100 }],
  });
  console.log(JSON.stringify({ port: sim.ports[0] }));
} else {
  const n = Number(countText);
  const sim = await startSim({ seed: 1, clock: { start: '2026-06-21T09:00', speed: 60 }, tcp: { port: 0 }, control: { enabled: false }, devices: inverters(n) });
  const c = new Client();
  await c.connectTCP('127.0.0.1', { port: sim.ports[0]! });
  c.setTimeout(2000);
  for (const d of sim.devices) {
    c.setID(d.unitId);
    await readLive(c, d.gatewayProfile);
  }
  await new Promise((r) => setTimeout(r, 1000)); // let the clock tick: every device integrates
  (globalThis as { gc?: () => void }).gc?.();
  console.log(JSON.stringify({ devices: n, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed }));
  c.close(() => undefined);
  await sim.stop();
  process.exit(0);
}
