import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influxAvailable, startInflux, waitFor, type InfluxServer } from '../common/testing/index.ts';
import { startDemo, type Demo } from './index.ts';

describe.skipIf(!influxAvailable())('the demo with InfluxDB settings in the environment', () => {
  let influx: InfluxServer;
  let demo: Demo | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-demo-influx-'));
  beforeAll(async () => {
    influx = await startInflux();
    await influx.createDatabase('demo_tel');
  });
  afterAll(async () => {
    await demo?.stop();
    await influx?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes telemetry there', async () => {
    demo = await startDemo({ apiPort: 0, mqttPort: 0, dataDir: join(dir, 'data'), sites: 1, households: 2 }, undefined, {
      env: { INFLUX_URL: influx.url, INFLUX_DATABASE: 'demo_tel' },
    });
    expect(demo.influx).toContain(influx.url);
    const count = async (q: string) => Number((await influx.query(q, 'demo_tel')).results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    await waitFor(async () => (await count('SELECT count(ac_energy_wh) FROM inverter')) >= 6 * 3, 'inverter points in InfluxDB', 30_000, 250);
    expect(await count("SELECT count(seq) FROM gateway_batch WHERE site = 'ry-01'")).toBeGreaterThan(0);
    expect(await count('SELECT count(export_energy_wh) FROM meter')).toBeGreaterThan(0);
  }, 60_000);
});
