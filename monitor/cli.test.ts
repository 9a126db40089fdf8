import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../common/errors.ts';

const bin = fileURLToPath(new URL('../bin/sunshare.js', import.meta.url));
const example = fileURLToPath(new URL('./monitor.example.yaml', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'monitor', ...args], { encoding: 'utf8', env: { ...process.env, MQTT_PASSWORD: '', DATABASE_URL: '' } });

describe('sunshare monitor (command line)', () => {
  it('checks the example config and prints it with secrets masked', () => {
    const r = run('--config', example, '--check');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sunshare monitor: config OK \(.*monitor\.example\.yaml\)/);
    expect(r.stdout).not.toContain('change-me');
  });

  it('takes --cycle-ms and --log-level over the file, and names a bad value and where it came from', () => {
    const ok = run('--config', example, '--cycle-ms', '5000', '--log-level', 'debug', '--check');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('cycleMs=5000');
    const bad = run('--cycle-ms', 'soon', '--check');
    expect(bad.status).toBe(ERRORS.CONFIG_INVALID.exit);
    expect(bad.stderr).toContain('--cycle-ms /cycleMs');
  });
});
