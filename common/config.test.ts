import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from './config.ts';
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
