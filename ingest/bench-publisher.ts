import mqtt from 'mqtt';
import { TELEMETRY_SCHEMA, topics } from '../common/contract.ts';

/**
 * Publishes gateway-shaped batches at a steady rate for the latency bench, in
 * its own process so the ingest's resident memory is measured alone.
 * argv: url sitePrefix sites devicesPerSite readingsPerSecond seconds
 */
const [url, prefix, sitesArg, devArg, rateArg, secArg] = process.argv.slice(2) as [string, string, string, string, string, string];
const sites = Number(sitesArg);
const devices = Number(devArg);
const messagesPerSecond = Number(rateArg) / devices;
const client = await mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}` });
const started = Date.now();
let sent = 0;
let seq = 0;
while (Date.now() - started < Number(secArg) * 1000) {
  const due = Math.floor(((Date.now() - started) / 1000) * messagesPerSecond);
  const sends: Promise<unknown>[] = [];
  for (; sent < due; sent++) {
    const site = `${prefix}-${sent % sites}`;
    const now = Date.now();
    const readings = Array.from({ length: devices }, (_, d) => ({ device: `inv${d}`, kind: 'inverter', ts: now, ac_power_w: 3000 + d, ac_energy_wh: 1e6 + now / 1000, state: 'mppt' }));
    const batch = { schema: TELEMETRY_SCHEMA, site, gateway: 'gw1', seq: seq++, sentAt: now, readings };
    sends.push(client.publishAsync(topics.telemetry(site, 'gw1'), JSON.stringify(batch), { qos: 1 }));
  }
  await Promise.all(sends);
  await new Promise((r) => setTimeout(r, 5));
}
await client.endAsync();
