import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Secrets and personal data never reach a log line: a value under any of these
 * keys (any case, at any depth, in arrays too) is replaced by `[redacted]`.
 */
export const REDACTED_KEYS = ['password', 'token', 'secret', 'authorization', 'idCard', 'id_card', 'bankAccount', 'bank_account', 'key', 'cert'];
export const CENSOR = '[redacted]';

const redactedKeys = new Set(REDACTED_KEYS.map((k) => k.toLowerCase()));
const MAX_DEPTH = 12;

/** A copy of `value` with every secret key's value censored; shares nothing it changes with the input. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  // Errors, Buffers, Dates: pino's serializers know how to print them, and they hold no keyed secrets.
  if (value instanceof Error || value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactedKeys.has(k.toLowerCase()) ? CENSOR : redact(v, depth + 1, seen);
  return out;
}

/** The options every Sunshare logger uses (also for fastify's logger). */
export function loggerOptions(name: string, level = process.env.LOG_LEVEL ?? 'info'): LoggerOptions {
  return { name, level, formatters: { log: (obj) => redact(obj) as Record<string, unknown> } };
}

export function createLogger(name: string, level?: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(name, level), destination) : pino(loggerOptions(name, level));
}

/** A logger that writes nothing, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
