import { loadSunSpecModel, loadVendorMap, toSi, type SunSpecModel } from '../../common/devices/index.ts';
import type { Profile, SimDeviceConfig } from '../config.ts';
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

export function buildLayout(d: SimDeviceConfig, profile: Profile, ratedW: number, dcPeakW: number, seed: number): DeviceLayout {
  const serialFrom = (prefix: string) => d.serial ?? `${prefix}${(hashString(`${seed}/${d.id}`) % 1e8).toString().padStart(8, '0')}`;
  if (profile === 'huawei-sun2000' || profile === 'sungrow-sg') {
    const map = loadVendorMap(profile);
    const energy = map.points.find((p) => p.field === 'ac_energy_wh');
    const huawei = profile === 'huawei-sun2000';
    return {
      image: new VendorImage(map),
      manufacturer: d.manufacturer ?? map.manufacturer,
      model: d.model ?? (huawei ? `SUN2000-${kw(ratedW)}KTL-M3` : `SG${kw(ratedW)}CX`),
      serial: serialFrom(huawei ? 'HV' : 'A2'),
      wrapWh: energy ? toSi(2 ** 32 / energy.gain, energy.units) : Infinity,
      alarmNames: alarmNamesOf(map.points),
      scaleFactors: {},
    };
  }
  const common = loadSunSpecModel(1);
  const chain: ModelInChain[] = [{ model: common, length: d.commonLength }];
  let main: SunSpecModel;
  if (profile === 'sunspec-meter') {
    main = loadSunSpecModel(203);
    chain.push({ model: main });
  } else {
    main = loadSunSpecModel(profile === 'sunspec-float' ? 113 : 103);
    chain.push({ model: main }, { model: loadSunSpecModel(160), blocks: d.mppts });
  }
  const sfs = sunspecScaleFactors(ratedW, dcPeakW);
  const energySf = profile === 'sunspec-meter' ? sfs.TotWh_SF! : sfs.WH_SF!;
  return {
    image: new SunSpecImage(chain, sfs),
    manufacturer: d.manufacturer ?? 'Sunshare Sim',
    model: d.model ?? (profile === 'sunspec-meter' ? 'SIM-METER-203' : `SIM-${kw(ratedW)}K-${main.id}`),
    serial: serialFrom(profile === 'sunspec-meter' ? 'MT' : 'SS'),
    wrapWh: profile === 'sunspec-float' ? Infinity : 2 ** 32 * 10 ** energySf,
    alarmNames: alarmNamesOf(main.points),
    scaleFactors: sfs,
  };
}
