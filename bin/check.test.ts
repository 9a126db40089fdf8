import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../common/errors.ts';

/** `--check` on every service command, through the real CLI (run in parallel: each start costs a second or two). */
const bin = fileURLToPath(new URL('./sunshare.js', import.meta.url));
const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|LOG_LEVEL|MQTT_|INFLUX_)/.test(k)));
async function sunshare(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [bin, ...args], { env: { ...clean, ...env }, timeout: 90_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
const dir = mkdtempSync(join(tmpdir(), 'sunshare-check-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('--check on every service command', () => {
  it('prints one OK line with the resolved config, secrets masked, and exits 0', { timeout: 120_000 }, async () => {
    const gw = file('gw.yaml', 'site: s1\ngateway: g1\nmqtt: { url: "mqtt://127.0.0.1" }\nspool: { dir: /tmp/x }\ndevices: [{ id: a, transport: tcp, host: h, profile: sunspec }]\n');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['sim', '--check', '--port', '0', '--inverters', '2'], {}, /^sunshare sim: config OK \(no file\) (?=.*tcp\.port=0)(?=.*devices=\[3\])/m],
      [['gateway', '--check', '-c', gw, '--poll-ms', '2000'], { MQTT_PASSWORD: 'hunter2' }, /^sunshare gateway: config OK \(.*gw\.yaml\) (?=.*mqtt\.password=\*\*\*)(?=.*pollIntervalMs=2000)/m],
      [['broker', '--check', '--allow-anonymous', '--port', '0'], {}, /^sunshare broker: config OK \(no file\) (?=.*port=0)(?=.*allowAnonymous=true)/m],
      [['ingest', '--check', '--org', 'o', '--bucket', 'b'], { INFLUX_TOKEN: 'secret-token', DATABASE_URL: 'postgres://u:pw@db/x' }, /^sunshare ingest: config OK (?=.*influx\.token=\*\*\*)(?=.*ledger=postgres:\/\/u:\*\*\*@db\/x)/m],
      [['api', '--check', '--port', '0', '--no-mqtt-live', '--ledger', ':memory:'], {}, /^sunshare api: config OK (?=.*listen\.port=0)(?=.*ledger=:memory:)(?=.*mqtt\.enabled=false)/m],
      [['demo', '--check', '--sites', '2'], {}, /^sunshare demo: config OK (?=.*sites=2)(?=.*fresh=false)/m],
      [['payout', 'schedule', '--check', '--at', '02:00'], { DATABASE_URL: 'data/x.sqlite' }, /^sunshare payout schedule: config OK (?=.*at=02:00)(?=.*ledger=data\/x\.sqlite)/m],
    ];
    const results = await Promise.all(cases.map(([args, env]) => sunshare(args, env)));
    results.forEach((r, i) => {
      expect(r.err, cases[i]![0].join(' ')).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(cases[i]![2]);
      expect(r.out).not.toMatch(/hunter2|secret-token|:pw@/);
    });
  });

  it('exits non-zero with the file, line, column, value, flag or variable of each problem', { timeout: 120_000 }, async () => {
    const gw = file('bad-gw.yaml', 'site: s1\ngateway: g1\nmqtt:\n  urll: "mqtt://127.0.0.1"\nspool: { dir: /tmp/x }\ndevices:\n  - id: a\n    transport: tcp\n    host: h\n    profile: sunspec\n    port: "502a"\n');
    const broker = file('broker.yaml', 'port: 1883\nallowAnonymous: yes-please\n');
    const [g, b, a, i, s] = await Promise.all([
      sunshare(['gateway', '--check', '-c', gw]),
      sunshare(['broker', '--check', '-c', broker]),
      sunshare(['api', '--check', '--port', 'http']),
      sunshare(['ingest', '--check'], { LOG_LEVEL: 'loud' }),
      sunshare(['payout', 'schedule', '--check', '--ledger', 'x.sqlite', '--at', '1:30']),
    ]);
    expect(g.code).toBe(ERRORS.CONFIG_INVALID.exit);
    expect(g.err).toContain(`${gw}:4:3 /mqtt/urll: unknown key; did you mean "url"?`);
    expect(g.err).toContain(`${gw}:11:11 /devices/0/port: expected integer, got "502a"`);
    expect(b.code).toBe(ERRORS.CONFIG_INVALID.exit);
    expect(b.err).toContain(`${broker}:2:17 /allowAnonymous: expected boolean, got "yes-please"`);
    expect(a.code).toBe(ERRORS.CONFIG_INVALID.exit);
    expect(a.err).toContain('--port /listen/port: expected integer, got "http"');
    expect(i.code).toBe(ERRORS.CONFIG_INVALID.exit);
    expect(i.err).toContain('LOG_LEVEL /logLevel: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"');
    expect(s.code).toBe(ERRORS.CONFIG_INVALID.exit);
    expect(s.err).toContain('--at /at: expected string to match');
  });
});
