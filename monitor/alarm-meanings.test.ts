import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAlarmMeanings } from './alarm-meanings.ts';

const DEVICES = join(import.meta.dirname, '..', 'common', 'devices');

/** Every alarm bit name a register map or SunSpec model decodes (points with `field: alarms`). */
function alarmBitNames(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of ['maps', 'sunspec']) {
    for (const f of readdirSync(join(DEVICES, dir)).filter((n) => n.endsWith('.yaml'))) {
      const doc = parse(readFileSync(join(DEVICES, dir, f), 'utf8')) as { points?: { field?: string; bits?: { name: string }[] }[] };
      // reserved and OEM bits have no fixed meaning: they show as their name
      for (const p of doc.points ?? []) if (p.field === 'alarms') for (const b of p.bits ?? []) if (!/(^|_)(Reserved|OEM)\d+$/.test(b.name)) out.set(b.name, `${dir}/${f}`);
    }
  }
  return out;
}

describe('alarm meanings (common/devices/alarm-meanings.yaml)', () => {
  it('give every alarm bit the maps decode a vendor meaning in English and Chinese', () => {
    const meanings = loadAlarmMeanings();
    const bits = alarmBitNames();
    expect(bits.size).toBeGreaterThan(30);
    const missing = [...bits].filter(([name]) => !meanings.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
    for (const name of bits.keys()) expect(meanings.get(name)!.zh).toMatch(/[\u4e00-\u9fff]/);
  });

  it('refuse a table with a bad entry, naming where', () => {
    const bad = join(import.meta.dirname, 'testing', 'bad-meanings.yaml');
    expect(() => loadAlarmMeanings(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: [expect.stringContaining('/sunspec/GROUND_FAULT/severity')] }) as Error);
  });
});
