import { SunshareError } from '../../common/errors.ts';
import type { Profile, SimDeviceConfig } from '../config.ts';
import { isMeterProfile } from '../config.ts';
import { INVERTER_ONLY_FAULTS, METER_ONLY_FAULTS, isLasting, type Fault, type FaultKind, type LastingFault } from '../faults.ts';
import { arrayFactor, meterGain } from '../physics/degrade.ts';
import { valueNoise, hashString } from '../physics/noise.ts';
import { pvOutput, type Environment, type PvArray } from '../physics/pv.ts';
import type { RegisterBank, RegisterKind } from './bank.ts';
import { buildLayout, defaultTripAlarms, type DeviceLayout } from './profile.ts';
import type { InverterState, Snapshot } from './snapshot.ts';

/** What the physics says about a device right now: what a perfect reader would find. */
export interface DeviceTruth {
  id: string;
  kind: 'inverter' | 'meter';
  /** Sim time of these values, epoch ms. */
  t: number;
  serial: string;
  state: InverterState;
  /** AC power, W. Meters: signed, positive = import from the grid, negative = export. */
  acPowerW: number;
  dcPowerW: number;
  /** The energy counter as the register shows it, Wh (wrapped at 2^32 raw units). Meters: export. */
  energyWh: number;
  /** The device's counter before wrapping, Wh (restarts on counter_reset / replace). */
  counterWh: number;
  /** Energy actually produced since the sim started, Wh (never resets). Meters: exported. */
  producedWh: number;
  exportWh?: number;
  importWh?: number;
  /** Plane-of-array irradiance of the site's sky now, W/m2 (what a sensor on the device reads). */
  poaWm2: number;
  alarms: string[];
  faults: Fault[];
}

export interface DeviceStats {
  requests: number;
  answered: number;
  exceptions: number;
  unanswered: number;
}

export class SimulatedDevice {
  readonly id: string;
  readonly unitId: number;
  readonly profile: Profile;
  readonly kind: 'inverter' | 'meter';
  readonly ratedW: number;
  readonly dcPeakW: number;
  readonly layout: DeviceLayout;
  readonly stats: DeviceStats = { requests: 0, answered: 0, exceptions: 0, unanswered: 0 };
  serial: string;
  /** Lifetime counter (Wh) as the device keeps it; meters: export counter. */
  counterWh: number;
  producedWh = 0;
  dcEnergyWh = 0;
  importWh = 0;
  dayStartCounterWh: number;
  acW = 0;
  dcW = 0;
  cellC = 25;
  ambientC = 25;
  /** The site's plane-of-array and horizontal irradiance now, W/m2 (for a device with an irradiance sensor). */
  poaWm2 = 0;
  ghiWm2 = 0;
  pvState: InverterState = 'sleeping';
  t = 0;
  private replacements = 0;
  private readonly faults = new Map<FaultKind, LastingFault>();
  /** Sim time each lasting fault started (soiling and drift grow with it). */
  private readonly faultSince = new Map<string, number>();
  private frozen: RegisterBank | undefined;
  private encodedAt = Number.NaN;
  private faultVersion = 0;
  private encodedVersion = -1;
  private readonly pv: PvArray;
  private readonly noiseSeed: number;

  readonly config: SimDeviceConfig;

  constructor(
    config: SimDeviceConfig,
    seed: number,
    meterRatedW = 0,
  ) {
    this.config = config;
    this.id = config.id;
    this.unitId = config.unitId;
    this.profile = config.profile;
    this.kind = isMeterProfile(config.profile) ? 'meter' : 'inverter';
    // meters and plant-level (aggregate) devices: the rating derived from the site's inverters
    this.ratedW = this.kind === 'meter' || config.aggregate ? meterRatedW : (config.ratedPowerW ?? 0);
    this.dcPeakW = config.dcPeakW ?? this.ratedW * 1.25;
    this.noiseSeed = hashString(`${seed}/${config.id}`);
    // Each array differs a little (orientation, soiling): +-2 %.
    const spread = 0.98 + (this.noiseSeed % 1000) / 25_000;
    this.pv = { dcPeakW: this.dcPeakW * spread, ratedAcW: this.ratedW, efficiency: 0.975, dcDerate: 0.92, tempCoefficient: -0.0037 };
    this.layout = buildLayout(config, config.profile, this.ratedW, this.dcPeakW, seed);
    this.serial = this.layout.serial;
    this.counterWh = config.initialEnergyWh;
    this.importWh = this.kind === 'meter' ? config.initialImportWh : 0;
    this.dayStartCounterWh = this.counterWh;
  }

  /** Inverters: AC/DC power at an environment, faults applied. */
  output(env: Environment): { acW: number; dcW: number; state: InverterState; cellC: number } {
    const k = arrayFactor(this.faults.values(), this.faultSince, env.t, env.azimuthDeg);
    const out = pvOutput(env, k === 1 ? this.pv : { ...this.pv, dcDerate: this.pv.dcDerate * k });
    if (this.faults.has('trip')) return { acW: 0, dcW: 0, state: 'fault', cellC: out.cellC };
    return out;
  }

  /** Meters: what the meter counts per Wh that really passed it (1 unless it drifts). */
  meterGain(): number {
    return meterGain(this.faults.values(), this.faultSince, this.t);
  }

  hasFault(kind: FaultKind): boolean {
    return this.faults.has(kind);
  }
  fault<K extends FaultKind>(kind: K): Extract<LastingFault, { kind: K }> | undefined {
    return this.faults.get(kind) as Extract<LastingFault, { kind: K }> | undefined;
  }
  activeFaults(): Fault[] {
    return [...this.faults.values()];
  }

  applyFault(f: Fault): void {
    if ((this.kind === 'meter' && (INVERTER_ONLY_FAULTS as readonly string[]).includes(f.kind)) || (this.kind === 'inverter' && (METER_ONLY_FAULTS as readonly string[]).includes(f.kind))) {
      throw new SunshareError('SIM_FAULT_UNSUPPORTED', `${this.id} is ${this.kind === 'meter' ? 'a meter' : 'an inverter'}: it cannot have a ${f.kind} fault`);
    }
    this.faultVersion++;
    if (isLasting(f)) {
      if (f.kind === 'stuck' && !this.faults.has('stuck')) this.freeze();
      if (!this.faults.has(f.kind)) this.faultSince.set(f.kind, this.t);
      this.faults.set(f.kind, f);
      return;
    }
    if (f.kind === 'counter_reset') {
      this.resetCounters();
    } else if (f.kind === 'counter_rollover') {
      if (!Number.isFinite(this.layout.wrapWh)) {
        throw new SunshareError('SIM_FAULT_UNSUPPORTED', `${this.id} (${this.profile}) keeps its counter as float32: it has no 32-bit wrap to roll over`);
      }
      this.counterWh = Math.max(0, this.layout.wrapWh - f.aheadWh);
      this.dayStartCounterWh = this.counterWh;
    } else if (f.kind === 'replace') {
      this.replacements++;
      this.serial = f.serial ?? `${this.layout.serial.slice(0, 16)}R${this.replacements}`;
      this.resetCounters();
    }
  }

  clearFault(kind?: FaultKind): void {
    this.faultVersion++;
    if (kind) {
      this.faults.delete(kind);
      this.faultSince.delete(kind);
    } else {
      this.faults.clear();
      this.faultSince.clear();
    }
  }

  private resetCounters(): void {
    this.counterWh = 0;
    this.dcEnergyWh = 0;
    this.importWh = 0;
    this.dayStartCounterWh = 0;
  }

  private freeze(): void {
    this.refresh();
    this.frozen = this.layout.image.bank.clone();
  }

  /** The registers a client reads now: live, or frozen while stuck. */
  read(kind: RegisterKind, address: number, length: number): number[] {
    if (this.frozen && this.faults.has('stuck')) return this.frozen.read(kind, address, length);
    this.refresh();
    return this.layout.image.bank.read(kind, address, length);
  }

  /** Re-encodes the registers when time or faults moved since the last encoding. */
  private refresh(): void {
    if (this.encodedAt !== this.t || this.encodedVersion !== this.faultVersion) {
      const ni = new Set<string>();
      const f = this.faults.get('not_implemented');
      if (f?.kind === 'not_implemented') for (const n of [...(f.fields ?? []), ...(f.points ?? [])]) ni.add(n);
      if (f?.kind === 'not_implemented' && !f.fields && !f.points) ni.add('temperature_c').add('dc_power_w');
      this.layout.image.encode(this.snapshot(), ni);
      this.encodedAt = this.t;
      this.encodedVersion = this.faultVersion;
    }
  }

  get state(): InverterState {
    if (this.faults.has('trip')) return 'fault';
    return this.kind === 'meter' ? 'mppt' : this.pvState;
  }

  get alarms(): string[] {
    const trip = this.fault('trip');
    if (!trip) return [];
    return trip.alarms ?? defaultTripAlarms(this.layout.alarmNames);
  }

  snapshot(): Snapshot {
    const n = (stream: number, periodMs: number) => valueNoise(this.noiseSeed, stream, this.t, periodMs);
    const load = this.ratedW > 0 ? Math.abs(this.acW) / this.ratedW : 0;
    const v = (i: number) => 230 + 1.5 * n(10 + i, 600_000) + 3 * load;
    const producing = this.dcW > 0;
    return {
      t: this.t,
      unitId: this.unitId,
      manufacturer: this.layout.manufacturer,
      model: this.layout.model,
      version: '1.2.0',
      serial: this.serial,
      ratedW: this.ratedW,
      acW: this.acW,
      dcW: this.dcW,
      energyWh: this.counterWh,
      dailyWh: Math.max(0, this.counterWh - this.dayStartCounterWh),
      dcEnergyWh: this.dcEnergyWh,
      phaseV: [v(0), v(1), v(2)],
      hz: 50 + 0.02 * n(20, 120_000),
      cabinetC: this.ambientC + 3 + 12 * load,
      poaWm2: this.poaWm2,
      ghiWm2: this.ghiWm2,
      moduleC: this.cellC,
      state: this.state,
      alarms: this.alarms,
      mppts: this.config.mppts,
      dcV: producing ? 620 + (25 - this.cellC) * 1.2 : 0,
      exportWh: this.counterWh,
      importWh: this.importWh,
    };
  }

  truth(): DeviceTruth {
    const wrapped = Number.isFinite(this.layout.wrapWh) ? this.counterWh % this.layout.wrapWh : this.counterWh;
    return {
      id: this.id,
      kind: this.kind,
      t: this.t,
      serial: this.serial,
      state: this.state,
      acPowerW: this.acW,
      dcPowerW: this.dcW,
      energyWh: wrapped,
      counterWh: this.counterWh,
      producedWh: this.producedWh,
      ...(this.kind === 'meter' ? { exportWh: wrapped, importWh: this.importWh } : {}),
      poaWm2: this.poaWm2,
      alarms: this.alarms,
      faults: this.activeFaults(),
    };
  }
}
