import { beforeAll, describe, expect, it } from 'vitest';
import { Reading, TARIFF_ENERGY_FIELDS, topics } from '../common/contract.ts';
import { openLedger } from '../common/ledger/index.ts';
import { decodeMessage } from './message.ts';
import { COUNTER_FIELDS, readingLine } from './points.ts';
import { Registry } from './registry.ts';
import { seedRegistry, telemetry } from './testing/index.ts';

/** The meter's per-tariff counters (DL/T 645 meters: t1 sharp ... t4 valley) through ingest's decoding and its line output. */
const NOW = Date.UTC(2026, 5, 1, 12);
const meter = {
  device: 'm1',
  kind: 'meter' as const,
  ts: NOW - 1000,
  export_energy_wh: 1000,
  export_energy_wh_t1: 100,
  export_energy_wh_t2: 200,
  export_energy_wh_t3: 300,
  export_energy_wh_t4: 400,
  import_energy_wh: 10,
  import_energy_wh_t1: 1,
  import_energy_wh_t2: 2,
  import_energy_wh_t3: 3,
  import_energy_wh_t4: 4,
};

describe('per-tariff meter counters', () => {
  let registry: Registry;
  beforeAll(async () => {
    const db = await openLedger(':memory:');
    await seedRegistry(db, 's1', [{ id: 'm1', kind: 'meter' }]);
    registry = new Registry(db);
    await registry.refresh();
  });
  const decode = (readings: object[]) => decodeMessage(topics.telemetry('s1', 'g1'), Buffer.from(JSON.stringify(telemetry('s1', 'g1', 1, readings as never, NOW))), registry, NOW);

  it('are accepted by the contract and kept as sent', () => {
    const d = decode([meter]);
    expect(d.dead).toEqual([]);
    expect(d.kind === 'telemetry' && d.batch.readings[0]).toEqual(meter);
  });

  it('a negative tariff counter rejects that reading, naming the field', () => {
    const d = decode([{ ...meter, export_energy_wh_t3: -1 }]);
    expect(d.dead[0]?.reason).toBe('invalid');
    expect(d.dead[0]?.problems.join('\n')).toMatch(/^\/readings\/0\/export_energy_wh_t3/m);
  });

  it('are written to InfluxDB as fields of the meter measurement, under their contract names', () => {
    const l = readingLine('s1', 'g1', meter)!;
    for (const f of TARIFF_ENERGY_FIELDS) expect(l).toContain(`${f}=${meter[f]}`);
    expect(l).toBe(
      `meter,device=m1,gateway=g1,site=s1 export_energy_wh=1000,import_energy_wh=10,export_energy_wh_t1=100,export_energy_wh_t2=200,export_energy_wh_t3=300,export_energy_wh_t4=400,import_energy_wh_t1=1,import_energy_wh_t2=2,import_energy_wh_t3=3,import_energy_wh_t4=4 ${NOW - 1000}`,
    );
  });

  it('are not counters daily energy is computed from (settlement uses the totals)', () => {
    for (const f of TARIFF_ENERGY_FIELDS) expect(COUNTER_FIELDS as readonly string[]).not.toContain(f);
  });

  it('every numeric field of the contract reaches InfluxDB (the tariff counters are not the only ones that could be forgotten)', () => {
    const numeric = Object.entries(Reading.properties).flatMap(([k, v]) => ((v as { type?: string }).type === 'number' ? [k] : []));
    expect(numeric).toEqual(expect.arrayContaining([...TARIFF_ENERGY_FIELDS]));
    const r = Object.fromEntries(numeric.map((k, i) => [k, i + 1])) as Record<string, number>;
    const l = readingLine('s1', 'g1', { device: 'm1', kind: 'meter', ts: 5, ...r })!;
    for (const k of numeric) expect(l, k).toMatch(new RegExp(`[ ,]${k}=${r[k]}[, ]`));
  });
});
