import type { Change } from '../alarms/engine.ts';

/** What a channel sends: a subject line and a markdown-ish body, for one change or a digest of several. */
export interface Message {
  subject: string;
  body: string;
  changes: Change[];
}

const VERB: Record<Change['type'], string> = { raised: '告警 RAISED', acknowledged: '已确认 ACKNOWLEDGED', cleared: '已恢复 CLEARED' };
const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + 'Z';

function line(c: Change): string {
  const a = c.alarm;
  const parts = [`[${a.severity}] ${VERB[c.type]}: ${a.message}`];
  if (c.type === 'acknowledged' && a.acknowledgedBy) parts.push(`by ${a.acknowledgedBy}`);
  parts.push(`since ${at(a.raisedAt)}`);
  if (c.type === 'cleared' && a.clearedAt !== null) parts.push(`until ${at(a.clearedAt)}`);
  if (a.lostFen > 0) parts.push(`lost ${(a.lostWh / 1000).toFixed(1)} kWh = ${yuan(a.lostFen)} (households ${yuan(a.householdsFen)}, company ${yuan(a.companyFen)})`);
  return parts.join(' · ');
}

export function singleMessage(c: Change): Message {
  return { subject: `Sunshare ${VERB[c.type]}: ${c.alarm.kind} ${c.alarm.site}${c.alarm.device ? `/${c.alarm.device}` : ''}`, body: line(c), changes: [c] };
}

/** Many changes at once (a site going dark raises one per device): one message listing them all. */
export function digestMessage(changes: Change[]): Message {
  const count = (t: Change['type']) => changes.filter((c) => c.type === t).length;
  const sites = [...new Set(changes.map((c) => c.alarm.site))];
  return {
    subject: `Sunshare digest: ${count('raised')} raised, ${count('cleared')} cleared, ${count('acknowledged')} acknowledged at ${sites.join(', ')}`,
    body: changes.map((c) => `- ${line(c)}`).join('\n'),
    changes,
  };
}
