import type { Command } from 'commander';
import { runService } from '../common/index.ts';
import { SunshareError } from '../common/errors.ts';
import { ledgerUrl, openLedger } from '../common/ledger/index.ts';
import { createLogger } from '../common/log.ts';
import { ROLES, type Role } from './auth/roles.ts';
import { createToken, revokeToken } from './auth/tokens.ts';
import { API_CONFIG } from './config.ts';
import { payoutServiceFor } from './payout-wiring.ts';
import { startApi } from './server.ts';

/** `sunshare api`: config loaded and validated once (never changed afterwards), then served until SIGINT/SIGTERM. */
export async function runApiCommand(cmd: Command): Promise<void> {
  await runService(cmd, API_CONFIG, async (config) => {
    const log = createLogger('api', config.logLevel);
    const db = await openLedger(ledgerUrl(config.ledger), { mustExist: true });
    const api = await startApi(config, log, { db, payout: await payoutServiceFor(db, log) });
    console.log(`Sunshare API on ${api.url}  (status page ${api.url}/?token=<token>, docs ${api.url}/docs)`);
    return {
      stop: async () => {
        log.info('shutting down');
        await api.close();
        await db.close();
      },
    };
  });
}

const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);

export async function tokenCreate(opts: { role: string; name: string; ledger?: string }): Promise<void> {
  if (!isRole(opts.role)) throw new SunshareError('TOKEN_ROLE_INVALID', `--role must be one of ${ROLES.join(', ')}, got "${opts.role}"`);
  const db = await openLedger(ledgerUrl(opts.ledger), { mustExist: true });
  try {
    const { token, owner } = await createToken(db, opts.role, opts.name);
    console.error(`Token ${owner.id} for "${owner.name}" (${owner.role}). It is shown only this once; store it now:`);
    console.log(token);
  } finally {
    await db.close();
  }
}

export async function tokenList(opts: { ledger?: string }): Promise<void> {
  const db = await openLedger(ledgerUrl(opts.ledger), { mustExist: true });
  try {
    const rows = await db.q.selectFrom('api_tokens').select(['id', 'name', 'role', 'created_at', 'revoked_at']).orderBy('created_at').execute();
    for (const r of rows) console.log(`${r.id}  ${r.role.padEnd(8)}  ${r.name}  created ${r.created_at}${r.revoked_at ? `  REVOKED ${r.revoked_at}` : ''}`);
  } finally {
    await db.close();
  }
}

export async function tokenRevoke(id: string, opts: { ledger?: string }): Promise<void> {
  const db = await openLedger(ledgerUrl(opts.ledger), { mustExist: true });
  try {
    if (!(await revokeToken(db, id))) throw new SunshareError('TOKEN_NOT_FOUND', `no active token with id ${id}; \`sunshare api token list\` shows them`);
    console.log(`revoked ${id}`);
  } finally {
    await db.close();
  }
}
