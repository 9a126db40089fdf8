import { loadSunSpecDevice, loadSunSpecModel, loadVendorMap, toSi, vendorPointSize } from '../../common/devices/index.ts';
import { deviceProfile, type Profile, type SimDeviceConfig } from '../config.ts';
import { hashString } from '../physics/noise.ts';
import { SunSpecImage, VendorImage, type ModelInChain } from './encode.ts';

/** How a profile looks on the wire: its register image, identity defaults, and the counter's wrap. */
export interface DeviceLayout {
  image: SunSpecImage | VendorImage;
  manufacturer: string;
  model: string;
  serial: string;
  /** Wh at which the energy counter register wraps to 0 (2^32 raw units). */
  wrapWh: number;
  /** Alarm names this device can raise (bit meanings of its alarm points). */
  alarmNames: string[];
  /** Scale factors in use (SunSpec), for tests and docs. */
  scaleFactors: Readonly<Record<string, number>>;
}

/** The finest scale factor (>= -3) at which `max` still fits a 16-bit signed register. */
export function fitScaleFactor(max: number): number {
  for (let sf = -3; sf < 10; sf++) if (max / 10 ** sf <= 32767) return sf;
  return 10;
}

function sunspecScaleFactors(ratedW: number, dcPeakW: number): Record<string, number> {
  const power = ratedW * 1.3;
  return {
    A_SF: fitScaleFactor((ratedW / 200) * 1.3),
    V_SF: fitScaleFactor(1000),
    W_SF: fitScaleFactor(power),
    VA_SF: fitScaleFactor(power),
    VAr_SF: fitScaleFactor(power),
    VAR_SF: fitScaleFactor(power),
    Hz_SF: fitScaleFactor(70),
    PF_SF: fitScaleFactor(100),
    WH_SF: 0,
    TotWh_SF: 0,
    TotVAh_SF: 0,
    TotVArh_SF: 0,
    DCA_SF: fitScaleFactor((dcPeakW / 400) * 1.3),
    DCV_SF: fitScaleFactor(1100),
    DCW_SF: fitScaleFactor(dcPeakW * 1.3),
    DCWH_SF: 0,
    Tmp_SF: fitScaleFactor(150),
  };
}

const kw = (w: number) => Math.round(w / 1000);
const PREFERRED_TRIP_ALARMS = ['GROUND_FAULT', 'LOW_INSULATION_RESISTANCE', 'DEVICE_FAULT'];

function alarmNamesOf(points: readonly { field?: string; bits?: { name: string }[] }[]): string[] {
  return points.filter((p) => p.field === 'alarms').flatMap((p) => (p.bits ?? []).map((b) => b.name));
}

/** The alarm a trip raises when the fault names none. */
export const defaultTripAlarms = (names: readonly string[]): string[] => {
  const found = PREFERRED_TRIP_ALARMS.find((n) => names.includes(n));
  return found ? [found] : names.slice(0, 1);
};

/** A map's model name template: `{ratedKw}` = the rated AC power in kW, rounded. */
const modelName = (template: string, ratedW: number) => template.replaceAll('{ratedKw}', String(kw(ratedW)));

/** The register image and identity of a device, from its map file alone (no vendor is known to the code). */
export function buildLayout(d: SimDeviceConfig, profile: Profile, ratedW: number, dcPeakW: number, seed: number): DeviceLayout {
  const serialFrom = (prefix: string) => d.serial ?? `${prefix}${(hashString(`${seed}/${d.id}`) % 1e8).toString().padStart(8, '0')}`;
  if (deviceProfile(profile).family === 'vendor') {
    const map = loadVendorMap(profile);
    const energy = map.points.find((p) => p.field === 'ac_energy_wh' || p.field === 'export_energy_wh');
    const sim = map.simulator ?? { model: `${map.id.toUpperCase()}-{ratedKw}K`, serialPrefix: 'SN' };
    return {
      image: new VendorImage(map),
      manufacturer: d.manufacturer ?? sim.manufacturer ?? map.manufacturer,
      model: d.model ?? modelName(sim.model, ratedW),
      serial: serialFrom(sim.serialPrefix),
      wrapWh: energy && energy.type !== 'float32' ? toSi(2 ** (16 * vendorPointSize(energy)) / energy.gain, energy.units) : Infinity,
      alarmNames: alarmNamesOf(map.points),
      scaleFactors: {},
    };
  }
  const device = loadSunSpecDevice(profile);
  const chain: ModelInChain[] = device.models.map((m) => {
    const model = loadSunSpecModel(m.id);
    return { model, ...(model.kind === 'common' ? { length: d.commonLength } : {}), ...(m.blocks === 'mppts' ? { blocks: d.mppts } : m.blocks !== undefined ? { blocks: m.blocks } : {}) };
  });
  const points = chain.flatMap((m) => m.model.points);
  const sfs = sunspecScaleFactors(ratedW, dcPeakW);
  const energy = points.find((p) => p.field === 'ac_energy_wh' || p.field === 'export_energy_wh');
  const energySf = energy?.sf === undefined ? undefined : sfs[energy.sf];
  return {
    image: new SunSpecImage(chain, sfs),
    manufacturer: d.manufacturer ?? device.simulator.manufacturer ?? 'Sunshare Sim',
    model: d.model ?? modelName(device.simulator.model, ratedW),
    serial: serialFrom(device.simulator.serialPrefix),
    wrapWh: energy && energy.type !== 'float32' ? 2 ** (16 * energy.size) * 10 ** (energySf ?? 0) : Infinity,
    alarmNames: alarmNamesOf(points),
    scaleFactors: sfs,
  };
}
