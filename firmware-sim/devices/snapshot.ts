import type { INVERTER_STATES } from '../../common/contract.ts';

export type InverterState = (typeof INVERTER_STATES)[number];

/** Everything a device shows at one instant, in SI units; the encoders turn it into registers. */
export interface Snapshot {
  t: number;
  unitId: number;
  manufacturer: string;
  model: string;
  version: string;
  serial: string;
  ratedW: number;
  /** AC power, W; for a meter the signed meter power (positive = import). */
  acW: number;
  dcW: number;
  /** The device's lifetime energy counter, Wh (not yet wrapped to the register). */
  energyWh: number;
  /** Energy since local midnight, Wh. */
  dailyWh: number;
  /** DC energy counter, Wh. */
  dcEnergyWh: number;
  phaseV: readonly [number, number, number];
  hz: number;
  cabinetC: number;
  /** The site's irradiance as a sensor on the device's input sees it, W/m2: plane of array and horizontal. */
  poaWm2: number;
  ghiWm2: number;
  /** Module (cell) temperature, C. */
  moduleC: number;
  state: InverterState;
  alarms: readonly string[];
  mppts: number;
  dcV: number;
  exportWh: number;
  importWh: number;
}
