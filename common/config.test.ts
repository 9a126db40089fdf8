import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig, loadConfigFile, parseConfig, type ConfigSpec } from './config.ts';
import { SunshareError } from './errors.ts';

const Schema = Type.Object(
  {
    site: Type.String({ minLength: 1 }),
    pollMs: Type.Integer({ minimum: 100, default: 10_000 }),
    devices: Type.Array(Type.Object({ id: Type.String(), port: Type.Integer({ minimum: 1, maximum: 65535 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

function errorOf(fn: () => unknown): SunshareError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SunshareError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('config loading', () => {
  it('fills defaults and returns a typed value', () => {
    const cfg = parseConfig({ site: 'ruyuan-01', devices: [{ id: 'inv1', port: 502 }] }, Schema);
    expect(cfg.pollMs).toBe(10_000);
    expect(cfg.devices[0]?.port).toBe(502);
  });

  it('lists every problem with its path in one error', () => {
    const err = errorOf(() => parseConfig({ site: '', devices: [{ id: 'a', port: 70000 }, { id: 'b', port: 'x', extra: 1 }] }, Schema, 'gateway.yaml'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('gateway.yaml');
    const text = err.details.join('\n');
    expect(text).toContain('/site');
    expect(text).toContain('/devices/0/port');
    expect(text).toContain('/devices/1/port');
    expect(text).toContain('/devices/1/extra');
  });

  it('says once that a section is missing, not also that it is of the wrong type', () => {
    const err = errorOf(() => parseConfig({ site: 'ruyuan-01', devices: [{ port: 502 }] }, Schema, 'gateway.yaml'));
    expect(err.details).toEqual(['/devices/0/id: required, but missing']);
    const whole = errorOf(() => parseConfig({ site: 'ruyuan-01' }, Schema, 'gateway.yaml'));
    expect(whole.details).toEqual(['/devices: required, but missing']);
  });

  it('names the file and the YAML problem for a syntax error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'site: [unclosed\n');
    const err = errorOf(() => loadConfigFile(file, Schema));
    expect(err.code).toBe('CONFIG_SYNTAX');
    expect(err.message).toContain(file);
  });

  it('says which file cannot be read', () => {
    const err = errorOf(() => loadConfigFile('/nonexistent/sunshare.yaml', Schema));
    expect(err.code).toBe('CONFIG_UNREADABLE');
    expect(err.message).toContain('/nonexistent/sunshare.yaml');
  });
});

describe('the one config path (loadConfig)', () => {
  const Svc = Type.Object(
    {
      mqtt: Type.Object({ url: Type.String({ default: 'mqtt://file-default' }), password: Type.Optional(Type.String()) }, { additionalProperties: false, default: {} }),
      port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
      live: Type.Boolean({ default: true }),
      devices: Type.Array(Type.Object({ id: Type.String(), port: Type.Integer() }, { additionalProperties: false }), { default: [] }),
    },
    { additionalProperties: false },
  );
  const spec: ConfigSpec<typeof Svc> = {
    name: 'svc options',
    schema: Svc,
    flags: { mqtt: '/mqtt/url', port: '/port', mqttLive: '/live' },
    env: { SUNSHARE_MQTT_URL: '/mqtt/url', SUNSHARE_PORT: '/port', MQTT_PASSWORD: '/mqtt/password' },
  };
  const file = (text: string) => {
    const f = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'svc.yaml');
    writeFileSync(f, text);
    return f;
  };

  it('takes flags over the environment over the file', () => {
    const f = file('mqtt:\n  url: mqtt://from-file\nport: 1000\n');
    expect(loadConfig(spec, { file: f })).toMatchObject({ mqtt: { url: 'mqtt://from-file' }, port: 1000 });
    const env = { SUNSHARE_MQTT_URL: 'mqtt://from-env', SUNSHARE_PORT: '2000' };
    expect(loadConfig(spec, { file: f, env })).toMatchObject({ mqtt: { url: 'mqtt://from-env' }, port: 2000 });
    expect(loadConfig(spec, { file: f, env, flags: { port: '3000' } })).toMatchObject({ mqtt: { url: 'mqtt://from-env' }, port: 3000 });
    expect(loadConfig(spec, { file: f, env, flags: { mqtt: 'mqtt://from-flag', mqttLive: false } })).toMatchObject({ mqtt: { url: 'mqtt://from-flag' }, port: 2000, live: false });
    expect(loadConfig(spec, {})).toMatchObject({ mqtt: { url: 'mqtt://file-default' }, port: 8080, live: true });
  });

  it('gives file:line:col, the path and the value of each problem', () => {
    const f = file('port: 80\ndevices:\n  - id: a\n    port: "502a"\n');
    expect(errorOf(() => loadConfig(spec, { file: f })).details).toEqual([`${f}:4:11 /devices/0/port: expected integer, got "502a"`]);
  });

  it('rejects an unknown key at its own line with a did-you-mean', () => {
    const f = file('port: 80\nmqtt:\n  urll: mqtt://x\n');
    const err = errorOf(() => loadConfig(spec, { file: f }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.details).toEqual([`${f}:3:3 /mqtt/urll: unknown key; did you mean "url"?`]);
  });

  it('names the flag or variable a bad value came from, and masks secrets', () => {
    const err = errorOf(() => loadConfig(spec, { env: { SUNSHARE_PORT: 'eighty', MQTT_PASSWORD: '' }, flags: { port: '70000' } }));
    expect(err.details).toEqual(['--port /port: expected integer to be less or equal to 65535, got 70000']);
    expect(errorOf(() => loadConfig(spec, { env: { SUNSHARE_PORT: 'eighty' } })).details).toEqual(['SUNSHARE_PORT /port: expected integer, got "eighty"']);
    expect(describeConfig(loadConfig(spec, { env: { MQTT_PASSWORD: 'hunter2' }, flags: { mqtt: 'mqtt://u:pw@h' } }), Svc)).toBe('mqtt.url=mqtt://u:***@h mqtt.password=*** port=8080 live=true devices=[0]');
  });

  it('gives the line and column of a syntax error', () => {
    const f = file('port: 80\nmqtt: [\n');
    const err = errorOf(() => loadConfig(spec, { file: f }));
    expect(err.code).toBe('CONFIG_SYNTAX');
    expect(err.details[0]).toMatch(new RegExp(`^${f}:\\d+:\\d+ `));
  });
});
