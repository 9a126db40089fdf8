import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import type { Role } from './roles.ts';

/**
 * API tokens: 32 random bytes, shown once. Only the SHA-256 is stored: for a
 * high-entropy random secret a fast hash is enough (nothing to brute-force),
 * and it lets a request find its token by an indexed lookup.
 */
export const TOKEN_PREFIX = 'ssk_';

export interface TokenOwner {
  id: string;
  name: string;
  role: Role;
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export async function createToken(db: Db, role: Role, name: string, now = new Date()): Promise<{ token: string; owner: TokenOwner }> {
  if (!/^[\p{L}\p{N} _.@-]{1,64}$/u.test(name)) {
    throw new SunshareError('TOKEN_NAME_INVALID', `token name "${name}" must be 1-64 letters, digits, spaces or _.@-`);
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const owner: TokenOwner = { id: randomUUID(), name, role };
  await db.q.insertInto('api_tokens').values({ id: owner.id, name, role, token_sha256: hashToken(token), created_at: now.toISOString() }).execute();
  return { token, owner };
}

export async function revokeToken(db: Db, id: string, now = new Date()): Promise<boolean> {
  const r = await db.q.updateTable('api_tokens').set({ revoked_at: now.toISOString() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Revokes every active token whose name starts with `prefix` (the demo's tokens of an earlier run); returns how many. */
export async function revokeTokensNamed(db: Db, prefix: string, now = new Date()): Promise<number> {
  const r = await db.q
    .updateTable('api_tokens')
    .set({ revoked_at: now.toISOString() })
    .where((eb) => eb(eb.fn<string>('substr', ['name', eb.lit(1), eb.lit(prefix.length)]), '=', prefix))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The token's owner, or undefined for an unknown or revoked token. */
export async function verifyToken(db: Db, token: string): Promise<TokenOwner | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const hash = hashToken(token);
  const row = await db.q
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'token_sha256', 'revoked_at'])
    .where('token_sha256', '=', hash)
    .$narrowType<{ role: Role }>() // the column's CHECK constraint
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return undefined;
  // The lookup already matched; the constant-time compare keeps the check itself free of timing leaks.
  if (!timingSafeEqual(Buffer.from(row.token_sha256, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
  return { id: row.id, name: row.name, role: row.role };
}
