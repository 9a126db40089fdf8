import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SMALL_SPOOL_BYTES, type SoakSystem } from './system.ts';

/** Bytes of a spool directory's files (files may be renamed or removed under us). */
export function spoolBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let bytes = 0;
  for (const f of readdirSync(dir)) {
    try {
      bytes += statSync(join(dir, f)).size;
    } catch {
      // renamed or removed by the gateway meanwhile (seq.tmp, an acknowledged segment)
    }
  }
  return bytes;
}

export const FAULTS = [
  'broker_restart',
  'link_cut',
  'gateway_kill9',
  'gateway_kill9_during_outage',
  'ingest_kill9',
  'influx_restart',
  'sim_counter_reset',
  'sim_replace',
  'sim_silent',
  'sim_busy',
  'gateway_clock_jump',
  // last: it takes the longest (the link stays cut until a spool is full)
  'spool_limit',
] as const;
export type FaultName = (typeof FAULTS)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How far the gateway_clock_jump fault steps a gateway's wall clock back, real seconds. */
export const CLOCK_STEP_S = 3;

/**
 * Fires one fault and undoes it after `outageMs`; resolves at the moment the
 * system is whole again (recovery is measured from there). `k` picks the site
 * and device, so repeated faults move around.
 */
export async function fireFault(sys: SoakSystem, name: FaultName, k: number, outageMs: number): Promise<string> {
  const site = sys.sites[k % sys.sites.length]!;
  const gw = sys.gateways.get(site.id)!;
  const sim = sys.sims.get(site.id)!;
  const inverter = site.inverters[k % site.inverters.length]!.id;
  switch (name) {
    case 'broker_restart':
      await sys.restartBroker(Math.min(outageMs, 3000));
      return 'broker stopped and started on the same port and session store';
    case 'link_cut':
      sys.proxy.cut();
      await sleep(outageMs);
      sys.proxy.restore();
      return 'gateway-broker link cut (every connection dropped, new ones refused)';
    case 'gateway_kill9':
      await gw.kill9();
      await sleep(1000);
      gw.start();
      return `gateway ${site.id} kill -9, restarted`;
    case 'gateway_kill9_during_outage':
      sys.proxy.cut();
      await sleep(outageMs / 2);
      await gw.kill9();
      await sleep(500);
      gw.start();
      await sleep(outageMs / 2);
      sys.proxy.restore();
      return `gateway ${site.id} kill -9 while the link was cut, restarted offline`;
    case 'ingest_kill9':
      await sys.ingest.kill9();
      await sleep(Math.min(outageMs, 3000));
      sys.ingest.start();
      return 'ingest kill -9, restarted';
    case 'influx_restart':
      await sys.influx.stop();
      await sleep(outageMs);
      await sys.influx.start();
      return 'InfluxDB stopped and started';
    case 'spool_limit': {
      // Cut the link until the small spool is full and has evicted its oldest segment twice over.
      const small = sys.sites.at(-1)!.id;
      sys.proxy.cut();
      const until = Date.now() + 180_000;
      while (Date.now() < until && spoolBytes(sys.spoolDir(small)) < SMALL_SPOOL_BYTES - 8192) await sleep(500);
      await sleep(15 * sys.pollMs); // about 15 more batches: past the limit, so the oldest segments go
      sys.proxy.restore();
      return `link cut until ${small}'s ${SMALL_SPOOL_BYTES}-byte spool was full and evicting`;
    }
    case 'gateway_clock_jump': {
      // NTP correcting a clock that ran ahead, then a good server putting it right again.
      const clock = sys.clocks.get(site.id)!;
      clock.set(-CLOCK_STEP_S);
      await sleep(outageMs);
      clock.set(0);
      const simMinutes = Math.round((CLOCK_STEP_S * 1000 * sys.speed) / 60_000);
      return `gateway ${site.id} wall clock stepped back ${CLOCK_STEP_S} s (${simMinutes} simulated min), forward again after ${outageMs} ms`;
    }
    case 'sim_counter_reset':
      sim.setFault(inverter, { kind: 'counter_reset' });
      return `${site.id}/${inverter} energy counter reset to zero`;
    case 'sim_replace':
      sim.setFault(inverter, { kind: 'replace' });
      return `${site.id}/${inverter} replaced (new serial, counter from zero)`;
    case 'sim_silent':
      sim.setFault(inverter, { kind: 'silent' });
      await sleep(outageMs);
      sim.clearFault(inverter, 'silent');
      return `${site.id}/${inverter} silent`;
    case 'sim_busy':
      sim.setFault(inverter, { kind: 'exception', code: 6 });
      await sleep(outageMs);
      sim.clearFault(inverter, 'exception');
      return `${site.id}/${inverter} answers "device busy"`;
  }
}
