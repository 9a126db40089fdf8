import { SunshareError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { lineKey, type GatewayConfig } from './config.ts';
import { Dlt645Reader } from './dlt645/reader.ts';
import { buildReaders } from './gateway.ts';
import { checkProfiles } from './profiles/index.ts';
import { discoverUnits } from './smartlogger/discover.ts';

export interface ProbeOptions {
  /** Unit ids to look for inverters at behind each SmartLogger (`huawei-smartlogger` device). */
  scan?: number[];
  scanTimeoutMs?: number;
  print: (line: string) => void;
}

const show = (v: unknown): string => (typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/**
 * `sunshare gateway --probe`: reads every configured device once, through the same lines, queues
 * and decoders as the running gateway, prints the decoded values (to compare with each device's own
 * display) and returns how many devices failed. DL/T 645 meters also show the points that feed no
 * contract field (the per-tariff counters); behind a SmartLogger, `scan` lists the inverters found
 * at those unit ids. Nothing is published or spooled.
 */
export async function probe(cfg: GatewayConfig, log: Logger, opts: ProbeOptions): Promise<number> {
  checkProfiles(cfg.devices);
  const { lines, readers } = buildReaders(cfg, log);
  let failed = 0;
  try {
    for (const [i, d] of cfg.devices.entries()) {
      const where = d.protocol === 'dlt645' ? `${lineKey(d)} DL/T 645 address ${d.dlt645?.address ?? '?'}` : `${lineKey(d)} unit ${d.unit}`;
      const reader = readers[i]!;
      const t0 = performance.now();
      try {
        const r = await reader.read();
        opts.print(`${d.id} (${where}, ${d.profile}): ok in ${Math.round(performance.now() - t0)} ms${r.serial ? `, serial ${r.serial}` : ''}`);
        for (const [k, v] of Object.entries(r.values)) opts.print(`  ${k.padEnd(20)} ${show(v)}`);
        if (r.notFinite.length > 0) opts.print(`  not decodable: ${r.notFinite.join(', ')}`);
        if (reader instanceof Dlt645Reader) {
          for (const p of reader.map.points.filter((x) => !x.field)) {
            const v = await reader.readPoint(p);
            opts.print(`  ${p.name.padEnd(20)} ${'value' in v ? `${show(v.value)} (${p.di}, SI units)` : 'absent' in v ? `absent (${v.absent})` : `invalid (${v.invalid})`}`);
          }
        }
      } catch (err) {
        failed++;
        opts.print(`${d.id} (${where}, ${d.profile}): FAILED: ${err instanceof SunshareError ? `${err.code}: ${err.message}` : (err as Error).message}`);
        // a silent meter: ask the line who is there (answers only when one meter is on it)
        if (reader instanceof Dlt645Reader && err instanceof SunshareError && err.code === 'DLT645_TIMEOUT') {
          const address = await reader.readAddress().catch(() => undefined);
          opts.print(address ? `  the meter on this line answers at address ${address} (read by broadcast): check dlt645.address` : '  no meter answered the broadcast read-address either: check wiring, baud rate and parity');
        }
      }
      if (d.profile === 'huawei-smartlogger' && opts.scan?.length) {
        const found = await discoverUnits(lines.get(lineKey(d))!, opts.scan, opts.scanTimeoutMs ?? 500);
        opts.print(`  behind it (units ${opts.scan[0]}-${opts.scan[opts.scan.length - 1]}): ${found.length} inverter(s)`);
        for (const f of found) opts.print(`  - { id: inv-${String(f.unit).padStart(2, '0')}, transport: tcp, host: ${d.host ?? '?'}, port: ${d.port}, unit: ${f.unit}, profile: huawei-sun2000 }  # ${f.model ?? '?'} ${f.serial ?? ''}`);
      }
    }
  } finally {
    await Promise.all([...lines.values()].map((l) => l.close()));
  }
  return failed;
}
