import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redact } from './log.ts';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { log: createLogger('test', 'info', stream), text: () => text };
}

describe('log redaction', () => {
  it('censors secret and personal keys at any depth, in any case, inside arrays', () => {
    const { log, text } = capture();
    log.info(
      {
        config: { mqtt: { password: 'pw-1', tls: { Key: 'pem-2' } }, influx: { token: 'tok-3' } },
        households: [{ id: 'h1', id_card: '440232199001011234', bankAccount: '6222020000000001' }],
        headers: { Authorization: 'Bearer abc-4' },
      },
      'loaded',
    );
    const out = text();
    for (const secret of ['pw-1', 'pem-2', 'tok-3', '440232199001011234', '6222020000000001', 'abc-4']) expect(out).not.toContain(secret);
    expect(out).toContain('"id":"h1"');
    expect(out).toContain('[redacted]');
  });

  it('leaves the logged object itself untouched and survives cycles', () => {
    const obj: Record<string, unknown> = { password: 'x', nested: { ok: 1 } };
    obj.self = obj;
    const copy = redact(obj) as Record<string, unknown>;
    expect(obj.password).toBe('x');
    expect(copy.password).toBe('[redacted]');
    expect(copy.self).toBe('[…]');
  });
});
