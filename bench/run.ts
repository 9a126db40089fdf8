import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [-- component ...]` runs each component's `bench.ts` in its
 * own process, one after another (two cores: benchmarks never overlap). Each
 * prints its figures as JSON lines on stdout.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const components = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
  .map((d) => d.name)
  .filter((name) => existsSync(join(root, name, 'bench.ts')))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

let failed = 0;
for (const name of components) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(root, name, 'bench.ts')], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    failed++;
    console.log(JSON.stringify({ bench: name, error: `exited with ${r.status ?? r.signal}` }));
  }
}
process.exit(failed === 0 ? 0 : 1);
