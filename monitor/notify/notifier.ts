import type { Logger } from '../../common/log.ts';
import type { Change } from '../alarms/engine.ts';
import { SEVERITIES, type Severity } from '../detect/condition.ts';
import { digestMessage, singleMessage, type Message } from './message.ts';

export interface Channel {
  name: string;
  send(m: Message): Promise<void>;
}

export interface NotifierOptions {
  batchMs: number;
  digestOver: number;
  perMinute: number;
  minSeverity: Severity;
}

export interface NotifierStats {
  messages: number;
  digests: number;
  failures: number;
  changes: number;
}

const MAX_ATTEMPTS = 3;

/**
 * One notification per alarm change, on every channel. Changes that arrive
 * within `batchMs` go out together: up to `digestOver` as one message each,
 * more as one digest. A channel sends at most `perMinute` messages a minute;
 * what is over waits and goes out as a digest in the next minute, so a storm
 * of alarms is a few messages, and nothing is lost. A failed send is retried
 * with the next batch (three attempts in all).
 */
export class Notifier {
  readonly stats: NotifierStats = { messages: 0, digests: 0, failures: 0, changes: 0 };
  private readonly queues: Map<string, { change: Change; attempts: number; held: boolean }[]>;
  private readonly sentAt: Map<string, number[]>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly channels: Channel[];
  private readonly opts: NotifierOptions;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(channels: Channel[], opts: NotifierOptions, log: Logger, now: () => number = Date.now) {
    this.channels = channels;
    this.opts = opts;
    this.log = log;
    this.now = now;
    this.queues = new Map(channels.map((c) => [c.name, []]));
    this.sentAt = new Map(channels.map((c) => [c.name, []]));
  }

  push(changes: readonly Change[]): void {
    const min = SEVERITIES.indexOf(this.opts.minSeverity);
    const wanted = changes.filter((c) => SEVERITIES.indexOf(c.alarm.severity) <= min);
    if (wanted.length === 0) return;
    for (const q of this.queues.values()) q.push(...wanted.map((change) => ({ change, attempts: 0, held: false })));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.flush());
    }, this.opts.batchMs);
  }

  /** Sends what is queued now (what the rate limit allows). */
  async flush(): Promise<void> {
    let held = false;
    for (const ch of this.channels) {
      const queue = this.queues.get(ch.name)!;
      if (queue.length === 0) continue;
      const sent = this.sentAt.get(ch.name)!;
      const now = this.now();
      while (sent.length > 0 && sent[0]! <= now - 60_000) sent.shift();
      const budget = this.opts.perMinute - sent.length;
      if (budget <= 0) {
        for (const i of queue) i.held = true;
        held = true;
        continue;
      }
      const items = queue.splice(0, queue.length);
      const messages: { m: Message; items: typeof items }[] =
        items.length > this.opts.digestOver || items.length > budget || items.some((i) => i.held)
          ? [{ m: digestMessage(items.map((i) => i.change)), items }]
          : items.map((i) => ({ m: singleMessage(i.change), items: [i] }));
      for (const { m, items: its } of messages) {
        try {
          await ch.send(m);
          sent.push(this.now());
          this.stats.messages++;
          if (its.length > 1) this.stats.digests++;
          this.stats.changes += its.length;
        } catch (err) {
          this.stats.failures++;
          const retry = its.filter((i) => ++i.attempts < MAX_ATTEMPTS);
          this.log.warn({ channel: ch.name, err: (err as Error).message, retrying: retry.length, dropped: its.length - retry.length }, 'monitor: notification failed');
          queue.push(...retry);
          held = true;
        }
      }
    }
    if (held && !this.timer) this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.flush());
    }, Math.max(this.opts.batchMs, 1000));
  }

  /** Waits for the sends in flight, then sends what is queued once more (as far as the rate limit allows). */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
