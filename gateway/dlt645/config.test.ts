import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, serialOf } from '../config.ts';
import { checkProfiles } from '../profiles/index.ts';

const base = { site: 's1', gateway: 'gw1', mqtt: { url: 'mqtt://127.0.0.1' }, spool: { dir: '/tmp/x' } };
const problems = (devices: unknown[]): string => {
  try {
    parseGatewayConfig({ ...base, devices });
    return '';
  } catch (err) {
    return ((err as { details?: string[] }).details ?? []).join('\n');
  }
};
const meter = (over: Record<string, unknown> = {}) => ({ id: 'm1', protocol: 'dlt645', transport: 'rtu', path: '/dev/ttyUSB0', profile: 'dlt645-meter', dlt645: { address: '000000123456' }, ...over });

describe('DL/T 645 devices in the gateway config', () => {
  it('defaults to the standard 2400 8E1 with a 4-byte preamble; Modbus keeps its own settings on the same line', () => {
    const cfg = parseGatewayConfig({ ...base, devices: [meter(), { id: 'inv', transport: 'rtu', path: '/dev/ttyUSB0', unit: 1, profile: 'huawei-sun2000' }] });
    expect(cfg.devices[0]!.dlt645).toEqual({ address: '000000123456', baudRate: 2400, parity: 'even', preamble: 4, reversed: false, tariffs: true });
    expect(serialOf(cfg.devices[0]!)).toEqual({ baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 });
    expect(serialOf(cfg.devices[1]!)).toEqual({ baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 });
  });

  it('names each problem at its path: transport, missing settings, a duplicate address, meters disagreeing on settings', () => {
    const text = problems([
      meter({ id: 'a', transport: 'tcp', host: 'h' }),
      meter({ id: 'b', dlt645: undefined }),
      meter({ id: 'c' }),
      meter({ id: 'd' }),
      meter({ id: 'e', dlt645: { address: '000000000007', baudRate: 9600 } }),
      { id: 'f', transport: 'tcp', host: 'h', profile: 'sunspec', dlt645: { address: '000000000008' } },
    ]);
    expect(text).toContain('/devices/0/transport: a DL/T 645 meter is read on an RS-485 line: transport rtu');
    expect(text).toContain('/devices/1/dlt645: required when protocol is dlt645');
    expect(text).toContain('/devices/3/dlt645/address: address 000000123456 on rtu:/dev/ttyUSB0 is already used by /devices/2 or another device');
    expect(text).toContain('/devices/4: serial line /dev/ttyUSB0 has settings different from /devices/2 (the DL/T 645 meters of one line share one setting)');
    expect(text).toContain('/devices/5/dlt645: only for protocol dlt645');
  });

  it('rejects a malformed address with the pattern', () => {
    expect(problems([meter({ dlt645: { address: '12345' } })])).toContain('/devices/0/dlt645/address');
  });

  it('checks the map exists among the DL/T 645 maps, listing the known ones', () => {
    expect(() => checkProfiles([{ profile: 'dlt645-meter', protocol: 'dlt645' }])).not.toThrow();
    let details: readonly string[] = [];
    try {
      checkProfiles([{ profile: 'acme-645', protocol: 'dlt645' }]);
    } catch (err) {
      details = (err as { details: string[] }).details;
    }
    expect(details.join('\n')).toContain('/devices/0/profile: no DL/T 645 meter map named acme-645');
    expect(details.join('\n')).toContain('dlt645-meter');
  });
});
