import { SunshareError } from '../../common/errors.ts';
import type { Message } from './message.ts';

export type WebhookFormat = 'wecom' | 'dingtalk' | 'json';

/**
 * The body a group robot takes: WeCom (企业微信) and DingTalk (钉钉) both take
 * `msgtype: markdown`; WeCom's markdown has only `content`, DingTalk's a
 * `title` and `text`. `json` sends the changes themselves.
 */
export function webhookBody(format: WebhookFormat, m: Message): unknown {
  const markdown = `**${m.subject}**\n${m.body}`;
  if (format === 'wecom') return { msgtype: 'markdown', markdown: { content: markdown } };
  if (format === 'dingtalk') return { msgtype: 'markdown', markdown: { title: m.subject, text: markdown } };
  return { subject: m.subject, changes: m.changes.map((c) => ({ type: c.type, alarm: c.alarm })) };
}

/** POSTs the message; a non-2xx answer or a robot's non-zero errcode is a failure to retry. */
export async function sendWebhook(url: string, format: WebhookFormat, m: Message, timeoutMs = 10_000): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(webhookBody(format, m)), signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new SunshareError('MONITOR_NOTIFY_FAILED', `webhook ${new URL(url).host} answered ${res.status}: ${text.slice(0, 200)}`);
  if (format !== 'json' && text) {
    const errcode = (JSON.parse(text) as { errcode?: number }).errcode;
    if (errcode !== undefined && errcode !== 0) throw new SunshareError('MONITOR_NOTIFY_FAILED', `webhook ${new URL(url).host} refused the message: ${text.slice(0, 200)}`);
  }
}
