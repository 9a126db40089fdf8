import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'page');
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/page/app.js': 'app.js',
  '/page/chart.js': 'chart.js',
  '/page/i18n.js': 'i18n.js',
  '/page/statement.js': 'statement.js',
  '/page/style.css': 'style.css',
};
// Only our own scripts, styles and API: a token in localStorage is worth protecting from injected script.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** The status page: static files, no build step; the page calls the API with the token the user gives it. */
export function pageRoutes(app: FastifyInstance): void {
  for (const [url, file] of Object.entries(FILES)) {
    const body = readFileSync(join(PAGE_DIR, file));
    const type = TYPES[file.split('.').pop()!]!;
    app.get(url, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .header('content-type', type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', CSP)
        .header('referrer-policy', 'no-referrer')
        .send(body),
    );
  }
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) => reply.status(204).send());
}
