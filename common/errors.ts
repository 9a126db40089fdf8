/**
 * Errors that reach a person carry a stable code (for scripts, dashboards and
 * the API), a message that says what to do, and optional details such as the
 * list of config problems.
 */
export class SunshareError extends Error {
  readonly code: string;
  readonly details: readonly string[];
  readonly httpStatus: number;

  constructor(code: string, message: string, opts: { details?: readonly string[]; httpStatus?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SunshareError';
    this.code = code;
    this.details = opts.details ?? [];
    this.httpStatus = opts.httpStatus ?? 500;
  }

  /** The message and every detail, one per line, as a CLI prints it. */
  describe(): string {
    return [`${this.code}: ${this.message}`, ...this.details.map((d) => `  - ${d}`)].join('\n');
  }
}

export const isSunshareError = (err: unknown): err is SunshareError => err instanceof SunshareError;
