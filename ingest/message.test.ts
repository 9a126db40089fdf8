import { beforeAll, describe, expect, it } from 'vitest';
import { STATUS_SCHEMA, topics } from '../common/contract.ts';
import { openLedger } from '../common/ledger/index.ts';
import { decodeMessage, type DeadReason } from './message.ts';
import { Registry } from './registry.ts';
import { inverterReading, seedRegistry, telemetry } from './testing/index.ts';

const NOW = Date.UTC(2026, 5, 1, 12);
const T = topics.telemetry('s1', 'g1');
const ok = (readings = [inverterReading('inv1', NOW - 1000)]) => JSON.stringify(telemetry('s1', 'g1', 7, readings, NOW));

describe('decoding a message against the contract and the registry', () => {
  let registry: Registry;
  beforeAll(async () => {
    const db = await openLedger(':memory:');
    await seedRegistry(db, 's1', [
      { id: 'inv1', kind: 'inverter' },
      { id: 'm1', kind: 'meter' },
    ]);
    registry = new Registry(db);
    await registry.refresh();
  });

  const cases: { name: string; topic?: string; payload: string; reason: DeadReason; problem: RegExp }[] = [
    { name: 'a topic outside the contract', topic: 'sunshare/v1/s1/telemetry', payload: ok(), reason: 'bad_topic', problem: /not sunshare\/v1/ },
    { name: 'not JSON', payload: '{"schema":', reason: 'not_json', problem: /^\/: / },
    { name: 'another schema version', payload: ok().replace('sunshare.telemetry/1', 'sunshare.telemetry/2'), reason: 'wrong_schema', problem: /expected sunshare.telemetry\/1/ },
    { name: 'a missing field', payload: JSON.stringify({ ...JSON.parse(ok()), sentAt: undefined }), reason: 'invalid', problem: /^\/sentAt/ },
    { name: 'an extra field', payload: JSON.stringify({ ...JSON.parse(ok()), extra: 1 }), reason: 'invalid', problem: /extra/ },
    { name: 'a body for another gateway than the topic', topic: topics.telemetry('s1', 'g2'), payload: ok(), reason: 'topic_mismatch', problem: /topic says s1\/g2/ },
    { name: 'an unknown site', topic: topics.telemetry('s9', 'g1'), payload: ok().replace('"s1"', '"s9"'), reason: 'unknown_site', problem: /s9 is not in the registry/ },
    { name: 'an unknown device', payload: ok([inverterReading('ghost', NOW)]), reason: 'unknown_device', problem: /^\/readings\/0\/device/ },
    { name: 'a kind that contradicts the registry', payload: ok([{ ...inverterReading('m1', NOW) }]), reason: 'invalid', problem: /registered as meter/ },
    { name: 'an absurd value', payload: ok([{ ...inverterReading('inv1', NOW), temperature_c: 900 }]), reason: 'invalid', problem: /^\/readings\/0\/temperature_c/ },
    { name: 'a negative counter', payload: ok([{ ...inverterReading('inv1', NOW), ac_energy_wh: -1 }]), reason: 'invalid', problem: /ac_energy_wh/ },
    { name: 'a reading from 1970', payload: ok([inverterReading('inv1', 5)]), reason: 'absurd_time', problem: /before 2000/ },
    { name: 'a reading two days ahead', payload: ok([inverterReading('inv1', NOW + 2 * 86_400_000)]), reason: 'absurd_time', problem: /a day ahead/ },
    // Shapes that once threw (a thrown error in the decoder stops ingest): each is now a dead letter.
    { name: 'a schema nested 100,000 levels deep', payload: ok().replace('"sunshare.telemetry/1"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`), reason: 'wrong_schema', problem: /got an array of 1$/ },
    { name: 'a whole message nested 100,000 levels deep', payload: `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`, reason: 'wrong_schema', problem: /got nothing/ },
    { name: 'a reading time beyond what a Date holds', payload: ok([{ ...inverterReading('inv1', NOW), ts: 1e300 }]), reason: 'absurd_time', problem: /1e\+300 is before 2000/ },
    { name: 'a reading time beyond 2^53', payload: ok().replace(`"ts":${NOW - 1000}`, '"ts":9007199254740993'), reason: 'absurd_time', problem: /a day ahead/ },
    { name: 'a batch time InfluxDB cannot store', payload: ok().replace(`"sentAt":${NOW}`, '"sentAt":1e300'), reason: 'absurd_time', problem: /^\/sentAt: 1e\+300/ },
    { name: 'a seq beyond 2^53', payload: ok().replace('"seq":7', '"seq":18446744073709551616'), reason: 'invalid', problem: /^\/seq: .* beyond 2\^53/ },
    { name: 'invalid UTF-8', payload: Buffer.concat([Buffer.from(ok().slice(0, 20)), Buffer.from([0xc3, 0x28]), Buffer.from(ok().slice(20))]).toString('latin1'), reason: 'not_json', problem: /not valid UTF-8/ },
    { name: 'a serial with a lone surrogate', payload: ok([{ ...inverterReading('inv1', NOW), serial: 'SN-\ud800' }]), reason: 'invalid', problem: /lone surrogate/ },
  ];
  for (const c of cases) {
    it(`dead-letters ${c.name}`, () => {
      const payload = c.name === 'invalid UTF-8' ? Buffer.from(c.payload, 'latin1') : Buffer.from(c.payload);
      const d = decodeMessage(c.topic ?? T, payload, registry, NOW);
      expect(d.dead).toHaveLength(1);
      expect(d.dead[0]?.reason).toBe(c.reason);
      expect(d.dead[0]?.problems.some((p) => c.problem.test(p))).toBe(true);
    });
  }

  it('keeps the good readings of a batch with bad ones', () => {
    const d = decodeMessage(T, Buffer.from(ok([inverterReading('ghost', NOW), inverterReading('inv1', NOW), { ...inverterReading('inv1', NOW), ac_power_w: Infinity }])), registry, NOW);
    expect(d.kind).toBe('telemetry');
    if (d.kind === 'telemetry') expect(d.batch.readings.map((r) => r.device)).toEqual(['inv1']);
    expect(d.dead.map((x) => x.reason)).toEqual(['unknown_device', 'invalid']); // Infinity is null in JSON
  });

  it('refuses a status whose integer is beyond 2^53 (InfluxDB could not take it as an integer field)', () => {
    const status = { schema: STATUS_SCHEMA, site: 's1', gateway: 'g1', online: true, ts: NOW, spool: { bytes: 2 ** 64, batches: 0, evictedBatches: 0 } };
    const d = decodeMessage(topics.status('s1', 'g1'), Buffer.from(JSON.stringify(status)), registry, NOW);
    expect(d.dead.map((x) => [x.reason, x.problems])).toEqual([['invalid', ['/spool/bytes: 18446744073709552000 is beyond 2^53 (InfluxDB integer fields and JSON numbers are not exact there)']]]);
  });

  it('refuses a status time InfluxDB cannot store, and keeps one from a gateway clock far ahead or behind', () => {
    const status = (ts: number) => Buffer.from(JSON.stringify({ schema: STATUS_SCHEMA, site: 's1', gateway: 'g1', online: false, ts }));
    const far = decodeMessage(topics.status('s1', 'g1'), status(9007199254740991), registry, NOW);
    expect(far.dead.map((x) => [x.reason, x.problems])).toEqual([['absurd_time', ["/ts: 9007199254740991 is after 2262-04-11, the end of InfluxDB's time"]]]);
    expect(decodeMessage(topics.status('s1', 'g1'), status(NOW + 30 * 86_400_000), registry, NOW).kind).toBe('status');
    expect(decodeMessage(topics.status('s1', 'g1'), status(5), registry, NOW).kind).toBe('status');
  });

  it('accepts a gateway status', () => {
    const status = { schema: STATUS_SCHEMA, site: 's1', gateway: 'g1', online: false, ts: NOW };
    expect(decodeMessage(topics.status('s1', 'g1'), Buffer.from(JSON.stringify(status)), registry, NOW).kind).toBe('status');
  });
});
