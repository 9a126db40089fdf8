import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/testing/index.ts';
import { Value } from '@sinclair/typebox/value';
import { STATUS_SCHEMA, topics, type GatewayStatus } from '../common/contract.ts';
import { openLedger } from '../common/ledger/index.ts';
import { silentLogger } from '../common/log.ts';
import { IngestConfig } from './config.ts';
import type { Inbound } from './consumer.ts';
import { ReadRecorder } from './energy/record.ts';
import { createInfluxWriter } from './influx-writer.ts';
import { decodeSafely, type Decoded } from './message.ts';
import { createIngestMetrics } from './metrics.ts';
import { isTransient, Pipeline } from './pipeline.ts';
import { Registry } from './registry.ts';
import { inverterReading, telemetry } from './testing/index.ts';

const caught = async (f: () => unknown): Promise<unknown> => {
  try {
    await f();
  } catch (err) {
    return err;
  }
  throw new RangeError('did not throw');
};

describe('which write failures are the store\'s (wait) and which are the message\'s (may be dead-lettered)', () => {
  it('a locked SQLite database and a refused connection are transient; a time zone that does not exist is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-transient-'));
    try {
      const a = new Database(join(dir, 'l.sqlite'));
      const b = new Database(join(dir, 'l.sqlite'), { timeout: 0 });
      a.exec('CREATE TABLE t (x)');
      a.exec('BEGIN EXCLUSIVE');
      const busy = await caught(() => b.exec('INSERT INTO t VALUES (1)'));
      a.exec('ROLLBACK');
      a.close();
      b.close();
      expect((busy as { code: string }).code).toBe('SQLITE_BUSY');
      expect(isTransient(busy)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const port = await freePort();
    const refused = await new Promise((resolve) => connect(port, '127.0.0.1').once('error', resolve));
    expect(isTransient(refused)).toBe(true);
    const zone = await caught(() => new Intl.DateTimeFormat('en', { timeZone: 'Mars/Olympus' }));
    expect(isTransient(zone)).toBe(false);
    expect(isTransient(new TypeError('x'))).toBe(false);
  });
});

describe('the guard around each message', () => {
  it('decodeSafely turns whatever the decoder throws into an internal dead letter naming the error', () => {
    // The registry is the decoder's one collaborator: a registry that throws stands for any bug met while decoding.
    const broken = { hasSite: () => { throw new RangeError('Maximum call stack size exceeded'); } } as unknown as Registry;
    const payload = Buffer.from(JSON.stringify(telemetry('s1', 'g1', 1, [inverterReading('inv1', Date.now())])));
    const d = decodeSafely(topics.telemetry('s1', 'g1'), payload, broken);
    expect(d).toMatchObject({ kind: 'dead', dead: [{ reason: 'internal', problems: ['/: RangeError: Maximum call stack size exceeded'], site: 's1', gateway: 'g1' }] });
  });

  it('prepare dead-letters a message it cannot turn into points as internal and keeps the others of the batch', async () => {
    const db = await openLedger(':memory:');
    const registry = new Registry(db);
    const pipeline = new Pipeline({
      writer: createInfluxWriter((Value.Default(IngestConfig, { influx: { database: 'x' } }) as IngestConfig).influx, () => undefined),
      db,
      recorder: new ReadRecorder({ graceMs: 0, markCacheMs: 0 }),
      registry,
      metrics: createIngestMetrics(),
      log: silentLogger,
      publish: async () => undefined,
      maxLetterBytes: 1 << 20,
    });
    const inbound = (topic: string, value: Decoded): Inbound<Decoded> => ({ topic, payload: Buffer.from('{}'), dup: false, receivedAt: Date.now(), value, weight: 1, qos: 1, messageId: 1, generation: 1 });
    const good = telemetry('s1', 'g1', 1, [inverterReading('inv1', Date.now())]);
    // A status the decoder now refuses (an integer beyond 2^53): InfluxDB's point builder throws on it.
    const impossible: GatewayStatus = { schema: STATUS_SCHEMA, site: 's1', gateway: 'g2', online: true, ts: Date.now(), spool: { bytes: 2 ** 64, batches: 0, evictedBatches: 0 } };
    const p = pipeline.prepare([inbound(topics.status('s1', 'g2'), { kind: 'status', status: impossible, dead: [] }), inbound(topics.telemetry('s1', 'g1'), { kind: 'telemetry', batch: good, dead: [] })]);
    expect(p.readings).toBe(1);
    expect(p.letters.map((l) => [l.reason, l.topic, l.site, l.gateway])).toEqual([['internal', topics.status('s1', 'g2'), 's1', 'g2']]);
    expect(p.letters[0]!.error).toMatch(/^\/: \w*Error: /);
    await db.close();
  });
});
