// `npm run bench -- bin`: wall time of `sunshare --help` (a fresh Node process each time, as a person
// runs it), median of 5 after one warm-up start that fills Node's compile cache (bin/sunshare.js).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(import.meta.dirname, 'sunshare.js');
const cache = mkdtempSync(join(tmpdir(), 'sunshare-bench-cli-'));
const env = { ...process.env, NODE_COMPILE_CACHE: cache };
const run = (): number => {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, '--help'], { env, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0 || !r.stdout.includes('Usage: sunshare')) throw new Error(`sunshare --help failed: ${r.stderr}`);
  return ms;
};
try {
  const cold = run();
  const runs = Array.from({ length: 5 }, run).sort((a, b) => a - b);
  const median = runs[2]!;
  console.log(JSON.stringify({ bench: 'cli.help', runs: 5, median_s: Number((median / 1000).toFixed(3)), min_s: Number((runs[0]! / 1000).toFixed(3)), max_s: Number((runs[4]! / 1000).toFixed(3)), cold_s: Number((cold / 1000).toFixed(3)), goal: 'median_s <= 0.2' }));
} finally {
  rmSync(cache, { recursive: true, force: true });
}
