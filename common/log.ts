import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Secrets and personal data never reach a log line: these keys are redacted
 * wherever they appear in a logged object (two levels deep).
 */
export const REDACTED_KEYS = ['password', 'token', 'secret', 'authorization', 'idCard', 'id_card', 'bankAccount', 'bank_account', 'key', 'cert'];

const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths, censor: '[redacted]' } });
}

/** A logger that writes nothing, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
