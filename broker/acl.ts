import { TOPIC_ROOT } from '../common/contract.ts';
import type { BrokerUser } from './credentials.ts';

/**
 * Who may do what (the same rules as broker/mosquitto.acl):
 * - a gateway publishes and subscribes only under sunshare/v1/{its site}/{its gateway}/;
 * - ingest subscribes to anything (shared subscriptions included) and publishes only dead letters;
 * - a monitor (the API's live status) subscribes under sunshare/v1/ and publishes nothing;
 * - nobody else gets anything (unknown clients are refused at connect).
 */
export function mayPublish(user: BrokerUser, topic: string): boolean {
  if (user.role === 'gateway') return topic.startsWith(`${TOPIC_ROOT}/${user.site}/${user.gateway}/`);
  if (user.role === 'ingest') return topic.startsWith(`${TOPIC_ROOT}/_deadletter/`);
  return false;
}

export function maySubscribe(user: BrokerUser, topic: string): boolean {
  if (user.role === 'ingest') return true;
  if (user.role === 'monitor') return topic.startsWith(`${TOPIC_ROOT}/`);
  // Wildcards after the gateway's own prefix cannot reach past it.
  return topic.startsWith(`${TOPIC_ROOT}/${user.site}/${user.gateway}/`);
}
