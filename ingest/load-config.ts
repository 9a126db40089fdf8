import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../common/config.ts';
import { SunshareError } from '../common/errors.ts';
import { ledgerUrl, openLedger } from '../common/ledger/index.ts';
import { IngestConfig } from './config.ts';
import { closeEnergyDays, type CloseEnergyDaysResult } from './energy/close-days.ts';
import { Registry } from './registry.ts';

type Raw = Record<string, Record<string, unknown> | unknown>;

/** What `sunshare ingest` takes on its command line, over the config file. */
export interface IngestFlags {
  config?: string;
  mqtt?: string;
  clientId?: string;
  sharedGroup?: string;
  influx?: string;
  database?: string;
  org?: string;
  bucket?: string;
  ledger?: string;
  httpPort?: number;
}

/** The config file (if any) with CLI flags and environment secrets laid over it, validated with every problem listed. */
export function loadIngestConfig(flags: IngestFlags): IngestConfig {
  let raw: Raw = {};
  if (flags.config) {
    try {
      raw = (parseYaml(readFileSync(flags.config, 'utf8')) as Raw | null) ?? {};
    } catch (err) {
      throw new SunshareError('CONFIG_UNREADABLE', `cannot read ingest config ${flags.config}: ${(err as Error).message}`, { cause: err });
    }
  }
  const mqtt = { ...(raw.mqtt as object) } as Record<string, unknown>;
  const influx = { ...(raw.influx as object) } as Record<string, unknown>;
  if (flags.mqtt) mqtt.url = flags.mqtt;
  if (flags.clientId) mqtt.clientId = flags.clientId;
  if (flags.sharedGroup) mqtt.sharedGroup = flags.sharedGroup;
  if (process.env.MQTT_USERNAME) mqtt.username = process.env.MQTT_USERNAME;
  if (process.env.MQTT_PASSWORD) mqtt.password = process.env.MQTT_PASSWORD;
  if (flags.influx) influx.url = flags.influx;
  if (flags.database) influx.database = flags.database;
  if (flags.org) influx.org = flags.org;
  if (flags.bucket) influx.bucket = flags.bucket;
  if (process.env.INFLUX_TOKEN) influx.token = process.env.INFLUX_TOKEN;
  const http = flags.httpPort !== undefined ? { ...(raw.http as object), port: flags.httpPort } : (raw.http ?? { port: 9102 });
  return parseConfig({ ...raw, mqtt, influx, http, ...(flags.ledger ? { ledger: flags.ledger } : {}) }, IngestConfig, flags.config ?? 'ingest flags');
}

export async function runCloseEnergyDaysCommand(ledger: string | undefined, graceMs: number): Promise<CloseEnergyDaysResult> {
  const db = await openLedger(ledgerUrl(ledger));
  try {
    const registry = new Registry(db);
    await registry.refresh();
    return await closeEnergyDays(db, { now: Date.now(), graceMs, maxGapMs: 3_600_000, tzOf: registry.tzOf });
  } finally {
    await db.close();
  }
}
