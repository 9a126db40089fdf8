import { loadVendorMap } from '../../common/devices/index.ts';
import { SunshareError } from '../../common/errors.ts';

interface DeviceRef {
  id: string;
  profile: string;
  protocol?: string;
}

/** What a configured device's profile says it is: a plant-level total, a device that may report inverter energy, or neither. */
function role(d: DeviceRef): 'plant' | 'inverter' | 'other' {
  if (d.protocol === 'dlt645') return 'other';
  // sunspec discovers its models: it may be an inverter
  if (d.profile === 'sunspec') return 'inverter';
  let map;
  try {
    map = loadVendorMap(d.profile);
  } catch {
    return 'other'; // checkProfiles reports a map that does not load
  }
  if (map.scope === 'plant') return 'plant';
  return map.kind === 'inverter' ? 'inverter' : 'other';
}

/**
 * A plant-level device (a map with `scope: plant`, the Huawei SmartLogger's totals) is the sum of
 * inverters: beside any inverter in the same gateway its energy would be counted twice on a site
 * settled on inverter energy. So the running gateway refuses the combination; `--probe` (which
 * publishes nothing) reads both, to compare them at commissioning. Run after checkProfiles.
 */
export function checkPlantTotals(devices: readonly DeviceRef[], source = 'gateway config'): void {
  const roles = devices.map(role);
  const plants = devices.flatMap((d, i) => (roles[i] === 'plant' ? [i] : []));
  if (plants.length === 0) return;
  const inverters = devices.filter((_, i) => roles[i] === 'inverter').map((d) => d.id);
  if (inverters.length === 0) return;
  const problems = plants.map(
    (i) =>
      `/devices/${i}/profile: ${devices[i]!.id} (${devices[i]!.profile}) reads plant-level totals, the sum of the inverters behind it, and this config also reads inverter(s) ${inverters.join(', ')}: their energy would count twice. Configure either the plant device or the inverters (sunshare gateway --probe reads both to compare them)`,
  );
  throw new SunshareError('CONFIG_INVALID', `${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, { details: problems });
}
