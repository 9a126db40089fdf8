import { createInterface } from 'node:readline';
import { silentLogger } from '../common/log.ts';
import type { IngestConfig } from './config.ts';
import { startIngest } from './index.ts';

/**
 * The ingest of the latency bench in a process of its own, so that the resident memory sampled is the
 * ingest's alone (not the bench's, whose drains, MQTT preloading and result arrays share nothing with
 * a deployed ingest). argv: the IngestConfig as JSON. Prints {"ready":true} once subscribed; on a
 * "stop" line on stdin, stops the ingest and prints the publish -> durable latencies and the count.
 */
const config = JSON.parse(process.argv[2] ?? '{}') as IngestConfig;
// One latency per batch (200 a second at 10,000 readings/s): a typed array, not an array of boxed numbers.
let lat = new Float64Array(1 << 14);
let n = 0;
const ingest = await startIngest(config, {
  log: silentLogger,
  onCommitted: (sentAts) => {
    const now = Date.now();
    for (const s of sentAts) {
      if (n === lat.length) {
        const bigger = new Float64Array(lat.length * 2);
        bigger.set(lat);
        lat = bigger;
      }
      lat[n++] = now - s;
    }
  },
});
console.log(JSON.stringify({ ready: true }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'stop') continue;
  const readings = (await ingest.stats()).readingsWritten;
  await ingest.stop();
  console.log(JSON.stringify({ readings, latencies: Array.from(lat.subarray(0, n)) }));
  break;
}
process.exit(0);
