import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { ID_PATTERN } from '../common/contract.ts';
import { loadConfigFile } from '../common/config.ts';
import { SunshareError } from '../common/errors.ts';

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));

/** `scrypt$N$r$p$salt$hash` (base64): never a plain password. */
export const HASH_PATTERN = '^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$';

const User = Type.Union([
  Type.Object(
    {
      username: Type.String({ minLength: 1, maxLength: 128 }),
      password: Type.String({ pattern: HASH_PATTERN, description: 'from `sunshare broker hash-password`' }),
      role: Type.Literal('gateway'),
      site: Type.String({ pattern: ID_PATTERN }),
      gateway: Type.String({ pattern: ID_PATTERN }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      username: Type.String({ minLength: 1, maxLength: 128 }),
      password: Type.String({ pattern: HASH_PATTERN }),
      role: Type.Literal('ingest'),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      username: Type.String({ minLength: 1, maxLength: 128 }),
      password: Type.String({ pattern: HASH_PATTERN }),
      /** Read-only watcher (the API's live status): subscribes under sunshare/v1/, publishes nothing. */
      role: Type.Literal('monitor'),
    },
    { additionalProperties: false },
  ),
]);
export type BrokerUser = Static<typeof User>;

export const CredentialsFile = Type.Object({ users: Type.Array(User) }, { additionalProperties: false });

const N = 16384;
const R = 8;
const P = 1;

export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(plain, salt, 32, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(plain: string, encoded: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = encoded.split('$');
  const expected = Buffer.from(hash ?? '', 'base64');
  if (expected.length === 0) return false;
  const actual = await scrypt(plain, Buffer.from(salt ?? '', 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 });
  return timingSafeEqual(actual, expected);
}

/** Reads and checks a credentials file (YAML/JSON); duplicate usernames are an error. */
export function loadCredentials(file: string): BrokerUser[] {
  const { users } = loadConfigFile(file, CredentialsFile);
  const seen = new Set<string>();
  const dups = users.filter((u) => (seen.has(u.username) ? true : (seen.add(u.username), false)));
  if (dups.length > 0) {
    throw new SunshareError('CONFIG_INVALID', `${file} lists a username twice`, { details: dups.map((u) => `/users: ${u.username} is duplicated`) });
  }
  return users;
}
