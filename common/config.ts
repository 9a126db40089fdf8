import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { SunshareError } from './errors.ts';
import { textOf } from './text.ts';
import { compiled } from './validate.ts';

/**
 * One config path for every component: the file (YAML or JSON), then the
 * environment, then the command-line flags (each overriding the one before),
 * merged and then validated once against the component's TypeBox schema, with
 * the schema's defaults filled in. Every problem names where the value came
 * from: `gateway.yaml:12:11 /devices/0/port: expected integer, got "502a"`,
 * `--port /listen/port: ...` or `DATABASE_URL /ledger: ...`; an unknown key
 * gets a did-you-mean.
 */

/** Where a flag or variable goes: a JSON pointer (`*` = every element of the array there), optionally with a transform. */
export type ConfigTarget = string | { readonly path: string; readonly value: (v: unknown) => unknown };

export interface ConfigSpec<T extends TSchema> {
  /** What messages call the config when there is no file, e.g. "gateway options". */
  readonly name: string;
  readonly schema: T;
  /** Commander option attribute (camelCase, e.g. `logLevel`) -> where its value goes. */
  readonly flags?: Readonly<Record<string, ConfigTarget>>;
  /** Environment variable -> where its value goes. */
  readonly env?: Readonly<Record<string, ConfigTarget>>;
  /** Problems the schema cannot express, each `/pointer: message`; run on the valid config. May throw a SunshareError whose details are such problems. */
  readonly check?: (config: Static<T>) => readonly string[];
  /** Problems found in the raw input before the schema, reported instead of the schema's (e.g. inside a union). */
  readonly explain?: (raw: unknown) => readonly string[];
}

export interface ConfigInput {
  /** The config file, if any. */
  readonly file?: string | undefined;
  /** Flags given on the command line (only those given: defaults belong in the schema). */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Usually process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The lowest layer, below the file (e.g. a document built from quick flags). */
  readonly base?: unknown;
}

/** Log levels every service takes (`--log-level`, `LOG_LEVEL`, `logLevel:` in its file). */
export const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

type Where = { file: string; doc: Document; lines: LineCounter } | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const segments = (pointer: string): string[] => (pointer === '' || pointer === '/' ? [] : pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Loads, layers and validates a component's config; throws CONFIG_UNREADABLE, CONFIG_SYNTAX or CONFIG_INVALID listing every problem. */
export function loadConfig<T extends TSchema>(spec: ConfigSpec<T>, input: ConfigInput = {}): Static<T> {
  const where = input.file === undefined ? undefined : readDocument(input.file);
  const fromFile: unknown = where ? (where.doc.toJS() ?? {}) : {};
  const label = input.file ?? spec.name;
  if (!isObject(fromFile)) throw new SunshareError('CONFIG_INVALID', `${label} is invalid (1 problem)`, { details: [`${input.file}:1:1 /: expected a mapping of keys to values, got ${shown(fromFile)}`] });
  const raw = merge(structuredClone(input.base ?? {}), fromFile) as Record<string, unknown>;
  const sources = new Map<string, string>();
  const layer = (targets: Readonly<Record<string, ConfigTarget>> | undefined, values: Readonly<Record<string, unknown>> | undefined, name: (key: string, value: unknown) => string) => {
    for (const [key, target] of Object.entries(targets ?? {})) {
      const value = values?.[key];
      if (value === undefined || value === '') continue;
      const path = typeof target === 'string' ? target : target.path;
      const v = typeof target === 'string' ? value : target.value(value);
      for (const p of expand(raw, path)) setAt(raw, p, coerce(spec.schema, p, v), name(key, value), sources);
    }
  };
  layer(spec.env, input.env, (k) => k);
  layer(spec.flags, input.flags, (k, v) => (v === false ? `--no-${kebab(k)}` : `--${kebab(k)}`));

  const locate = (path: string, atKey = false) => locateIn(path, sources, where, atKey);
  const fail = (problems: readonly string[]): never => {
    throw new SunshareError('CONFIG_INVALID', `${label} is invalid (${plural(problems.length, 'problem')})`, { details: problems });
  };
  const early = spec.explain?.(raw) ?? [];
  const withDefaults = Value.Default(spec.schema, structuredClone(raw));
  const problems = schemaProblems(spec.schema, withDefaults, locate);
  if (problems.length > 0) fail(early.length > 0 ? early.map((p) => placed(p, locate)) : problems);
  const config = withDefaults as Static<T>;
  let extra: readonly string[] = [];
  try {
    extra = spec.check?.(config) ?? [];
  } catch (err) {
    if (!(err instanceof SunshareError) || !/^CONFIG_/.test(err.code)) throw err;
    extra = err.details.length > 0 ? err.details : [err.message];
  }
  if (extra.length > 0) fail(extra.map((p) => placed(p, locate)));
  return config;
}

/** Validates an already-parsed config object (defaults applied to a copy); `source` names it in errors. */
export function parseConfig<T extends TSchema>(raw: unknown, schema: T, source = 'config'): Static<T> {
  if (!isObject(raw)) {
    const problems = schemaProblems(schema, raw, () => '');
    if (problems.length > 0) throw new SunshareError('CONFIG_INVALID', `${source} is invalid (${plural(problems.length, 'problem')})`, { details: problems });
    return raw;
  }
  return loadConfig({ name: source, schema }, { base: raw });
}

/** Loads a YAML or JSON file against a schema (no flags, no environment). */
export function loadConfigFile<T extends TSchema>(file: string, schema: T): Static<T> {
  return loadConfig({ name: file, schema }, { file });
}

/** A one-line summary of a resolved config, secrets masked: `site=s1 mqtt.url=mqtts://gw:***@broker mqtt.password=*** devices=[6]`. */
export function describeConfig(config: unknown, schema?: TSchema): string {
  const out: string[] = [];
  const walk = (v: unknown, path: string, s: TSchema | undefined) => {
    if (isObject(v)) {
      // in the schema's order, so the line reads the same whatever set each value
      const order = Object.keys((s?.properties as object | undefined) ?? {});
      const keys = [...order.filter((k) => k in v), ...Object.keys(v).filter((k) => !order.includes(k))];
      for (const k of keys) walk(v[k], path ? `${path}.${k}` : k, (s?.properties as Record<string, TSchema> | undefined)?.[k]);
    } else if (Array.isArray(v)) out.push(`${path}=[${v.length}]`);
    else if (v !== undefined) out.push(`${path}=${isSecret(path) ? '***' : maskUrl(textOf(v))}`);
  };
  walk(config, '', schema);
  return out.join(' ');
}

// ---- file and layers

function readDocument(file: string): NonNullable<Where> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SunshareError('CONFIG_UNREADABLE', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((e) => `${file}${e.linePos ? `:${e.linePos[0].line}:${e.linePos[0].col}` : ''} ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`);
    throw new SunshareError('CONFIG_SYNTAX', `config file ${file} is not valid YAML/JSON`, { details });
  }
  return { file, doc, lines };
}

/** Deep merge: objects key by key, anything else replaced by the upper layer. */
function merge(lower: unknown, upper: unknown): unknown {
  if (!isObject(lower) || !isObject(upper)) return upper;
  const out: Record<string, unknown> = { ...lower };
  for (const [k, v] of Object.entries(upper)) out[k] = k in lower ? merge(lower[k], v) : v;
  return out;
}

/** `/devices/*\/rtuPath` -> one pointer per element of /devices. */
function expand(raw: unknown, path: string): string[] {
  const star = path.indexOf('/*');
  if (star < 0) return [path];
  let arr: unknown = raw;
  for (const s of segments(path.slice(0, star))) arr = isObject(arr) || Array.isArray(arr) ? (arr as Record<string, unknown>)[s] : undefined;
  if (!Array.isArray(arr)) return [];
  return arr.flatMap((_, i) => expand(raw, `${path.slice(0, star)}/${i}${path.slice(star + 2)}`));
}

function setAt(raw: Record<string, unknown>, path: string, value: unknown, source: string, sources: Map<string, string>): void {
  const parts = segments(path);
  let node: Record<string, unknown> = raw;
  let at = '';
  parts.forEach((s, i) => {
    at += `/${s}`;
    if (i === parts.length - 1) {
      node[s] = value;
      sources.set(at, source);
      return;
    }
    if (!isObject(node[s]) && !Array.isArray(node[s])) {
      node[s] = {};
      sources.set(at, source); // a section made by this flag: a problem inside it is the flag's
    }
    node = node[s] as Record<string, unknown>;
  });
}

/** The schema at a pointer (through objects and arrays), if it can be found. */
function schemaAt(schema: TSchema, path: string): TSchema | undefined {
  let s: TSchema | undefined = schema;
  for (const seg of segments(path)) {
    if (!s) return undefined;
    if (s.type === 'object') s = (s.properties as Record<string, TSchema> | undefined)?.[seg];
    else if (s.type === 'array') s = s.items as TSchema;
    else return undefined;
  }
  return s;
}

/** Flags and variables are text: a number or boolean where the schema wants one (text that is neither stays text, and is reported). */
function coerce(schema: TSchema, path: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const s = schemaAt(schema, path);
  const t: unknown = s?.type;
  if ((t === 'integer' || t === 'number') && /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(value)) return Number(value);
  if (t === 'boolean' && /^(true|false|1|0|yes|no)$/i.test(value)) return /^(true|1|yes)$/i.test(value);
  if (s?.anyOf && (s.anyOf as TSchema[]).every((m) => typeof m.const === 'number') && /^\d+$/.test(value)) return Number(value);
  return value;
}

// ---- problems

const REQUIRED = 'Expected required property';
const UNKNOWN = 'Unexpected property';

function schemaProblems(schema: TSchema, value: unknown, locate: (path: string, atKey?: boolean) => string): string[] {
  const check = compiled(schema);
  if (check.Check(value)) return [];
  const out = new Map<string, string>();
  const missing = new Set<string>();
  for (const e of check.Errors(value)) {
    const path = e.path === '' ? '/' : e.path;
    if (missing.has(path)) continue;
    let text: string;
    if (e.message === REQUIRED) {
      missing.add(path);
      text = 'required, but missing';
    } else if (e.message === UNKNOWN) {
      const parts = segments(path);
      const known = Object.keys((schemaAt(schema, `/${parts.slice(0, -1).join('/')}`)?.properties as object | undefined) ?? {});
      text = `unknown key${suggest(parts.at(-1) ?? '', known)}`;
    } else if (e.schema.anyOf && (e.schema.anyOf as TSchema[]).every((m) => m.const !== undefined)) {
      const options = (e.schema.anyOf as TSchema[]).map((m) => m.const as unknown);
      text = `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${shown(e.value, path)}${suggest(String(e.value), options.map(String), false)}`;
    } else {
      text = `${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}, got ${shown(e.value, path)}`;
    }
    // (a missing property also fails its type; TypeBox reports the absence first, and the rest is skipped above)
    if (!out.has(`${path}: ${text}`)) out.set(`${path}: ${text}`, `${locate(path, e.message === UNKNOWN)}${path}: ${text}`);
    if (out.size >= 50) break;
  }
  return [...out.values()];
}

/** `/devices/0/id: duplicate` -> `gateway.yaml:9:11 /devices/0/id: duplicate`. */
function placed(problem: string, locate: (path: string) => string): string {
  const m = /^(\/\S*?):\s/.exec(problem);
  return m ? `${locate(m[1]!)}${problem}` : problem;
}

/** `file:line:col `, `--flag `, `VARIABLE ` or `` for a pointer. */
function locateIn(path: string, sources: Map<string, string>, where: Where, atKey: boolean): string {
  const parts = segments(path);
  for (let n = parts.length; n > 0; n--) {
    const source = sources.get(`/${parts.slice(0, n).join('/')}`);
    if (source) return `${source} `;
  }
  if (!where) return '';
  // the deepest node of the file on the path; an unknown key points at the key itself
  let node: unknown = where.doc.contents;
  let pos: number | undefined;
  for (const [i, s] of parts.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === s);
      if (!pair) break;
      pos = (pair.key as Node).range?.[0];
      const value = pair.value as Node | null;
      if (value?.range && !isMap(value) && !isSeq(value) && !(atKey && i === parts.length - 1)) pos = value.range[0];
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[Number(s)] as Node | undefined;
      if (!item) break;
      pos = item.range?.[0];
      node = item;
    } else break;
  }
  if (pos === undefined) return `${where.file} `;
  const { line, col } = where.lines.linePos(pos);
  return `${where.file}:${line}:${col} `;
}

// ---- text

const SECRET = /(password|token|secret|^key$|\.key$|credential)/i;
const isSecret = (path: string) => SECRET.test(path.split(/[./]/).at(-1) ?? '') || SECRET.test(path);
const maskUrl = (s: string) => s.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/i, '$1:***@');

function shown(value: unknown, path = ''): string {
  if (value === undefined) return 'nothing';
  if (isSecret(path)) return '***';
  const text = typeof value === 'string' ? JSON.stringify(maskUrl(value)) : Array.isArray(value) ? `a list of ${value.length}` : isObject(value) ? 'a mapping' : textOf(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `; did you mean "url"?` for a near miss (edit distance), else the known keys. */
function suggest(word: string, known: readonly string[], list = true): string {
  if (known.length === 0) return '';
  let best = '';
  let bestDist = Infinity;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDist) [best, bestDist] = [k, d];
  }
  if (bestDist <= Math.max(2, Math.floor(best.length / 3))) return `; did you mean "${best}"?`;
  return list && known.length <= 12 ? `; known keys: ${known.join(', ')}` : '';
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
