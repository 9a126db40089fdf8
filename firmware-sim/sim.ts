import { createClock, parseStart, type SimClock } from './clock.ts';
import { deviceProfile, parseSimConfig, type Profile, type SimConfig, type SimConfigInput } from './config.ts';
import type { DeviceStats, DeviceTruth } from './devices/device.ts';
import { startControl, type ControlServer } from './control.ts';
import type { Fault, FaultKind } from './faults.ts';
import { freePort, listenRtu, listenTcp, type Listener } from './modbus/servers.ts';
import { createVector } from './modbus/vector.ts';
import { Dlt645Meter } from './dlt645/meter.ts';
import { listenDlt645 } from './dlt645/server.ts';
import { Site } from './site.ts';

/** A device as a client finds it. */
export interface SimDeviceInfo {
  id: string;
  kind: 'inverter' | 'meter';
  profile: Profile;
  /** The gateway profile that reads it: `sunspec` (discovery) or the vendor map's id. */
  gatewayProfile: string;
  unitId: number;
  /** TCP port it answers on (host: SimHandle.host). */
  port: number;
  /** Serial device it also answers on as Modbus RTU. */
  rtuPath?: string;
  /** Inverters: rated AC power, W. Meters: the sum of the site's inverters x 1.1 (the scale used). */
  ratedPowerW: number;
  /** Serial number at startup (truth() has the current one). */
  serial: string;
}

export interface SimHandle {
  readonly config: SimConfig;
  readonly host: string;
  /** Every TCP port in use (one unless devices have their own). */
  readonly ports: number[];
  readonly devices: SimDeviceInfo[];
  readonly clock: SimClock;
  /** HTTP control API base URL, when enabled. */
  readonly controlUrl: string | undefined;
  /** Applies a fault now (lasting faults stay until cleared). */
  setFault(deviceId: string, fault: Fault): void;
  /** Clears one lasting fault kind, or all of them. */
  clearFault(deviceId: string, kind?: FaultKind): void;
  /** Exact values from the physics at the current sim time. */
  truth(deviceId: string): DeviceTruth;
  stats(deviceId: string): DeviceStats;
  /**
   * Serves meters as DL/T 645-2007 meters on a serial device, each at its address (several
   * addresses may show the same simulated meter: benchmarks of a line of meters).
   */
  serveDlt645(path: string, meters: readonly { deviceId: string; address: string; map?: string }[]): Promise<void>;
  /** Manual clocks: move time forward by ms (integrates the physics). */
  advance(ms: number): void;
  stop(): Promise<void>;
}

/** How often (real ms) a running clock integrates even when nobody reads, so scheduled faults fire on time. */
const TICK_MS = 200;
/** Register values move at most this often (real ms) under a running clock: one refresh serves a burst of reads. */
const SYNC_EVERY_MS = 20;

/** Starts the simulator: validates the config, builds the site, opens Modbus TCP/RTU listeners and the control API. */
export async function startSim(input: SimConfigInput | SimConfig): Promise<SimHandle> {
  const config = parseSimConfig(input);
  const tz = config.site.timezone;
  const clock = createClock({
    start: config.clock.start !== undefined ? parseStart(config.clock.start, tz) : undefined,
    speed: config.clock.speed,
    manual: config.clock.manual,
  });
  const site = new Site(config, clock.now());
  // Reads bring the physics up to date at most every SYNC_EVERY_MS of real time (a manual clock is
  // always exact); truth(), faults and the ticker sync exactly.
  let lastSync = -Infinity;
  const sync = (exact = false) => {
    const real = performance.now();
    if (!exact && !clock.manual && real - lastSync < SYNC_EVERY_MS) return;
    lastSync = real;
    site.advanceTo(clock.now());
  };
  const syncExact = () => sync(true);
  const host = config.tcp.host;
  const defaultPort = config.tcp.port === 0 ? await freePort(host) : config.tcp.port;
  const portOf = (d: SimConfig['devices'][number]) => d.port ?? defaultPort;

  const listeners: Listener[] = [];
  let control: ControlServer | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const stop = async () => {
    if (ticker) clearInterval(ticker);
    await control?.close();
    await Promise.all(listeners.splice(0).map((l) => l.close()));
  };
  try {
    const ports = [...new Set(config.devices.map(portOf))];
    for (const port of ports) {
      const units = new Map(site.devices.filter((d) => portOf(d.config) === port).map((d) => [d.unitId, d]));
      listeners.push(await listenTcp(createVector({ device: (u) => units.get(u), sync }, 'tcp'), host, port));
    }
    const paths = [...new Set(config.devices.flatMap((d) => (d.rtuPath ? [d.rtuPath] : [])))];
    for (const path of paths) {
      const units = new Map(site.devices.filter((d) => d.config.rtuPath === path).map((d) => [d.unitId, d]));
      listeners.push(await listenRtu(createVector({ device: (u) => units.get(u), sync }, 'rtu'), path, config.rtu.baudRate));
    }
    const serveDlt645 = async (path: string, meters: readonly { deviceId: string; address: string; map?: string }[]) => {
      const served = meters.map((m) => new Dlt645Meter(site.device(m.deviceId), m.address, m.map ?? 'dlt645-meter', tz));
      listeners.push(await listenDlt645(path, served, { baudRate: config.dlt645.baudRate, emulateWireTime: config.dlt645.emulateWireTime, sync }));
    };
    const dltPaths = [...new Set(config.devices.flatMap((d) => (d.dlt645 ? [d.dlt645.path] : [])))];
    for (const path of dltPaths) {
      await serveDlt645(
        path,
        config.devices.flatMap((d) => (d.dlt645?.path === path ? [{ deviceId: d.id, address: d.dlt645.address, map: d.dlt645.map }] : [])),
      );
    }
    const handle: SimHandle = {
      serveDlt645,
      config,
      host,
      ports,
      devices: site.devices.map((d) => ({
        id: d.id,
        kind: d.kind,
        profile: d.profile,
        gatewayProfile: deviceProfile(d.profile).gatewayProfile,
        unitId: d.unitId,
        port: portOf(d.config),
        ...(d.config.rtuPath ? { rtuPath: d.config.rtuPath } : {}),
        ratedPowerW: d.ratedW,
        serial: d.serial,
      })),
      clock,
      controlUrl: undefined,
      setFault(id, fault) {
        syncExact();
        site.device(id).applyFault(fault);
        site.resample();
      },
      clearFault(id, kind) {
        syncExact();
        site.device(id).clearFault(kind);
        site.resample();
      },
      truth(id) {
        syncExact();
        return site.device(id).truth();
      },
      stats: (id) => ({ ...site.device(id).stats }),
      advance(ms) {
        clock.advance(ms);
        syncExact();
      },
      stop,
    };
    if (config.control.enabled) {
      control = await startControl(handle, config.control.host, config.control.port);
      (handle as { controlUrl: string | undefined }).controlUrl = control.url;
    }
    if (!clock.manual) {
      ticker = setInterval(syncExact, TICK_MS);
      ticker.unref();
    }
    return handle;
  } catch (err) {
    await stop();
    throw err;
  }
}
