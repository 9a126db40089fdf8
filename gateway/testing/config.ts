import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Spool dirs of this test file; `afterAll(removeTestSpools)` deletes them. */
let root: string | undefined;
function spoolDir(): string {
  root ??= mkdtempSync(join(tmpdir(), 'sunshare-gw-spool-'));
  return mkdtempSync(join(root, 's-'));
}

export function removeTestSpools(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

export const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** A raw gateway config for tests: unique site/gateway ids, a temp spool dir, fast reconnects. */
export function testConfig(mqttUrl: string, over: Record<string, unknown> = {}, devices: unknown[] = [{ id: 'inv1', transport: 'tcp', host: '127.0.0.1', port: 1, profile: 'sunspec' }]) {
  const { mqtt: mqttOver, spool: spoolOver, ...rest } = over as { mqtt?: object; spool?: object };
  return {
    site: uniqueId('site'),
    gateway: 'gw1',
    pollIntervalMs: 200,
    mqtt: { url: mqttUrl, reconnectPeriodMs: 200, connectTimeoutMs: 2000, ...mqttOver },
    spool: { dir: spoolDir(), fsync: 'always', replayBatchesPerSecond: 200, ...spoolOver },
    devices,
    ...rest,
  };
}
