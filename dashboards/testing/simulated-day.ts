import { STATUS_SCHEMA, type DeviceHealth, type GatewayStatus, type Reading } from '../../common/contract.ts';
import { batchLine, readingLine, statusLines } from '../../ingest/index.ts';

/**
 * A deterministic simulated day of telemetry as contract messages (Reading,
 * GatewayStatus, batches), turned into line protocol by ingest's own point
 * builders: the dashboards are tested on exactly what ingest writes.
 * Three sites, one minute apart, with the events the dashboards must show:
 * - every inverter follows a clear-sky bell from 06:00 to 19:00 local time,
 *   dimmed by a fixed cloud pattern; counters integrate that power;
 * - site B's uplink is down 10:00-12:00: last will offline, then the spool replays
 *   (batches arrive late with their original times, backlog drains);
 * - site B inv-2 is in fault 13:00-14:30 (GROUND_FAULT), site A inv-3 from 19:00 on;
 * - site A inv-2 reports power_above_rating once at 12:00;
 * - site A inv-2 does not answer polls 16:00-16:20 (device health not ok);
 * - site C's gateway clock is stepped back 40 minutes at 08:00 (NTP), and it goes offline for good at 21:00.
 */
// Meters follow SunSpec model 203: ac_power_w positive = import, so export is negative.
export const DAY_START_MS = Date.UTC(2026, 5, 20, 16, 0, 0); // 2026-06-21 00:00 Asia/Shanghai
export const DAY_MS = 24 * 3600 * 1000;
export const STEP_MS = 60_000;
export const DAY_END_MS = DAY_START_MS + DAY_MS;
export const LOCAL_OFFSET_MS = 8 * 3600 * 1000;

export interface SimSite {
  id: string;
  gateway: string;
  inverters: string[];
  meter: string;
  ratedW: number;
}

export const SIM_SITES: SimSite[] = ['a', 'b', 'c'].map((s) => ({
  id: `sim-site-${s}`,
  gateway: `sim-gw-${s}`,
  inverters: ['inv-1', 'inv-2', 'inv-3'],
  meter: 'meter-1',
  ratedW: 100_000,
}));

const HOUR = 3600_000;
const localHour = (ts: number) => (((ts + LOCAL_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS / HOUR;
const at = (h: number) => DAY_START_MS + h * HOUR;

function clearSky(ts: number): number {
  const h = localHour(ts);
  return h <= 6 || h >= 19 ? 0 : Math.sin((Math.PI * (h - 6)) / 13);
}

/** A fixed cloud pattern: deterministic, a little different per inverter. */
function cloud(ts: number, k: number): number {
  const m = (ts - DAY_START_MS) / STEP_MS;
  return 0.75 + 0.2 * Math.sin(m / 37 + k) * Math.cos(m / 91 + 2 * k);
}

function inFault(site: string, device: string, ts: number): boolean {
  if (site === 'sim-site-b' && device === 'inv-2') return ts >= at(13) && ts < at(14.5);
  if (site === 'sim-site-a' && device === 'inv-3') return ts >= at(19);
  return false;
}

function siteLines(site: SimSite, k: number): string[] {
  const out: string[] = [];
  const energy = new Map(site.inverters.map((d, i) => [d, 120_000_000 + 1_000_000 * (k * 3 + i)]));
  let meterExport = 350_000_000 + 5_000_000 * k;
  let meterImport = 2_000_000;
  let seq = 1_000 * k;
  const offlineFrom = site.id === 'sim-site-c' ? at(21) : Infinity;
  const uplinkDown = site.id === 'sim-site-b' ? [at(10), at(12)] : undefined;
  const stepped = (ts: number) => site.id === 'sim-site-c' && ts >= at(8);
  const status = (ts: number, online: boolean, extra: Partial<GatewayStatus> = {}) =>
    statusLines({ schema: STATUS_SCHEMA, site: site.id, gateway: site.gateway, online, ts, clock: stepped(ts) ? { jumps: 1, lastStepMs: -2_400_000, held: 4_800 } : { jumps: 0, lastStepMs: 0, held: 0 }, ...extra });

  for (let ts = DAY_START_MS; ts < DAY_END_MS && ts < offlineFrom; ts += STEP_MS) {
    let siteW = 0;
    const readings: Reading[] = [];
    const health: DeviceHealth[] = [];
    site.inverters.forEach((device, i) => {
      const notAnswering = site.id === 'sim-site-a' && device === 'inv-2' && ts >= at(16) && ts < at(16 + 1 / 3);
      const fault = inFault(site.id, device, ts);
      const sky = clearSky(ts);
      const acW = fault ? 0 : Math.round(site.ratedW * 0.85 * sky * cloud(ts, k * 3 + i));
      energy.set(device, energy.get(device)! + (acW * STEP_MS) / HOUR);
      siteW += acW;
      health.push(
        notAnswering
          ? { device, ok: false, consecutiveErrors: (ts - at(16)) / STEP_MS + 1, lastError: 'Timed out after 1000 ms' }
          : { device, ok: true, consecutiveErrors: 0, latencyMs: 38 + ((ts / STEP_MS + i) % 7), lastGoodReadAt: ts },
      );
      if (notAnswering) return;
      readings.push({
        device,
        kind: 'inverter',
        ts,
        serial: `SN-${site.id}-${device}`,
        ac_power_w: acW,
        ac_energy_wh: Math.floor(energy.get(device)!),
        dc_power_w: acW > 0 ? Math.round(acW / 0.975) : 0,
        ac_voltage_v: 230 + 3 * Math.sin(ts / 3_600_000 + i),
        ac_current_a: acW / (3 * 230),
        frequency_hz: 50 + 0.02 * Math.sin(ts / 600_000),
        temperature_c: 25 + 20 * sky,
        state: fault ? 'fault' : acW > 0 ? 'mppt' : sky > 0 ? 'starting' : 'sleeping',
        alarms: fault ? (site.id === 'sim-site-b' ? ['GROUND_FAULT'] : ['ISOLATION_FAULT', 'DC_INSULATION']) : [],
        ...(site.id === 'sim-site-a' && device === 'inv-2' && ts === at(12) ? { quality: ['power_above_rating' as const] } : {}),
      });
    });
    const exportW = Math.round(siteW * 0.98);
    meterExport += (exportW * STEP_MS) / HOUR;
    if (siteW === 0) meterImport += (300 * STEP_MS) / HOUR;
    readings.push({ device: site.meter, kind: 'meter', ts, ac_power_w: exportW > 0 ? -exportW : 300, export_energy_wh: Math.floor(meterExport), import_energy_wh: Math.floor(meterImport) });
    out.push(...readings.map((r) => readingLine(site.id, site.gateway, r)!));

    // While the uplink is down the batches wait in the spool and arrive late with their own times.
    const down = uplinkDown && ts >= uplinkDown[0]! && ts < uplinkDown[1]!;
    const backlog = uplinkDown && ts >= uplinkDown[1]! ? Math.max(0, (uplinkDown[1]! - uplinkDown[0]!) / STEP_MS - 20 * ((ts - uplinkDown[1]!) / STEP_MS)) : 0;
    const lagMs = uplinkDown && ts >= uplinkDown[0]! && ts < uplinkDown[1]! + 6 * STEP_MS ? Math.max(400, uplinkDown[1]! - ts) : 350 + ((ts / STEP_MS) % 200);
    out.push(batchLine(site.id, site.gateway, seq++, ts, readings.length, ts + lagMs));
    if (uplinkDown && ts === uplinkDown[0]) out.push(...status(ts + 30_000, false)); // the broker publishes the last will
    if (!down) out.push(...status(ts, true, { spool: { bytes: backlog * 2_048, batches: backlog, evictedBatches: 0 }, devices: health }));
  }
  if (offlineFrom < DAY_END_MS) out.push(...status(offlineFrom + 45_000, false));
  return out;
}

/** The whole day as line protocol (ms precision), one point per line. */
export function simulatedDayLines(): string[] {
  return SIM_SITES.flatMap((site, k) => siteLines(site, k));
}

/** Writes the simulated day to an InfluxDB 1.x database through /write. */
export async function loadSimulatedDay(influxUrl: string, db: string): Promise<number> {
  const lines = simulatedDayLines();
  for (let i = 0; i < lines.length; i += 5_000) {
    const res = await fetch(`${influxUrl}/write?db=${encodeURIComponent(db)}&precision=ms`, { method: 'POST', body: lines.slice(i, i + 5_000).join('\n') });
    if (res.status !== 204) throw new Error(`loading the simulated day failed: ${res.status} ${await res.text()}`);
  }
  return lines.length;
}
