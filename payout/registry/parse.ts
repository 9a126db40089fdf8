import type { RawSheet } from '../tables/read.ts';
import { DEFAULTS, FIELDS, KEYS, kindOf, withTariffId, type Kind } from './kinds.ts';

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
    sheet.headers.forEach((h, i) => {
      if (h && !known.has(h)) problems.push(`${sheet.source} line 1 column ${i + 1}: unknown column "${h}" (expected ${[...known].join(', ')})`);
    });
    for (const f of Object.values(fields)) if (f.required && !sheet.headers.includes(f.column)) problems.push(`${sheet.source} line 1: missing column "${f.column}"`);
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
      out[kind].push(withTariffId(kind, row));
    }
  }
  for (const kind of Object.keys(out) as Kind[]) {
    const seen = new Map<string, string>();
    for (const r of out[kind]) {
      if (KEYS[kind].some((k) => r[k] === undefined)) continue; // its key was refused already, on its own line
      const key = KEYS[kind].map((k) => String(r[k])).join('/');
      const first = seen.get(key);
      if (first) problems.push(`${r._where} column ${KEYS[kind].map((k) => FIELDS[kind][k]!.column).join('/')}: duplicate ${kind} ${KEYS[kind].join('/')} "${key}" (first at ${first})`);
      else seen.set(key, r._where);
    }
  }
  return out;
}

/**
 * A typed row (the API's, the seeder's, or one parsed above) checked field by
 * field with the very rules of an imported cell: each value is written as its
 * cell text and parsed back, so the API and the importer accept and refuse
 * the same values. Returns the row with the parsed values (normalised, e.g.
 * an ID card's x upper-cased); every bad field goes to `problems`.
 */
export function checkFields(kind: Kind, row: Record<string, unknown>, where: string, problems: string[]): Row {
  const out: Row = { ...row, _where: where };
  for (const [key, f] of Object.entries(FIELDS[kind])) {
    const v = row[key];
    if (v === undefined) continue;
    if (v === null || v === '') {
      if (f.required) problems.push(`${where} column ${f.column}: required`);
      continue;
    }
    const text = f.format ? f.format(v) : typeof v === 'string' ? v : JSON.stringify(v);
    const p = f.parse(text);
    if (p.ok) out[key] = p.value;
    else problems.push(`${where} column ${f.column}: ${p.error}`);
  }
  return out;
}
