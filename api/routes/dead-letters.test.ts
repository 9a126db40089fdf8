import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger, type Db } from '../../common/ledger/index.ts';
import { insertDeadLetters, letterRows } from '../../ingest/testing/index.ts';
import { buildApp } from '../app.ts';
import { createToken } from '../auth/tokens.ts';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
interface Letter { id: string; reason: string; topic: string; error: string; payloadBase64?: string; replays: { outcome: string | null; requestedBy: string }[] }

describe('GET /dead-letters and POST /dead-letters/replay', () => {
  let db: Db;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};
  const bad = Buffer.from([0x7b, 0xc3, 0x28, 0xff]); // not UTF-8: kept byte for byte

  beforeAll(async () => {
    db = await openLedger(':memory:');
    for (const role of ['viewer', 'operator'] as const) tokens[role] = (await createToken(db, role, `${role}-dl`)).token;
    await insertDeadLetters(db, [
      ...letterRows('sunshare/v1/s1/g1/telemetry', bad, Date.UTC(2026, 5, 1), [{ reason: 'not_json', problems: ['/: the payload is not valid UTF-8'], site: 's1', gateway: 'g1', rejected: '' }], 1 << 20),
      ...letterRows('sunshare/v1/s1/g1/telemetry', Buffer.from('{"x":1}'), Date.UTC(2026, 5, 2), [{ reason: 'unknown_device', problems: ['/readings/0/device: inv9 is not a device of site s1'], site: 's1', gateway: 'g1', rejected: {} }], 1 << 20),
    ]);
    app = await buildApp({ db });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('are for operators: a viewer gets 403', async () => {
    expect((await app.inject({ url: '/dead-letters', headers: auth(tokens.viewer!) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/dead-letters/replay', headers: auth(tokens.viewer!), payload: { all: true } })).statusCode).toBe(403);
  });

  it('lists letters oldest first, filtered by reason or time, with the payload exactly as received on request', async () => {
    const all = (await app.inject({ url: '/dead-letters?payload=true', headers: auth(tokens.operator!) })).json<{ total: number; items: Letter[] }>();
    expect(all.total).toBe(2);
    expect(all.items.map((l) => l.reason)).toEqual(['not_json', 'unknown_device']);
    expect(Buffer.from(all.items[0]!.payloadBase64!, 'base64').equals(bad)).toBe(true);
    const later = (await app.inject({ url: '/dead-letters?since=2026-06-01T12:00:00Z', headers: auth(tokens.operator!) })).json<{ items: Letter[] }>();
    expect(later.items.map((l) => l.reason)).toEqual(['unknown_device']);
    expect(later.items[0]!.payloadBase64).toBeUndefined();
    const byReason = (await app.inject({ url: '/dead-letters?reason=not_json', headers: auth(tokens.operator!) })).json<{ items: Letter[] }>();
    expect(byReason.items.map((l) => l.error)).toEqual(['/: the payload is not valid UTF-8']);
  });

  it('queues a replay once (a second request skips it as pending), audited; without a filter it is a 400', async () => {
    expect((await app.inject({ method: 'POST', url: '/dead-letters/replay', headers: auth(tokens.operator!), payload: {} })).json<{ error: { code: string } }>().error.code).toBe('REQUEST_INVALID');
    const first = await app.inject({ method: 'POST', url: '/dead-letters/replay', headers: auth(tokens.operator!), payload: { reason: 'unknown_device' } });
    expect(first.statusCode).toBe(202);
    expect(first.json<{ requested: { attempt: number }[] }>().requested.map((r) => r.attempt)).toEqual([1]);
    const second = await app.inject({ method: 'POST', url: '/dead-letters/replay', headers: auth(tokens.operator!), payload: { reason: 'unknown_device' } });
    expect(second.json<{ requested: unknown[]; skipped: { why: string }[] }>()).toMatchObject({ requested: [], skipped: [{ why: 'pending' }] });
    const listed = (await app.inject({ url: '/dead-letters?reason=unknown_device', headers: auth(tokens.operator!) })).json<{ items: Letter[] }>();
    expect(listed.items[0]!.replays).toMatchObject([{ outcome: null, requestedBy: 'api:operator-dl' }]);
    expect(await db.all("SELECT action FROM audit_log WHERE action = 'dead-letters.replay'")).toHaveLength(2);
  });
});
