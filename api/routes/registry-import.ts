import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SunshareError, isSunshareError } from '../../common/errors.ts';
import { importRegistry } from '../../payout/index.ts';
import { audit } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { ErrorResponse, authErrors } from '../schemas.ts';

const KINDS = ['sites', 'devices', 'households', 'allocations', 'tariffs', 'policies'] as const;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ImportQuery = Type.Object({
  kind: Type.Optional(Type.Union(KINDS.map((k) => Type.Literal(k)), { description: 'what a CSV holds (an XLSX names it per sheet)' })),
});

/**
 * Registry changes in bulk, through payout's own importer (the same checks
 * as `sunshare registry import`): every bad row and column is reported at
 * once and nothing is imported while any remains.
 */
export function registryImportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.addContentTypeParser(['text/csv', XLSX], { parseAs: 'buffer', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.post<{ Querystring: Static<typeof ImportQuery>; Body: Buffer }>(
    '/registry/import',
    {
      config: { permission: 'registry' },
      schema: {
        tags: ['registry'],
        summary: 'Import sites, devices, households, allocations, tariffs or policies from CSV (text/csv, ?kind=) or XLSX (one sheet per kind) (admin; audited)',
        querystring: ImportQuery,
        response: { 200: Type.Object({ imported: Type.Record(Type.String(), Type.Integer()) }), 415: ErrorResponse, ...authErrors },
      },
    },
    async (req) => {
      const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type !== 'text/csv' && type !== XLSX) {
        throw new SunshareError('REGISTRY_FORMAT', `send the file as text/csv (with ?kind=) or ${XLSX}`);
      }
      if (type === 'text/csv' && !req.query.kind) {
        throw new SunshareError('REGISTRY_KIND_MISSING', `say what the CSV holds: ?kind=${KINDS.join('|')}`);
      }
      const dir = mkdtempSync(join(tmpdir(), 'sunshare-import-'));
      const file = join(dir, `${req.query.kind ?? 'registry'}.${type === XLSX ? 'xlsx' : 'csv'}`);
      try {
        writeFileSync(file, req.body);
        const imported = await importRegistry(ctx.db, [file], req.query.kind ? { kind: req.query.kind } : {});
        await audit(ctx.db, req, 'registry.import', req.query.kind ?? 'workbook', { imported, bytes: req.body.length });
        return { imported };
      } catch (err) {
        // the temp path means nothing to the caller: name the upload instead
        if (isSunshareError(err)) {
          const clean = (t: string) => t.split(file).join('upload').split(dir).join('upload');
          throw new SunshareError(err.code, clean(err.message), { details: err.details.map(clean) });
        }
        throw err;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
