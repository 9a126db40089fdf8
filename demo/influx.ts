import type { IngestConfig } from '../ingest/index.ts';
import { startInfluxSink, type InfluxSink } from './influx-sink.ts';

/**
 * InfluxDB settings for the demo's ingest from the environment:
 *   INFLUX_URL + INFLUX_DATABASE (1.x), or INFLUX_URL + INFLUX_ORG + INFLUX_BUCKET + INFLUX_TOKEN (2.x).
 * Without INFLUX_URL, telemetry goes to a counting sink (see influx-sink.ts).
 */
export async function demoInflux(env = process.env, given?: InfluxSink): Promise<{ influx: Partial<IngestConfig['influx']>; sink?: InfluxSink; describe: string }> {
  if (env.INFLUX_URL && !given) {
    const influx: Partial<IngestConfig['influx']> = { url: env.INFLUX_URL };
    if (env.INFLUX_DATABASE) influx.database = env.INFLUX_DATABASE;
    if (env.INFLUX_ORG) influx.org = env.INFLUX_ORG;
    if (env.INFLUX_BUCKET) influx.bucket = env.INFLUX_BUCKET;
    if (env.INFLUX_TOKEN) influx.token = env.INFLUX_TOKEN;
    if (!influx.database && !influx.bucket) influx.database = 'sunshare';
    return { influx, describe: `InfluxDB ${env.INFLUX_URL} (${influx.bucket ? `bucket ${influx.bucket}` : `database ${influx.database}`})` };
  }
  const sink = given ?? (await startInfluxSink());
  return { influx: { url: sink.url, database: 'sunshare' }, sink: given ? undefined : sink, describe: 'not written (set INFLUX_URL and INFLUX_DATABASE, or INFLUX_ORG/INFLUX_BUCKET/INFLUX_TOKEN)' };
}
