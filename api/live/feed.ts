import mqtt, { type MqttClient } from 'mqtt';
import { GatewayStatus, TelemetryBatch, parseTopic, topics } from '../../common/contract.ts';
import { SunshareError } from '../../common/errors.ts';
import { validator } from '../../common/validate.ts';
import type { Logger } from '../../common/log.ts';
import type { LiveStatusStore } from './store.ts';

const statusV = validator(GatewayStatus);
const batchV = validator(TelemetryBatch);

export interface LiveFeedOptions {
  url: string;
  store: LiveStatusStore;
  log: Logger;
  clientId?: string;
  username?: string;
  password?: string;
  /** Called with 'status' | 'telemetry' | 'rejected' per message, for metrics. */
  onMessage?: (kind: 'status' | 'telemetry' | 'rejected') => void;
}

export interface LiveFeed {
  readonly client: MqttClient;
  close(): Promise<void>;
}

/**
 * Subscribes to every gateway's status and telemetry and feeds the live store.
 * QoS 0 and a clean session are right here: this is a live view, not the
 * settlement path (ingest keeps that one lossless). A message that breaks the
 * contract is counted and logged, never applied.
 */
export async function startLiveFeed(opts: LiveFeedOptions): Promise<LiveFeed> {
  const client = mqtt.connect(opts.url, {
    clientId: opts.clientId ?? `sunshare-api-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    clean: true,
    reconnectPeriod: 2000,
    username: opts.username,
    password: opts.password,
  });
  client.on('error', (err) => opts.log.warn({ err: err.message }, 'live feed: MQTT error'));
  client.on('message', (topic, payload) => {
    const where = parseTopic(topic);
    if (!where) return;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      opts.onMessage?.('rejected');
      opts.log.warn({ topic }, 'live feed: message is not JSON');
      return;
    }
    const v = where.kind === 'status' ? statusV : batchV;
    const problems = v.problems(body);
    if (problems.length > 0 || (body as { site: string }).site !== where.site || (body as { gateway: string }).gateway !== where.gateway) {
      opts.onMessage?.('rejected');
      opts.log.warn({ topic, problems: problems.slice(0, 5) }, 'live feed: message breaks the contract');
      return;
    }
    if (where.kind === 'status') opts.store.applyStatus(body as GatewayStatus);
    else opts.store.applyTelemetry(body as TelemetryBatch);
    opts.onMessage?.(where.kind);
  });
  client.on('connect', () => {
    client.subscribe([topics.allStatus, topics.allTelemetry], { qos: 0 }, (err) => {
      if (err) opts.log.error({ err: err.message }, 'live feed: subscribe failed');
    });
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SunshareError('MQTT_CONNECT_FAILED', `live feed: no MQTT connection to ${opts.url} within 10 s`)), 10_000);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  }).catch((err: Error) => {
    client.end(true);
    throw err;
  });
  return {
    client,
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}
