import { userInfo } from 'node:os';
import { SunshareError } from '../../common/errors.ts';
import { ledgerUrl, openLedger, type Db } from '../../common/ledger/index.ts';
import { listDeadLetters, requestReplays, type DeadLetterFilter, type ListedDeadLetter } from './store.ts';

/** `sunshare ingest dead-letters list|replay`: the options both take. */
export interface DeadLetterFlags {
  ledger?: string;
  reason?: string;
  site?: string;
  since?: string;
  id?: string[];
  limit?: number;
  json?: boolean;
  all?: boolean;
  by?: string;
  wait?: number;
}

/** `--since`: an ISO 8601 date or time (a date means its start, UTC). */
export function parseSince(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  if (Number.isNaN(ms)) throw new SunshareError('OPTION_INVALID', `--since ${text} is not a date (YYYY-MM-DD) or an ISO 8601 time`);
  return ms;
}

export function filterOf(f: DeadLetterFlags): DeadLetterFilter {
  const since = parseSince(f.since);
  return {
    ...(f.id && f.id.length > 0 ? { ids: f.id } : {}),
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f.site ? { site: f.site } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(f.limit !== undefined ? { limit: f.limit } : {}),
  };
}

/** Opens an existing ledger only: listing or replaying must not create an empty one. */
async function openExisting(flag: string | undefined): Promise<Db> {
  return openLedger(ledgerUrl(flag), { mustExist: true });
}

const PREVIEW = 120;
const lastReplay = (l: ListedDeadLetter) => {
  const r = l.replays.at(-1);
  if (!r) return '-';
  return r.doneAt === null ? `replay ${r.attempt} pending` : `replay ${r.attempt} ${r.outcome ?? ''}`;
};

/** One line per letter: id, time, reason, topic, size, replay state, the first problem and the payload's start. */
export function formatLetters(items: ListedDeadLetter[], total: number): string {
  const lines = items.map((l) => {
    const problem = l.error.split('\n')[0] ?? '';
    const start = l.payload.toString('utf8', 0, Math.min(l.payload.length, PREVIEW)).replace(/\s+/g, ' ');
    return `${l.id}  ${new Date(l.receivedAt).toISOString()}  ${l.reason}  ${l.topic}  ${l.payloadBytes} B${l.truncated ? ' (truncated)' : ''}  ${lastReplay(l)}\n    ${problem}\n    ${start}`;
  });
  return [...lines, `${items.length} of ${total} dead letters`].join('\n');
}

export async function runListCommand(f: DeadLetterFlags): Promise<string> {
  const db = await openExisting(f.ledger);
  try {
    const { items, total } = await listDeadLetters(db, filterOf(f));
    if (!f.json) return formatLetters(items, total);
    return JSON.stringify({ total, items: items.map(({ payload, ...l }) => ({ ...l, payloadBase64: payload.toString('base64') })) }, null, 2);
  } finally {
    await db.close();
  }
}

/**
 * Queues the matching letters for the running ingest to replay; with --wait, waits that many seconds
 * for their outcomes. Needs a filter, or --all.
 */
export async function runReplayCommand(f: DeadLetterFlags): Promise<{ text: string; failed: boolean }> {
  const filter = filterOf(f);
  if (!f.all && filter.ids === undefined && filter.reason === undefined && filter.site === undefined && filter.since === undefined) {
    throw new SunshareError('OPTION_INVALID', 'say which dead letters to replay: --id, --reason, --site, --since, or --all');
  }
  const db = await openExisting(f.ledger);
  try {
    const r = await requestReplays(db, filter, f.by ?? `cli:${userInfo().username}`);
    const out = [`${r.requested.length} queued for replay by the running ingest`, ...r.skipped.map((s) => `${s.id} skipped: ${s.why.replace('_', ' ')}`)];
    let failed = false;
    if (f.wait && r.requested.length > 0) {
      const ids = r.requested.map((x) => x.id);
      const deadline = Date.now() + f.wait * 1000;
      let items: ListedDeadLetter[] = [];
      for (;;) {
        items = (await listDeadLetters(db, { ids, limit: ids.length })).items;
        const open = items.filter((l) => l.replays.at(-1)?.doneAt === null);
        if (open.length === 0 || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      for (const l of items) {
        const last = l.replays.at(-1);
        if (last?.outcome !== 'written') failed = true;
        out.push(`${l.id} ${last?.doneAt === null ? 'still pending (is ingest running?)' : `${last?.outcome}${last?.detail ? `: ${last.detail.split('\n')[0]}` : ''}`}`);
      }
    }
    return { text: out.join('\n'), failed };
  } finally {
    await db.close();
  }
}
