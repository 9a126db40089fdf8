import type { RawSheet } from '../tables/read.ts';
import { DEFAULTS, FIELDS, KEYS, kindOf, type Kind } from './kinds.ts';

export type Row = Record<string, unknown> & { _where: string };
export type Parsed = Record<Kind, Row[]>;

/** Typed rows per kind from raw sheets; every bad cell, unknown column and duplicate key goes to `problems`. */
export function parseSheets(sheets: RawSheet[], problems: string[], forcedKind?: Kind): Parsed {
  const out: Parsed = { sites: [], devices: [], households: [], allocations: [], tariffs: [], policies: [] };
  for (const sheet of sheets) {
    const kind = forcedKind ?? kindOf(sheet.name);
    if (!kind) {
      problems.push(`${sheet.source}: cannot tell what this holds; name the file or sheet after one of sites, devices, households, allocations, tariffs, policies`);
      continue;
    }
    const fields = FIELDS[kind];
    const known = new Set(Object.values(fields).map((f) => f.column));
    for (const h of sheet.headers) if (h && !known.has(h)) problems.push(`${sheet.source}: unknown column "${h}" (expected ${[...known].join(', ')})`);
    for (const f of Object.values(fields)) if (f.required && !sheet.headers.includes(f.column)) problems.push(`${sheet.source}: missing column "${f.column}"`);
    for (const { line, cells } of sheet.rows) {
      const row: Row = { _where: `${sheet.source} line ${line}` };
      for (const [key, f] of Object.entries(fields)) {
        const t = (cells[f.column] ?? '').trim();
        if (t === '') {
          if (f.required) problems.push(`${row._where} column ${f.column}: required`);
          else row[key] = `${kind}.${key}` in DEFAULTS ? DEFAULTS[`${kind}.${key}`] : '';
          continue;
        }
        const p = f.parse(t);
        if (p.ok) row[key] = p.value;
        else problems.push(`${row._where} column ${f.column}: ${p.error}`);
      }
      out[kind].push(row);
    }
  }
  for (const kind of Object.keys(out) as Kind[]) {
    const seen = new Map<string, string>();
    for (const r of out[kind]) {
      const key = KEYS[kind].map((k) => String(r[k])).join('/');
      const first = seen.get(key);
      if (first) problems.push(`${r._where}: duplicate ${kind} ${KEYS[kind].join('/')} "${key}" (first at ${first})`);
      else seen.set(key, r._where);
    }
  }
  return out;
}
