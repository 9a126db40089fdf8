import { GatewayStatus, TelemetryBatch, parseTopic } from './contract.ts';
import { validator } from './validate.ts';

const checkBatch = validator(TelemetryBatch);
const checkStatus = validator(GatewayStatus);

/** A gateway's message as a subscriber (the API's live feed, the monitor) receives it. */
export type GatewayMessage =
  | { ok: true; kind: 'telemetry'; site: string; gateway: string; body: TelemetryBatch }
  | { ok: true; kind: 'status'; site: string; gateway: string; body: GatewayStatus }
  | { ok: false; kind: 'telemetry' | 'status'; why: 'not_json' | 'contract'; problems: string[] };

/**
 * Decodes a message on a telemetry or status topic: undefined when the topic
 * is not one; otherwise the validated body, or why it was refused.
 */
export function decodeGatewayMessage(topic: string, payload: Buffer): GatewayMessage | undefined {
  const where = parseTopic(topic);
  if (!where) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, kind: where.kind, why: 'not_json', problems: [] };
  }
  const problems = (where.kind === 'status' ? checkStatus : checkBatch).problems(body);
  if (problems.length > 0) return { ok: false, kind: where.kind, why: 'contract', problems };
  return where.kind === 'status'
    ? { ok: true, kind: 'status', site: where.site, gateway: where.gateway, body: body as GatewayStatus }
    : { ok: true, kind: 'telemetry', site: where.site, gateway: where.gateway, body: body as TelemetryBatch };
}
