import { Value } from '@sinclair/typebox/value';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { TELEMETRY_SCHEMA, topics, type Reading, type TelemetryBatch } from '../../common/contract.ts';
import { DEFAULT_TIME_ZONE } from '../../common/index.ts';
import type { Db } from '../../common/ledger/index.ts';
import type { InfluxServer } from '../../common/testing/index.ts';
import { seedRegistry as seedSites } from '../../payout/testing/index.ts';
import { IngestConfig } from '../config.ts';

/** Helpers for ingest's tests and bench: registry rows, gateway-shaped messages, read-back. */

export const uid = () => Math.random().toString(36).slice(2, 8);

export async function seedRegistry(db: Db, site: string, devices: { id: string; kind: 'inverter' | 'meter' }[], timeZone = DEFAULT_TIME_ZONE): Promise<void> {
  await seedSites(db, [{ id: site, name: site, capacityW: 300_000, timeZone, devices }]);
}

export function ingestConfig(o: { mqttUrl: string; clientId: string; influxUrl: string; database: string; ledger: string; sites?: string[]; username?: string; password?: string; sharedGroup?: string }): IngestConfig {
  return Value.Default(IngestConfig, {
    mqtt: {
      url: o.mqttUrl,
      clientId: o.clientId,
      ...(o.sites ? { sites: o.sites } : {}),
      ...(o.username ? { username: o.username, password: o.password } : {}),
      ...(o.sharedGroup ? { sharedGroup: o.sharedGroup } : {}),
    },
    influx: { url: o.influxUrl, database: o.database },
    ledger: o.ledger,
    batch: { maxWaitMs: 20, retryDelayMs: 100 },
    energy: { closeEveryMs: 0 },
  }) as IngestConfig;
}

/** An inverter reading whose counter grows 1 Wh per second of ts (so daily energy is predictable). */
export function inverterReading(device: string, ts: number, base = 1_000_000): Reading {
  return { device, kind: 'inverter', ts, ac_power_w: 3600, ac_energy_wh: base + Math.floor(ts / 1000) % 1_000_000_000, state: 'mppt', serial: `SN-${device}` };
}

export function telemetry(site: string, gateway: string, seq: number, readings: Reading[], sentAt = Date.now()): TelemetryBatch {
  return { schema: TELEMETRY_SCHEMA, site, gateway, seq, sentAt, readings };
}

export async function connectClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = mqtt.connect(url, { reconnectPeriod: 200, ...opts });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

export async function publishBatch(c: MqttClient, b: TelemetryBatch): Promise<void> {
  await c.publishAsync(topics.telemetry(b.site, b.gateway), JSON.stringify(b), { qos: 1 });
}

/** `device|epochMs` of every point of a measurement (InfluxQL, read back from the real server). */
export async function pointKeys(influx: InfluxServer, database: string, measurement: string, where = ''): Promise<string[]> {
  const r = await influx.query(`SELECT * FROM "${measurement}" ${where}`, database);
  const s = r.results[0]?.series?.[0];
  if (!s) return [];
  const ti = s.columns.indexOf('time');
  const di = s.columns.indexOf('device');
  return s.values.map((v) => `${String(v[di])}|${Date.parse(String(v[ti]))}`);
}

export async function countPoints(influx: InfluxServer, database: string, measurement: string): Promise<number> {
  const r = await influx.query(`SELECT COUNT(*) FROM "${measurement}"`, database);
  const s = r.results[0]?.series?.[0];
  if (!s) return 0;
  return Math.max(...(s.values[0]!.slice(1) as number[]));
}
export { insertDeadLetters, letterRows } from '../dead-letters/store.ts';
