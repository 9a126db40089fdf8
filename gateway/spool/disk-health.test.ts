import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { DiskHealth } from './disk-health.ts';

describe('disk health', () => {
  it('logs the first failure at once, then once a minute while it lasts, and the recovery; counts every failure', () => {
    const lines: { msg: string; failures?: number }[] = [];
    let now = 0;
    const disk = new DiskHealth(createLogger('gateway', 'warn', { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) }), () => now);
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    for (let i = 0; i < 30; i++, now += 1000) disk.failed(enospc, 'spool');
    expect(lines.map((l) => l.msg)).toEqual(['cannot write to the spool directory: keeping batches in memory and retrying']);
    now += 31_000;
    disk.failed(enospc, 'spool');
    expect(lines.at(-1)).toMatchObject({ msg: 'spool directory still not writable', failures: 31 });
    expect(disk.stats()).toEqual({ writeFailures: 31, writeError: 'ENOSPC: no space left on device, write' });
    disk.succeeded();
    expect(lines.at(-1)?.msg).toBe('spool directory writable again');
    expect(disk.stats()).toEqual({ writeFailures: 31 });
    expect(lines).toHaveLength(3);
  });
});
