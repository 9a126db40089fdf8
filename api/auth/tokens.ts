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
  await db.run('INSERT INTO api_tokens (id, name, role, token_sha256, created_at) VALUES (?, ?, ?, ?, ?)', [
    owner.id,
    name,
    role,
    hashToken(token),
    now.toISOString(),
  ]);
  return { token, owner };
}

export async function revokeToken(db: Db, id: string, now = new Date()): Promise<boolean> {
  const { changes } = await db.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now.toISOString(), id]);
  return changes > 0;
}

/** The token's owner, or undefined for an unknown or revoked token. */
export async function verifyToken(db: Db, token: string): Promise<TokenOwner | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const hash = hashToken(token);
  const row = await db.get<{ id: string; name: string; role: Role; token_sha256: string; revoked_at: string | null }>(
    'SELECT id, name, role, token_sha256, revoked_at FROM api_tokens WHERE token_sha256 = ?',
    [hash],
  );
  if (!row || row.revoked_at !== null) return undefined;
  // The lookup already matched; the constant-time compare keeps the check itself free of timing leaks.
  if (!timingSafeEqual(Buffer.from(row.token_sha256, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
  return { id: row.id, name: row.name, role: row.role };
}
