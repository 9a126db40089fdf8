// Simulators for gateway/bench-field.ts in their own process (not the gateway's event loop):
// `dlt645 PATH N` = the simulator's revenue meter answering as N DL/T 645 meters (addresses
// 000000000001..N) on one serial device at 2400 baud 8E1, each reply delayed by the request's and
// its own time on the wire; `smartlogger N` = N SUN2000 inverters at units 1..N and the plant totals
// at unit 0 on one TCP port. Prints {"ready":true,...} once listening.
import { startSim } from '../../firmware-sim/index.ts';

const [mode, a = '', b = '8'] = process.argv.slice(2);
const inverters = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `inv-${i + 1}`, profile: 'huawei-sun2000', unitId: i + 1, ratedPowerW: 50_000 }));
export const benchAddress = (i: number) => String(i + 1).padStart(12, '0');

if (mode === 'dlt645') {
  const sim = await startSim({
    seed: 1,
    clock: { start: '2026-06-21T11:00', speed: 60 },
    tcp: { port: 0 },
    control: { enabled: false },
    dlt645: { baudRate: 2400, emulateWireTime: true },
    devices: [...inverters(2), { id: 'meter', profile: 'sunspec-meter', unitId: 100, initialEnergyWh: 5_000_000, initialImportWh: 20_000 }],
  });
  await sim.serveDlt645(a, Array.from({ length: Number(b) }, (_, i) => ({ deviceId: 'meter', address: benchAddress(i) })));
  console.log(JSON.stringify({ ready: true }));
} else if (mode === 'smartlogger') {
  const sim = await startSim({
    seed: 1,
    clock: { start: '2026-06-21T11:00', speed: 60 },
    tcp: { port: 0 },
    control: { enabled: false },
    devices: [{ id: 'plant', profile: 'huawei-smartlogger', unitId: 0, aggregate: true }, ...inverters(Number(a))],
  });
  console.log(JSON.stringify({ ready: true, port: sim.ports[0] }));
}
