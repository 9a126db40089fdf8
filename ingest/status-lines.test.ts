import { describe, expect, it } from 'vitest';
import { STATUS_SCHEMA, type GatewayStatus } from '../common/contract.ts';
import { statusLines } from './points.ts';

const status = (spool: GatewayStatus['spool']): GatewayStatus => ({ schema: STATUS_SCHEMA, site: 's1', gateway: 'gw1', online: true, ts: 1_700_000_000_000, spool });

describe('gateway status to InfluxDB', () => {
  it("writes the spool's memory buffer and write failures as gateway fields", () => {
    const [line] = statusLines(status({ bytes: 10, batches: 2, evictedBatches: 0, memoryBatches: 3, memoryBytes: 4500, memoryEvictedBatches: 1, memoryEvictedReadings: 8, writeFailures: 7, writeError: 'ENOSPC: no space left on device, write' }));
    for (const f of ['spool_memory_batches=3i', 'spool_memory_bytes=4500i', 'spool_memory_evicted_batches=1i', 'spool_memory_evicted_readings=8i', 'spool_write_failures=7i']) expect(line).toContain(f);
  });

  it('leaves them out for a gateway that does not send them (older versions)', () => {
    const [line] = statusLines(status({ bytes: 10, batches: 2, evictedBatches: 0 }));
    expect(line).toContain('spool_bytes=10i');
    expect(line).not.toContain('spool_memory');
    expect(line).not.toContain('spool_write_failures');
  });
});
