import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../common/ledger/index.ts';
import { SunshareError } from '../../common/errors.ts';
import type { FailureLimiter } from './limiter.ts';
import { can, rolesWith, type Permission } from './roles.ts';
import { verifyToken, type TokenOwner } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    owner?: TokenOwner;
  }
  interface FastifyContextConfig {
    /** What the route needs; a route without one is public (health, metrics, docs, the page). */
    permission?: Permission;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m?.[1];
  }
  return undefined;
}

/**
 * Authentication and authorization for every route that declares a
 * permission: no or bad token -> 401, wrong role -> 403, too many failures
 * from one address -> 429.
 */
export function installAuth(app: FastifyInstance, db: Db, limiter: FailureLimiter, onFailure: (reason: string) => void): void {
  app.addHook('onRequest', async (request, reply) => {
    const permission = request.routeOptions.config?.permission;
    if (!permission) return;
    const blocked = limiter.blockedFor(request.ip);
    if (blocked > 0) {
      onFailure('rate_limited');
      reply.header('retry-after', Math.ceil(blocked / 1000));
      throw new SunshareError('AUTH_RATE_LIMITED', `too many failed logins from ${request.ip}; try again in ${Math.ceil(blocked / 1000)} s`);
    }
    const token = bearer(request);
    if (!token) {
      onFailure('missing');
      limiter.fail(request.ip);
      throw new SunshareError('AUTH_MISSING', 'this needs an API token: send "Authorization: Bearer <token>" (create one with `sunshare api token create`)');
    }
    const owner = await verifyToken(db, token);
    if (!owner) {
      onFailure('invalid');
      limiter.fail(request.ip);
      throw new SunshareError('AUTH_INVALID', 'the API token is unknown or revoked; ask an admin for a new one');
    }
    if (!can(owner.role, permission)) {
      onFailure('forbidden');
      throw new SunshareError(
        'AUTH_FORBIDDEN',
        `token "${owner.name}" has role ${owner.role}; this needs the ${permission} permission (roles: ${rolesWith(permission).join(', ')})`,
      );
    }
    request.owner = owner;
  });
}
