import type { Aedes } from 'aedes';
import { parseTopic } from '../common/contract.ts';
import { SunshareError } from '../common/errors.ts';
import { localTimeToInstant, todayIn } from '../common/index.ts';

/**
 * The simulated start: the given local date (and time), or today at 04:00 in
 * the site's zone, so the sun rises a few seconds into the demo.
 */
export function simStart(text: string | undefined, timeZone: string, now = Date.now()): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?$/.exec(text ?? `${todayIn(timeZone, now)}T04:00`);
  if (!m) throw new SunshareError('OPTION_INVALID', `--start must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, got "${text}"`);
  return localTimeToInstant(m[1]!, m[2] ?? '04:00', timeZone);
}

/**
 * The gateways stamp readings with the real clock, but the demo's sites run
 * on an accelerated simulated clock. The embedded broker translates each
 * telemetry and status timestamp from real to simulated time as the message
 * comes in (aedes lets authorizePublish rewrite the payload). The simulated
 * clock is linear in real time, so the translation is exact: a reading taken
 * at real time t is the inverters' state at simulated time sim(t).
 * Remove this once the gateway takes a clock (see docs/api.md, demo).
 */
export function translateTimestamps(aedes: Aedes, simAt: (site: string, realMs: number) => number): void {
  const authorize = aedes.authorizePublish.bind(aedes);
  aedes.authorizePublish = (client, packet, done) => {
    const where = parseTopic(packet.topic);
    if (where) {
      try {
        const body = JSON.parse(packet.payload.toString()) as Record<string, unknown>;
        packet.payload = Buffer.from(JSON.stringify(restamp(body, (t) => simAt(where.site, t))));
      } catch {
        // not JSON: ingest dead-letters it as it is
      }
    }
    authorize(client, packet, done);
  };
}

function restamp(body: Record<string, unknown>, simAt: (realMs: number) => number): Record<string, unknown> {
  const at = (v: unknown) => (typeof v === 'number' ? Math.round(simAt(v)) : v);
  const out: Record<string, unknown> = { ...body };
  if ('ts' in out) out.ts = at(out.ts);
  if ('sentAt' in out) out.sentAt = at(out.sentAt);
  if (Array.isArray(out.readings)) out.readings = out.readings.map((r: Record<string, unknown>) => ({ ...r, ts: at(r.ts) }));
  if (Array.isArray(out.devices)) out.devices = out.devices.map((d: Record<string, unknown>) => ('lastGoodReadAt' in d ? { ...d, lastGoodReadAt: at(d.lastGoodReadAt) } : d));
  return out;
}
