import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '../../common/contract.ts';
import { decodeGatewayMessage } from '../../common/gateway-message.ts';
import { SunshareError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { LiveStatusStore } from './store.ts';

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
    const m = decodeGatewayMessage(topic, payload);
    if (!m) return;
    if (!m.ok && m.why === 'not_json') {
      opts.onMessage?.('rejected');
      opts.log.warn({ topic }, 'live feed: message is not JSON');
      return;
    }
    if (!m.ok || m.body.site !== m.site || m.body.gateway !== m.gateway) {
      opts.onMessage?.('rejected');
      opts.log.warn({ topic, problems: m.ok ? [] : m.problems.slice(0, 5) }, 'live feed: message breaks the contract');
      return;
    }
    if (m.kind === 'status') opts.store.applyStatus(m.body);
    else opts.store.applyTelemetry(m.body);
    opts.onMessage?.(m.kind);
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
