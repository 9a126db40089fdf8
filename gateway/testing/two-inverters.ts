import { startSim, type SimHandle } from '../../firmware-sim/index.ts';

/**
 * A simulated site of two 50 kW inverters (one SunSpec, one Huawei) on one
 * Modbus TCP server, and the gateway's device entries for it.
 */
export async function twoInverterSite(seed: number, clock: { start: string; speed: number }): Promise<{ sim: SimHandle; devices: Record<string, unknown>[] }> {
  const sim = await startSim({
    seed,
    clock,
    tcp: { host: '127.0.0.1', port: 0 },
    control: { enabled: false },
    devices: [
      { id: 'inv1', profile: 'sunspec', unitId: 1, ratedPowerW: 50_000, initialEnergyWh: 1e6 },
      { id: 'inv2', profile: 'huawei-sun2000', unitId: 2, ratedPowerW: 50_000, initialEnergyWh: 1e6 },
    ],
  });
  const devices = sim.devices.map((d) => ({ id: d.id, transport: 'tcp', host: sim.host, port: d.port, unit: d.unitId, profile: d.profile, timeoutMs: 300 }));
  return { sim, devices };
}
