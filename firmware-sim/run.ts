import { SunshareError } from '../common/errors.ts';
import { isMeterProfile, loadSimConfig, parseSimConfig, PROFILES, type SimConfig } from './config.ts';
import { startSim } from './sim.ts';

export interface CliOptions {
  config?: string;
  port: string;
  host: string;
  inverters: string;
  profile: string;
  ratedPower: string;
  meter: boolean;
  seed: string;
  clockSpeed: string;
  start?: string;
  rtu?: string;
  baud: string;
  controlPort: string;
  control: boolean;
  check?: boolean;
}

function int(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new SunshareError('OPTION_INVALID', `--${name} must be an integer ${min}..${max}, got "${text}"`);
  return n;
}
function positive(name: string, text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new SunshareError('OPTION_INVALID', `--${name} must be a positive number, got "${text}"`);
  return n;
}

/** The revenue meter the quick flags add. */
const METER_PROFILE = 'sunspec-meter';

/** The config the quick flags describe: N inverters of one profile on one port, plus a meter. */
export function quickConfig(o: CliOptions): SimConfig {
  const inverterProfiles = PROFILES.filter((p) => !isMeterProfile(p));
  if (!inverterProfiles.includes(o.profile)) {
    throw new SunshareError('OPTION_INVALID', `--profile must be one of ${inverterProfiles.join(', ')}, got "${o.profile}"`);
  }
  const n = int('inverters', o.inverters, 1, 99);
  const rated = positive('rated-power', o.ratedPower);
  const devices: Record<string, unknown>[] = Array.from({ length: n }, (_, i) => ({
    id: `inv-${String(i + 1).padStart(2, '0')}`,
    profile: o.profile,
    unitId: i + 1,
    ratedPowerW: rated,
    ...(o.rtu ? { rtuPath: o.rtu } : {}),
  }));
  if (o.meter) devices.push({ id: 'meter', profile: METER_PROFILE, unitId: 100, ...(o.rtu ? { rtuPath: o.rtu } : {}) });
  return parseSimConfig({ devices }, 'command-line options');
}

/** Applies the flags given on the command line over a config file. */
function withFlags(cfg: SimConfig, o: CliOptions, given: (name: string) => boolean): SimConfig {
  const out = structuredClone(cfg);
  if (given('port')) out.tcp.port = int('port', o.port, 0, 65535);
  if (given('host')) out.tcp.host = o.host;
  if (given('seed')) out.seed = int('seed', o.seed, -(2 ** 31), 2 ** 31 - 1);
  if (given('clockSpeed')) out.clock.speed = positive('clock-speed', o.clockSpeed);
  if (given('start') && o.start !== undefined) out.clock.start = o.start;
  if (given('baud')) out.rtu.baudRate = int('baud', o.baud, 300, 921600);
  if (given('controlPort')) out.control.port = int('control-port', o.controlPort, 0, 65535);
  if (given('control') && !o.control) out.control.enabled = false;
  if (given('rtu') && o.rtu !== undefined) for (const d of out.devices) d.rtuPath = o.rtu;
  return parseSimConfig(out, 'config with command-line options');
}

export async function runSim(o: CliOptions, given: (name: string) => boolean): Promise<void> {
  const base = o.config ? loadSimConfig(o.config) : quickConfig(o);
  const cfg = withFlags(base, o, o.config ? given : () => true);
  if (o.check) {
    console.log(`${o.config ?? 'options'}: valid (${cfg.devices.length} devices)`);
    return;
  }
  const sim = await startSim(cfg);
  const start = new Date(sim.clock.now()).toISOString();
  console.log(`sunshare sim: site ${cfg.site.id} (${cfg.site.latitude}, ${cfg.site.longitude}, ${cfg.site.timezone}), seed ${cfg.seed}, clock x${cfg.clock.speed} from ${start}`);
  for (const d of sim.devices) {
    const where = `tcp://${sim.host}:${d.port} unit ${d.unitId}${d.rtuPath ? ` and rtu ${d.rtuPath}` : ''}`;
    console.log(`  ${d.id.padEnd(12)} ${d.profile.padEnd(15)} ${(d.ratedPowerW / 1000).toFixed(1).padStart(7)} kW  ${d.serial.padEnd(12)} ${where}`);
  }
  if (sim.controlUrl) console.log(`control API: ${sim.controlUrl}/devices`);
  const stop = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
