import type { AedesPublishPacket, Client } from 'aedes';

/**
 * Exact "send each message to a client once", replacing aedes' ordered one.
 *
 * aedes 1.x (`dedupe` in aedes/lib/client.js) drops a message for a client when
 * a message with a higher broker counter has already reached that client: it
 * assumes messages reach a client in publish order. With the on-disk store they
 * do not. A message for a persistent session (clean: false) is written to
 * LevelDB before it is sent, and those writes finish out of order — a retained
 * status is first written to the retained store, so the telemetry a gateway
 * publishes right after it overtakes it. The overtaken message was then not
 * sent at all; it stayed queued on disk and went out only with the client's
 * next reconnect. To everyone else it was acknowledged and lost (docs/ingest.md).
 *
 * aedes' check is switched off per client (a `duplicates` map that remembers
 * nothing) and replaced in authorizeForward by an exact one: a live message is
 * dropped only if that very message (broker id + counter) was already forwarded
 * to the client, i.e. for a second matching subscription. Messages replayed
 * from the store at connect already carry a message id and always pass (aedes
 * deletes a replayed message that authorizeForward refuses).
 * Upstream: moscajs/aedes#955, #994 (open), PR #972 (this same fix, unmerged).
 */
const REMEMBERED_PER_CLIENT = 10_000;

const remembersNothing: Record<string, number> = new Proxy(Object.create(null) as Record<string, number>, {
  get: () => undefined,
  set: () => true,
  deleteProperty: () => true,
});

export interface ForwardOnce {
  /** aedes preConnect: turns off the ordered check for this client. */
  preConnect: (client: Client, packet: unknown, done: (error: Error | null, success: boolean) => void) => void;
  /** aedes authorizeForward: the exact check. */
  authorizeForward: (client: Client, packet: AedesPublishPacket) => AedesPublishPacket | null;
}

export function forwardOnce(): ForwardOnce {
  const forwarded = new WeakMap<Client, Set<string>>();
  return {
    preConnect(client, _packet, done) {
      (client as unknown as { duplicates: Record<string, number> }).duplicates = remembersNothing;
      done(null, true);
    },
    authorizeForward(client, packet) {
      const { brokerId, brokerCounter } = packet;
      if (packet.messageId !== undefined || !brokerId || !brokerCounter) return packet;
      const key = `${brokerId}:${brokerCounter}`;
      let seen = forwarded.get(client);
      if (!seen) forwarded.set(client, (seen = new Set()));
      if (seen.has(key)) return null;
      seen.add(key);
      if (seen.size > REMEMBERED_PER_CLIENT) seen.delete(seen.values().next().value!);
      return packet;
    },
  };
}
