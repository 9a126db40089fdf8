import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influxAvailable, startInflux, type InfluxServer } from './servers.ts';

describe.skipIf(!influxAvailable())('test InfluxDB server', () => {
  let influx: InfluxServer;
  beforeAll(async () => {
    influx = await startInflux();
  });
  afterAll(async () => influx?.destroy());

  it('accepts line protocol on /write and answers InfluxQL', async () => {
    await influx.createDatabase('t');
    const res = await fetch(`${influx.url}/write?db=t&precision=ms`, { method: 'POST', body: 'inverter,site=s1 ac_power_w=1500 1700000000000' });
    expect(res.status).toBe(204);
    const q = await influx.query('SELECT ac_power_w FROM inverter', 't');
    expect(q.results[0]?.series?.[0]?.values).toEqual([['2023-11-14T22:13:20Z', 1500]]);
  });

  it('keeps its data across a stop and start', async () => {
    await influx.stop();
    await influx.start();
    const q = await influx.query('SELECT count(ac_power_w) FROM inverter', 't');
    expect(q.results[0]?.series?.[0]?.values?.[0]?.[1]).toBe(1);
  });
});
