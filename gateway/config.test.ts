import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SunshareError } from '../common/errors.ts';
import { loadGatewayConfig } from './config.ts';
import { checkProfiles, createProfile } from './profiles/index.ts';

const example = fileURLToPath(new URL('./config.example.yaml', import.meta.url));

function problemsOf(yaml: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-gwcfg-'));
  try {
    writeFileSync(join(dir, 'c.yaml'), yaml);
    loadGatewayConfig(join(dir, 'c.yaml'));
    return [];
  } catch (err) {
    if (!(err instanceof SunshareError)) throw err;
    return [err.message, ...err.details];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('gateway config', () => {
  it('the shipped example is valid, with defaults filled, and every profile it names exists', () => {
    const cfg = loadGatewayConfig(example);
    expect(cfg.devices).toHaveLength(7);
    expect(cfg.devices[3]).toMatchObject({ transport: 'rtu', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 });
    expect(cfg.devices[6]).toMatchObject({ protocol: 'dlt645', path: cfg.devices[3]!.path, dlt645: { baudRate: 2400, parity: 'even' } });
    expect(cfg.spool.maxBytes).toBe(104857600);
    expect(() => checkProfiles(cfg.devices)).not.toThrow();
    for (const d of cfg.devices.filter((x) => x.protocol === 'modbus')) expect(() => createProfile(d.profile)).not.toThrow();
  });

  it('reports every problem with its path, in one error', () => {
    const problems = problemsOf(`
site: "bad site"
gateway: gw1
mqtt: { url: "http://x", keepaliveSec: 1 }
pollIntervalMs: "10s"
spool: { dir: /tmp/x, fsync: sometimes }
devices:
  - { id: a, transport: tcp, port: 70000, profile: sunspec }
  - { id: a, transport: rtu, profile: sunspec, baudRate: 9600, unit: 300 }
  - { id: c, transport: serial, profile: sunspec, colour: red }
`);
    const text = problems.join('\n');
    for (const path of ['/site', '/mqtt/url', '/mqtt/keepaliveSec', '/pollIntervalMs', '/spool/fsync', '/devices/0/port', '/devices/1/unit', '/devices/2/transport', '/devices/2/colour']) {
      expect(text).toContain(`${path}:`);
    }
  });

  it('checks what the schema cannot: duplicate ids, host/path per transport, unit ids and serial settings per line', () => {
    const problems = problemsOf(`
site: s1
gateway: gw1
mqtt: { url: "mqtt://127.0.0.1" }
spool: { dir: /tmp/x }
devices:
  - { id: a, transport: tcp, profile: sunspec }
  - { id: a, transport: rtu, profile: sunspec }
  - { id: b, transport: rtu, path: /dev/ttyS0, unit: 3, profile: sunspec }
  - { id: c, transport: rtu, path: /dev/ttyS0, unit: 3, baudRate: 19200, profile: sunspec }
`);
    const text = problems.join('\n');
    expect(text).toContain('/devices/0/host: required when transport is tcp');
    expect(text).toContain('/devices/1/id: "a" is already used by /devices/0');
    expect(text).toContain('/devices/1/path: required when transport is rtu');
    expect(text).toContain('/devices/3/unit: unit 3 on rtu:/dev/ttyS0');
    expect(text).toContain('/devices/3: serial line /dev/ttyS0 has settings different');
  });

  it('names an unknown vendor map and lists the known ones', () => {
    expect(() => createProfile('acme-9000')).toThrow(/no register map named acme-9000/);
  });
});
