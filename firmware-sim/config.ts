import { Type, type Static } from '@sinclair/typebox';
import { Id } from '../common/contract.ts';
import { ADDRESS_PATTERN, deviceProfiles, type DeviceProfile } from '../common/devices/index.ts';
import { DEFAULT_TIME_ZONE, isValidTimeZone, loadConfig, SunshareError, type ConfigSpec } from '../common/index.ts';
import { faultProblems, ScheduledFault } from './faults.ts';

/**
 * Device profiles the simulator serves: one per file in common/devices/sunspec-devices/ and
 * common/devices/maps/ (a new map file is a new profile, no code).
 */
const CATALOG: readonly DeviceProfile[] = deviceProfiles();
export const PROFILES: readonly string[] = CATALOG.map((p) => p.id);
export type Profile = string;
/** The catalog entry of a profile the config schema accepted. */
export function deviceProfile(p: Profile): DeviceProfile {
  const found = CATALOG.find((c) => c.id === p);
  if (!found) throw new SunshareError('CONFIG_INVALID', `no device profile ${p}`, { details: [`profiles: ${PROFILES.join(', ')}`] });
  return found;
}
export const isMeterProfile = (p: Profile) => deviceProfile(p).kind === 'meter';

export const SimDevice = Type.Object(
  {
    id: Id,
    profile: Type.Union(PROFILES.map((p) => Type.Literal(p)), {
      description: `a SunSpec device (common/devices/sunspec-devices/) or a vendor map (common/devices/maps/): ${PROFILES.join(', ')}`,
    }),
    unitId: Type.Integer({ minimum: 0, maximum: 247, description: '0 only for a plant-level (aggregate) device on TCP, as a Huawei SmartLogger' }),
    /** TCP port for this device; default the top-level tcp.port (several devices share a port by unit id). */
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    /** Also serve this device as Modbus RTU on this serial device (e.g. /dev/ttyUSB0 or a socat pty). */
    rtuPath: Type.Optional(Type.String({ minLength: 1 })),
    /** Inverters: rated AC power, W (output clips here). Meters: ignored. */
    ratedPowerW: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e7 })),
    /** Inverters: PV array peak power, W; default 1.25 x ratedPowerW. */
    dcPeakW: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e7 })),
    serial: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
    manufacturer: Type.Optional(Type.String({ maxLength: 32 })),
    model: Type.Optional(Type.String({ maxLength: 30 })),
    /** MPPT inputs (SunSpec model 160 blocks). */
    mppts: Type.Integer({ minimum: 1, maximum: 12, default: 2 }),
    /** SunSpec model 1 length: 66 per spec (with Pad), 65 as many devices send. */
    commonLength: Type.Union([Type.Literal(65), Type.Literal(66)], { default: 66 }),
    /** Lifetime counter at the start, Wh (a device that has been running for a while). Meters: export. */
    initialEnergyWh: Type.Number({ minimum: 0, default: 0 }),
    /** Meters: import counter at the start, Wh. (0 reads as SunSpec "not accumulated" until the first night.) */
    initialImportWh: Type.Number({ minimum: 0, default: 0 }),
    /** Meters: export losses between inverters and the meter (cables, transformer), 0..1. */
    lossFraction: Type.Number({ minimum: 0, maximum: 0.5, default: 0.015 }),
    /** Meters: site consumption (inverters' standby, monitoring), W. */
    auxW: Type.Number({ minimum: 0, default: 150 }),
    /**
     * A data logger's plant-level registers (Huawei SmartLogger, unit 0): the device shows the sum
     * of the site's other inverters (power, DC power; its counter integrates that sum). Rated power:
     * theirs summed, unless given.
     */
    aggregate: Type.Boolean({ default: false }),
    /** Inverters: stop answering while asleep at night, as DC-powered inverters do. */
    silentAtNight: Type.Boolean({ default: false }),
    faults: Type.Array(ScheduledFault, { default: [] }),
    /** Meters: also answer as a DL/T 645-2007 meter at this address on this serial device (e.g. a socat pty). */
    dlt645: Type.Optional(
      Type.Object(
        {
          path: Type.String({ minLength: 1 }),
          address: Type.String({ pattern: ADDRESS_PATTERN, description: '12 digits' }),
          map: Type.String({ minLength: 1, default: 'dlt645-meter', description: 'a DL/T 645 map in common/devices/dlt645-maps/' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SimDeviceConfig = Static<typeof SimDevice>;

export const SimConfig = Type.Object(
  {
    site: Type.Object(
      {
        id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', default: 'ruyuan-pilot' }),
        latitude: Type.Number({ minimum: -90, maximum: 90, default: 24.78 }),
        longitude: Type.Number({ minimum: -180, maximum: 180, default: 113.28 }),
        timezone: Type.String({ default: DEFAULT_TIME_ZONE }),
        tiltDeg: Type.Number({ minimum: 0, maximum: 90, default: 20 }),
        /** Degrees clockwise from north; 180 = facing south. */
        azimuthDeg: Type.Number({ minimum: 0, maximum: 360, default: 180 }),
      },
      { additionalProperties: false, default: {} },
    ),
    seed: Type.Integer({ default: 1 }),
    clock: Type.Object(
      {
        /** Sim start: 2026-06-21 (local midnight at the site), 2026-06-21T06:00, or ISO with offset. Default now. */
        start: Type.Optional(Type.String()),
        /** Sim seconds per real second. */
        speed: Type.Number({ exclusiveMinimum: 0, maximum: 1e7, default: 1 }),
        /** Time moves only through the API (tests). */
        manual: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    tcp: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        /** 0 = any free port (see the handle's ports). */
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 5020 }),
      },
      { additionalProperties: false, default: {} },
    ),
    rtu: Type.Object(
      { baudRate: Type.Integer({ minimum: 300, maximum: 921600, default: 9600 }) },
      { additionalProperties: false, default: {} },
    ),
    dlt645: Type.Object(
      {
        baudRate: Type.Integer({ minimum: 300, maximum: 115_200, default: 2400 }),
        /** Delay each answer by its request's and its own time on a real line (benchmarks). */
        emulateWireTime: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    control: Type.Object(
      {
        /** HTTP control API port (0 = any free port; the handle has the URL); `enabled: false` turns it off. */
        enabled: Type.Boolean({ default: true }),
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
      },
      { additionalProperties: false, default: {} },
    ),
    devices: Type.Array(SimDevice, { minItems: 1, maxItems: 5000 }),
  },
  { additionalProperties: false },
);
export type SimConfig = Static<typeof SimConfig>;
/** What a caller passes: defaults may be left out. */
export type SimConfigInput = Record<string, unknown>;

/** Checks what the schema cannot: unique ids and unit ids per listener, ratings on inverters. */
function crossCheck(cfg: SimConfig): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const units = new Map<string, string>();
  let meters = 0;
  cfg.devices.forEach((d, i) => {
    const at = `/devices/${i}`;
    if (ids.has(d.id)) problems.push(`${at}/id: duplicate device id ${d.id}`);
    ids.add(d.id);
    for (const listener of [`tcp:${d.port ?? cfg.tcp.port}`, ...(d.rtuPath ? [`rtu:${d.rtuPath}`] : [])]) {
      const key = `${listener}#${d.unitId}`;
      const other = units.get(key);
      if (other) problems.push(`${at}/unitId: unit id ${d.unitId} on ${listener} is already used by ${other}`);
      units.set(key, d.id);
    }
    if (d.dlt645) {
      const key = `dlt645:${d.dlt645.path}#${d.dlt645.address}`;
      const other = units.get(key);
      if (other) problems.push(`${at}/dlt645/address: address ${d.dlt645.address} on ${d.dlt645.path} is already used by ${other}`);
      units.set(key, d.id);
      if (!isMeterProfile(d.profile)) problems.push(`${at}/dlt645: only a meter answers as a DL/T 645 meter`);
    }
    if (d.aggregate && isMeterProfile(d.profile)) problems.push(`${at}/aggregate: only an inverter profile shows a plant's totals`);
    if (d.unitId === 0 && (!d.aggregate || d.rtuPath)) problems.push(`${at}/unitId: unit 0 is Modbus RTU's broadcast address; only a plant-level (aggregate) device on TCP answers at 0`);
    if (isMeterProfile(d.profile)) meters++;
    else if (d.ratedPowerW === undefined && !d.aggregate) problems.push(`${at}/ratedPowerW: an inverter needs its rated AC power`);
  });
  if (!isValidTimeZone(cfg.site.timezone)) problems.push(`/site/timezone: "${cfg.site.timezone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  if (meters > 1) problems.push(`/devices: at most one revenue meter per site, found ${meters}`);
  if (cfg.tcp.port === 0 && cfg.devices.some((d) => d.port === 0)) problems.push('/devices: port 0 (any free port) only works for the shared tcp.port');
  return problems;
}

/** Union errors say only "Expected union value": report each scheduled fault's own problems first. */
function faultsFirst(raw: unknown): string[] {
  const devices = (raw as { devices?: unknown } | null)?.devices;
  if (!Array.isArray(devices)) return [];
  const problems: string[] = [];
  devices.forEach((d: { faults?: unknown }, i) => {
    if (!Array.isArray(d?.faults)) return;
    d.faults.forEach((f: { fault?: unknown }, j) => {
      for (const p of faultProblems(f?.fault)) problems.push(`/devices/${i}/faults/${j}/fault${p.startsWith('/') ? p : `/ ${p}`}`.replace('/fault/:', '/fault:'));
    });
  });
  return problems;
}

/** `sunshare sim`: the file (or the quick flags' site), then these flags. */
export const SIM_CONFIG = {
  name: 'simulator options',
  schema: SimConfig,
  flags: {
    port: '/tcp/port',
    host: '/tcp/host',
    seed: '/seed',
    clockSpeed: '/clock/speed',
    start: '/clock/start',
    baud: '/rtu/baudRate',
    controlPort: '/control/port',
    control: '/control/enabled',
    rtu: '/devices/*/rtuPath',
  },
  check: crossCheck,
  explain: faultsFirst,
} satisfies ConfigSpec<typeof SimConfig>;

export function parseSimConfig(raw: unknown, source = 'simulator config'): SimConfig {
  return loadConfig({ name: source, schema: SimConfig, check: crossCheck, explain: faultsFirst }, { base: raw });
}

export function loadSimConfig(file: string): SimConfig {
  return loadConfig({ name: file, schema: SimConfig, check: crossCheck, explain: faultsFirst }, { file });
}

/** The quick flags (without --config): N inverters of one profile sharing one port, plus a revenue meter. */
export const QuickSite = Type.Object(
  {
    inverters: Type.Integer({ minimum: 1, maximum: 99, default: 3 }),
    profile: Type.Union(
      PROFILES.filter((p) => !isMeterProfile(p)).map((p) => Type.Literal(p)),
      { default: 'sunspec' },
    ),
    ratedPower: Type.Number({ exclusiveMinimum: 0, maximum: 1e7, default: 12_000 }),
    meter: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

/** The devices the quick flags describe (their problems are named by flag). */
export function quickDevices(flags: Readonly<Record<string, unknown>>): Record<string, unknown>[] {
  const q = loadConfig(
    { name: 'simulator options', schema: QuickSite, flags: { inverters: '/inverters', profile: '/profile', ratedPower: '/ratedPower', meter: '/meter' } },
    { flags },
  );
  const devices: Record<string, unknown>[] = Array.from({ length: q.inverters }, (_, i) => ({
    id: `inv-${String(i + 1).padStart(2, '0')}`,
    profile: q.profile,
    unitId: i + 1,
    ratedPowerW: q.ratedPower,
  }));
  if (q.meter) devices.push({ id: 'meter', profile: 'sunspec-meter', unitId: 100 });
  return devices;
}
