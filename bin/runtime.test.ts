import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('./sunshare.js', import.meta.url));

describe('the sunshare command on a Node without type stripping', () => {
  it('stops at once, exit 1, naming the Node.js version to install (not a syntax error from a .ts file)', () => {
    // Node 24 with stripping switched off stands in for Node 20 or an early 22
    const r = spawnSync(process.execPath, ['--no-experimental-strip-types', bin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('sunshare needs a Node.js that runs TypeScript itself: 24 LTS, 22.18 at the oldest');
    expect(r.stderr).toContain(process.version);
    expect(r.stdout).toBe('');
  });

  it('runs on this Node', () => {
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: sunshare');
  });
});
