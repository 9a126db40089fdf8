import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../common/errors.ts';

const bin = fileURLToPath(new URL('../bin/sunshare.js', import.meta.url));
const sunshare = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('sunshare gateway (CLI)', () => {
  it('--help explains the options', () => {
    const r = sunshare('gateway', '--help');
    expect(r.status).toBe(0);
    for (const s of ['--config', '--check', '--probe', '--scan', '--log-level', 'spool', 'sunspec']) expect(r.stdout).toContain(s);
  });

  it('--check accepts the shipped example and reports every problem of a bad config with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sunshare-gwcli-'));
    try {
      // the example as installed: its TLS files exist
      for (const f of ['ca.pem', 'gw-01.pem', 'gw-01.key']) writeFileSync(join(dir, f), 'PEM');
      const example = readFileSync(fileURLToPath(new URL('./config.example.yaml', import.meta.url)), 'utf8').replaceAll('/etc/sunshare/', `${dir}/`);
      writeFileSync(join(dir, 'example.yaml'), example);
      expect(sunshare('gateway', '--config', join(dir, 'example.yaml'), '--check').stdout).toMatch(/^sunshare gateway: config OK .* mqtt.password=\*\*\* .*devices=\[7\]/);
      const file = join(dir, 'gw.yaml');
      writeFileSync(file, 'site: s1\ngateway: g1\nmqtt: { url: "mqtt://127.0.0.1" }\nspool: { dir: /tmp/x }\ndevices:\n  - { id: a, transport: tcp, host: h, profile: acme-9000 }\n  - { id: b, transport: tcp, host: h, unit: 2, profile: sunspec }\n');
      const r = sunshare('gateway', '--config', file, '--check');
      expect(r.status).toBe(ERRORS.CONFIG_INVALID.exit);
      expect(r.stderr).toContain('/devices/0/profile: no register map named acme-9000');
      writeFileSync(file, 'site: s1\ngateway: g1\nmqtt: { url: "mqtts://127.0.0.1", ca: /nonexistent/ca.pem }\nspool: { dir: /tmp/x }\ndevices: [{ id: a, transport: tcp, host: h, profile: sunspec }]\n');
      const r1 = sunshare('gateway', '--config', file, '--check');
      expect(r1.status).toBe(ERRORS.CONFIG_INVALID.exit);
      expect(r1.stderr).toContain('/mqtt/ca: cannot read /nonexistent/ca.pem');
      writeFileSync(file, 'site: s1\nmqtt: { url: "ftp://x" }\n');
      const r2 = sunshare('gateway', '--config', file, '--check');
      expect(r2.status).toBe(ERRORS.CONFIG_INVALID.exit);
      for (const p of ['/gateway', '/mqtt/url', '/spool', '/devices']) expect(r2.stderr).toContain(`${p}:`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
