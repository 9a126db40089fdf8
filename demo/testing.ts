import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { startInfluxSink, type InfluxSink } from './influx-sink.ts';
import { startDemo, type Demo } from './index.ts';

export interface RestartableDemo {
  /** The data dir every run shares (ledger, spools, broker sessions, state). */
  readonly dataDir: string;
  /** Starts a run: on an empty data dir the first time, then resuming it (the default). */
  start(): Promise<Demo>;
  /** Stops the current run. */
  stop(): Promise<void>;
  /** Batch seqs one gateway (`site/gateway`) has delivered to InfluxDB over all runs, ascending. */
  seqs(key: string): number[];
  /** The highest of those, -1 before the first. */
  maxSeq(key: string): number;
}

/**
 * The demo for tests that stop it and start it again on the same data dir
 * (2 sites, 3 households, 30-second days), its telemetry captured by one
 * in-process InfluxDB sink across the runs. Call inside a describe: whatever
 * still runs is stopped, and the temp dir removed, after the file.
 */
export function restartableDemo(prefix: string): RestartableDemo {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, 'data');
  const opts = { apiPort: 0, mqttPort: 0, dataDir, daySeconds: 30, sites: 2, households: 3 };
  let sink: InfluxSink | undefined;
  let running: Demo | undefined;
  let runs = 0;
  const stop = async () => {
    await running?.stop();
    running = undefined;
  };
  afterAll(async () => {
    await stop();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const seqs = (key: string) => [...(sink?.batches().get(key) ?? [])].sort((a, b) => a - b);
  return {
    dataDir,
    async start() {
      sink ??= await startInfluxSink();
      running = await startDemo(runs++ === 0 ? { ...opts, fresh: true } : opts, undefined, { influxSink: sink });
      return running;
    },
    stop,
    seqs,
    maxSeq: (key) => Math.max(-1, ...seqs(key)),
  };
}
