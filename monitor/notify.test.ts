import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import { waitFor } from '../common/testing/index.ts';
import type { Change } from './alarms/engine.ts';
import type { Alarm } from './alarms/store.ts';
import { emailSender } from './notify/email.ts';
import { Notifier, type Channel } from './notify/notifier.ts';
import { sendWebhook, type WebhookFormat } from './notify/webhook.ts';
import { mailText, startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from './testing/receiver.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function alarm(i: number, over: Partial<Alarm> = {}): Alarm {
  return {
    id: `id${i}`, key: `device_offline:s1:inv${i}::`, kind: 'device_offline', severity: 'major', site: 's1', device: `inv${i}`, gateway: 'gw1',
    message: `inverter inv${i} at s1: no reading for 3 cycles`, details: {}, stopsGeneration: true, raisedAt: Date.UTC(2026, 5, 21, 4), acknowledgedAt: null, acknowledgedBy: null,
    clearedAt: null, lostWh: 0, lostFen: 0, householdsFen: 0, companyFen: 0, households: 0, ...over,
  };
}
const raised = (i: number, over: Partial<Alarm> = {}): Change => ({ type: 'raised', alarm: alarm(i, over) });

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  cleanups.push(() => r.close());
  return r;
}

function webhookChannel(r: WebhookReceiver, format: WebhookFormat): Channel {
  return { name: format, send: (m) => sendWebhook(r.url, format, m) };
}

describe('webhook formats', () => {
  it('posts WeCom group-robot markdown: msgtype markdown, markdown.content', async () => {
    const r = await receiver();
    const n = new Notifier([webhookChannel(r, 'wecom')], { batchMs: 0, digestOver: 3, perMinute: 10, minSeverity: 'warning' }, silentLogger);
    n.push([raised(1)]);
    await waitFor(async () => r.received.length === 1, 'one webhook');
    const body = r.received[0]!.body as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(Object.keys(body.markdown)).toEqual(['content']);
    expect(body.markdown.content).toContain('inverter inv1 at s1: no reading for 3 cycles');
    expect(body.markdown.content).toContain('告警 RAISED');
  });

  it('posts DingTalk group-robot markdown: msgtype markdown, markdown.title and markdown.text', async () => {
    const r = await receiver();
    const n = new Notifier([webhookChannel(r, 'dingtalk')], { batchMs: 0, digestOver: 3, perMinute: 10, minSeverity: 'warning' }, silentLogger);
    n.push([{ type: 'cleared', alarm: alarm(2, { clearedAt: Date.UTC(2026, 5, 21, 5), lostWh: 12_345, lostFen: 1012, householdsFen: 810, companyFen: 202, households: 20 }) }]);
    await waitFor(async () => r.received.length === 1, 'one webhook');
    const body = r.received[0]!.body as { msgtype: string; markdown: { title: string; text: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toContain('CLEARED');
    expect(body.markdown.text).toContain('lost 12.3 kWh = ¥10.12 (households ¥8.10, company ¥2.02)');
  });

  it('retries a webhook that answered 500, and does not send twice', async () => {
    const r = await receiver();
    r.failNext(1);
    const n = new Notifier([webhookChannel(r, 'wecom')], { batchMs: 10, digestOver: 3, perMinute: 10, minSeverity: 'warning' }, silentLogger);
    n.push([raised(1)]);
    await waitFor(async () => r.received.length === 1, 'delivered on the retry', 5000);
    await new Promise((res) => setTimeout(res, 1200));
    expect(r.received).toHaveLength(1);
    expect(n.stats.failures).toBe(1);
  });
});

describe('e-mail over SMTP', () => {
  it('sends each change to the configured recipients through a local SMTP sink', async () => {
    const sink: SmtpSink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const mail = emailSender({ host: '127.0.0.1', port: sink.port, secure: false, from: 'monitor@sunshare.test', to: ['ops@sunshare.test', 'lead@sunshare.test'] });
    cleanups.push(async () => mail.close());
    const n = new Notifier([{ name: 'email', send: (m) => mail.send(m) }], { batchMs: 0, digestOver: 3, perMinute: 10, minSeverity: 'warning' }, silentLogger);
    n.push([raised(7)]);
    await waitFor(async () => sink.mails.length === 1, 'one mail', 10_000);
    expect(sink.mails[0]!.from).toBe('monitor@sunshare.test');
    expect(sink.mails[0]!.to).toEqual(['ops@sunshare.test', 'lead@sunshare.test']);
    const { subject, body } = mailText(sink.mails[0]!.raw);
    expect(subject).toBe('Sunshare 告警 RAISED: device_offline s1/inv7');
    expect(body).toContain('[major] 告警 RAISED: inverter inv7 at s1: no reading for 3 cycles');
  });
});

describe('no storms', () => {
  it('sends one message per change when few change at once', async () => {
    const r = await receiver();
    const n = new Notifier([webhookChannel(r, 'json')], { batchMs: 50, digestOver: 3, perMinute: 10, minSeverity: 'warning' }, silentLogger);
    n.push([raised(1), raised(2)]);
    await waitFor(async () => r.received.length === 2, 'two messages');
    expect(n.stats).toMatchObject({ messages: 2, digests: 0, changes: 2 });
  });

  it('sends one digest when many change at once (a site going dark)', async () => {
    const r = await receiver();
    const n = new Notifier([webhookChannel(r, 'wecom')], { batchMs: 50, digestOver: 3, perMinute: 10, minSeverity: 'warning' }, silentLogger);
    n.push(Array.from({ length: 12 }, (_, i) => raised(i)));
    await waitFor(async () => r.received.length === 1, 'one digest');
    await new Promise((res) => setTimeout(res, 200));
    expect(r.received).toHaveLength(1);
    const text = (r.received[0]!.body as { markdown: { content: string } }).markdown.content;
    expect(text).toContain('digest: 12 raised');
    for (let i = 0; i < 12; i++) expect(text).toContain(`inverter inv${i} at s1`);
  });

  it('holds what is over the per-minute limit and sends it later as a digest, losing nothing', async () => {
    const r = await receiver();
    let now = 0;
    const n = new Notifier([webhookChannel(r, 'json')], { batchMs: 10, digestOver: 3, perMinute: 2, minSeverity: 'warning' }, silentLogger, () => now);
    n.push([raised(1)]);
    await waitFor(async () => r.received.length === 1, 'first');
    n.push([raised(2)]);
    await waitFor(async () => r.received.length === 2, 'second');
    n.push([raised(3)]);
    n.push([raised(4)]);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.received).toHaveLength(2);
    now = 61_000;
    await waitFor(async () => r.received.length === 3, 'the held ones, next minute', 5000);
    const last = r.received[2]!.body as { changes: { alarm: { device: string } }[] };
    expect(last.changes.map((c) => c.alarm.device)).toEqual(['inv3', 'inv4']);
  });

  it('leaves out changes below the minimum severity', async () => {
    const r = await receiver();
    const n = new Notifier([webhookChannel(r, 'json')], { batchMs: 0, digestOver: 3, perMinute: 10, minSeverity: 'major' }, silentLogger);
    n.push([raised(1, { severity: 'minor' }), raised(2, { severity: 'critical' })]);
    await waitFor(async () => r.received.length === 1, 'one');
    await new Promise((res) => setTimeout(res, 100));
    expect((r.received[0]!.body as { changes: { alarm: { device: string } }[] }).changes[0]!.alarm.device).toBe('inv2');
    expect(r.received).toHaveLength(1);
  });
});
