import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { STATUS_SCHEMA, topics, type GatewayStatus } from '../../common/contract.ts';
import { SunshareError } from '../../common/errors.ts';
import type { GatewayConfig } from '../config.ts';

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new SunshareError('CONFIG_UNREADABLE', `/${what.replace('.', '/')}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The status a broker publishes for us when the connection dies (retained, QoS 1). */
export function offlineStatus(cfg: GatewayConfig, ts = Date.now()): GatewayStatus {
  return { schema: STATUS_SCHEMA, site: cfg.site, gateway: cfg.gateway, online: false, ts };
}

/** mqtt.js options: credentials, TLS files, last will; reconnecting is mqtt.js's job. */
export function mqttClientOptions(cfg: GatewayConfig, clientIdSuffix = ''): IClientOptions {
  const m = cfg.mqtt;
  return {
    clientId: (m.clientId ?? `sunshare-gw-${cfg.site}-${cfg.gateway}`) + clientIdSuffix,
    username: m.username,
    password: m.password,
    ca: m.ca ? readPem(m.ca, 'mqtt.ca') : undefined,
    cert: m.cert ? readPem(m.cert, 'mqtt.cert') : undefined,
    key: m.key ? readPem(m.key, 'mqtt.key') : undefined,
    rejectUnauthorized: true,
    clean: true,
    keepalive: m.keepaliveSec,
    connectTimeout: m.connectTimeoutMs,
    reconnectPeriod: m.reconnectPeriodMs,
    // mqtt.js gives up for good after a refused CONNACK (bad credentials, not authorized): an
    // unattended gateway must keep trying, e.g. while the broker's password file is being fixed.
    reconnectOnConnackError: true,
    // mqtt-packet otherwise builds a table of 65,536 two-byte Buffers for message ids on the first
    // packet: 7-8 MB of heap for a box that sends a few packets a second (gateway.memory bench).
    writeCache: false,
    will: {
      topic: topics.status(cfg.site, cfg.gateway),
      payload: Buffer.from(JSON.stringify(offlineStatus(cfg))),
      qos: 1,
      retain: true,
    },
  };
}
