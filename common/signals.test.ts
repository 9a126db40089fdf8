import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./testing/signal-child.ts', import.meta.url));

/** Starts the child, sends the signals once it is ready, and gives its exit code, output and life after the first signal. */
async function stopWith(signals: NodeJS.Signals[], args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const p = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let sentAt = 0;
  await new Promise<void>((ready) =>
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (sentAt === 0 && out.includes('ready')) {
        sentAt = Date.now();
        for (const s of signals) p.kill(s);
        ready();
      }
    }),
  );
  const code = await new Promise<number | null>((r) => p.once('exit', r));
  return { code, out, ms: Date.now() - sentAt };
}

describe('stopOnSignal (every service stops this way)', () => {
  it('SIGTERM runs the stop to its end, then exits 0', async () => {
    const r = await stopWith(['SIGTERM'], ['300']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('stopped');
    expect(r.ms).toBeGreaterThanOrEqual(300);
  });

  it('SIGINT does the same', async () => {
    const r = await stopWith(['SIGINT'], ['0']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('stopped');
  });

  it('a stop that fails is reported and exits 1', async () => {
    const r = await stopWith(['SIGTERM'], ['0', 'fail']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('stop failed: could not close');
  });

  it('a second signal while stopping exits at once, without waiting for the stop', async () => {
    const r = await stopWith(['SIGTERM', 'SIGINT'], ['30000']);
    expect(r.code).toBe(1);
    expect(r.out).not.toContain('stopped');
    expect(r.ms).toBeLessThan(10_000);
  });
});
