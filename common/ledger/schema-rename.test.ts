import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from './migrate.ts';
import { migratedSchema, renderSchema } from './schema-gen.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// A query as the code writes them, against a schema generated from (possibly changed) migrations.
const PROBE = `import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';
declare const dialect: SqliteDialect;
const q = new Kysely<Database>({ dialect });
export const zones = () => q.selectFrom('sites').select(['id', 'time_zone']).where('time_zone', '=', 'Asia/Shanghai').execute();
`;

/** Type-checks the probe against the schema generated from `migrations`; returns tsc's output and exit code. */
function typecheckProbe(migrations: string): { code: number | null; out: string } {
  // inside the repository so that 'kysely' resolves from its node_modules
  const dir = mkdtempSync(join(ROOT, 'common', 'ledger', '.probe-'));
  try {
    writeFileSync(join(dir, 'schema.ts'), renderSchema(migratedSchema(migrations)));
    writeFileSync(join(dir, 'probe.ts'), PROBE);
    const r = spawnSync(
      process.execPath,
      [TSC, '--noEmit', '--strict', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2024', '--skipLibCheck', '--allowImportingTsExtensions', '--types', 'node', join(dir, 'probe.ts')],
      { encoding: 'utf8', cwd: ROOT },
    );
    return { code: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a column renamed in a migration', () => {
  const renamed = mkdtempSync(join(tmpdir(), 'sunshare-migrations-'));
  afterAll(() => rmSync(renamed, { recursive: true, force: true }));

  it('breaks the typecheck where the old name is used', { timeout: 60_000 }, () => {
    expect(typecheckProbe(MIGRATIONS_DIR)).toMatchObject({ code: 0 });
    mkdirSync(renamed, { recursive: true });
    cpSync(MIGRATIONS_DIR, renamed, { recursive: true });
    writeFileSync(join(renamed, '002_rename.sql'), 'ALTER TABLE sites RENAME COLUMN time_zone TO tz;\n');
    expect(readFileSync(join(renamed, '001_sites.sql'), 'utf8')).toContain('time_zone');
    const r = typecheckProbe(renamed);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/time_zone/);
  });
});
