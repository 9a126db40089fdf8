import type { FastifyError, FastifyInstance } from 'fastify';
import { ERRORS, isSunshareError, type ErrorCode } from '../common/errors.ts';

/**
 * Every error response has the same shape, with a stable code a script can
 * test (common/errors.ts, docs/errors.md) and a message a person can act on:
 *   { "error": { "code": "REQUEST_INVALID", "message": "...", "details": ["querystring/limit: must be <= 500"] } }
 */
export interface ErrorBody {
  error: { code: string; message: string; details: string[] };
}

export const errorBody = (code: ErrorCode, message: string, details: readonly string[] = []): ErrorBody => ({
  error: { code, message, details: [...details] },
});

export function installErrorHandlers(app: FastifyInstance, onError: (code: ErrorCode) => void): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isSunshareError(err)) {
      onError(err.code);
      if (err.httpStatus >= 500) request.log.error({ err }, err.message);
      return reply.status(err.httpStatus).send(errorBody(err.code, err.message, err.details));
    }
    if (err.validation) {
      const details = err.validation.map((v) => `${err.validationContext ?? 'request'}${v.instancePath || ''}: ${v.message ?? 'is invalid'}${paramHint(v.params)}`);
      onError('REQUEST_INVALID');
      return reply.status(ERRORS.REQUEST_INVALID.http).send(errorBody('REQUEST_INVALID', `the request ${err.validationContext ?? ''} is invalid`.replace(/\s+$/, ''), details));
    }
    // The framework's own 4xx (body too large, bad content type, ...) keep its status.
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const code: ErrorCode = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'REQUEST_TOO_LARGE' : err.code?.startsWith('FST_ERR_CTP') ? 'REQUEST_BODY_INVALID' : 'REQUEST_REJECTED';
      onError(code);
      return reply.status(err.statusCode).send(errorBody(code, err.message));
    }
    onError('INTERNAL');
    request.log.error({ err }, 'unhandled error');
    return reply.status(ERRORS.INTERNAL.http).send(errorBody('INTERNAL', 'the server failed to answer; the error is logged with request id ' + request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    onError('NOT_FOUND');
    return reply.status(ERRORS.NOT_FOUND.http).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; see /docs for the API`));
  });
}

function paramHint(params: Record<string, unknown> | undefined): string {
  if (!params) return '';
  if (Array.isArray(params.allowedValues)) return ` (${params.allowedValues.join(', ')})`;
  if (typeof params.additionalProperty === 'string') return ` (${params.additionalProperty})`;
  return '';
}
