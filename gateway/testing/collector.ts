import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { GatewayStatus, TelemetryBatch } from '../../common/contract.ts';
import { validator } from '../../common/validate.ts';

/** Config for a private Mosquitto that drops nothing for being queued (the defaults hold 1000). */
export const PERSISTENT_MOSQUITTO = 'max_queued_messages 0\nmax_inflight_messages 0\n';

const telemetry = validator(TelemetryBatch);
const status = validator(GatewayStatus);

export interface Collector {
  batches: TelemetryBatch[];
  statuses: GatewayStatus[];
  invalid: string[];
  /** When each seq first arrived (performance.now(), taken as the message is received). */
  arrivals: Map<number, number>;
  seqs(): Set<number>;
  /** seqs from 0..last that never arrived. */
  missing(last: number): number[];
  close(): Promise<void>;
}

/** Subscribes to one gateway's topics and validates every message against the contract. */
export async function collect(url: string, topicPrefix: string, opts: IClientOptions = {}): Promise<Collector> {
  const client: MqttClient = await mqtt.connectAsync(url, { clientId: `collector-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 200, ...opts });
  const c: Collector = {
    batches: [],
    statuses: [],
    invalid: [],
    arrivals: new Map(),
    seqs: () => new Set(c.batches.map((b) => b.seq)),
    missing: (last) => {
      const have = c.seqs();
      const out: number[] = [];
      for (let s = 0; s <= last; s++) if (!have.has(s)) out.push(s);
      return out;
    },
    close: () => client.endAsync(true),
  };
  client.on('message', (topic, payload) => {
    const msg: unknown = JSON.parse(payload.toString());
    if (topic.endsWith('/telemetry')) {
      if (telemetry.check(msg)) {
        c.batches.push(msg);
        if (!c.arrivals.has(msg.seq)) c.arrivals.set(msg.seq, performance.now());
      }
      else c.invalid.push(telemetry.problems(msg).join('; '));
    } else if (topic.endsWith('/status')) {
      if (status.check(msg)) c.statuses.push(msg);
      else c.invalid.push(status.problems(msg).join('; '));
    }
  });
  await client.subscribeAsync(`${topicPrefix}/#`, { qos: 1 });
  return c;
}
