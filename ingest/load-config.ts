import type { Command } from 'commander';
import { givenFlags, loadConfig, runService } from '../common/index.ts';
import { ledgerUrl, openLedger } from '../common/ledger/index.ts';
import { INGEST_CONFIG, type IngestConfig } from './config.ts';
import { closeEnergyDays, type CloseEnergyDaysResult } from './energy/close-days.ts';
import { Registry } from './registry.ts';

/**
 * The config file (if any), then the environment, then the flags given,
 * validated once. The command serves /health and /metrics (http: on
 * 127.0.0.1:9102 unless the file or --http-port says otherwise).
 */
export function loadIngestConfig(input: { file?: string | undefined; flags?: Readonly<Record<string, unknown>>; env?: Readonly<Record<string, string | undefined>> } = {}): IngestConfig {
  return loadConfig(INGEST_CONFIG, { ...input, base: { http: {} } });
}

export async function runCloseEnergyDaysCommand(ledger: string | undefined, graceMs: number): Promise<CloseEnergyDaysResult> {
  const db = await openLedger(ledgerUrl(ledger));
  try {
    const registry = new Registry(db);
    await registry.refresh();
    return await closeEnergyDays(db, { now: Date.now(), graceMs, maxGapMs: 3_600_000, tzOf: registry.tzOf });
  } finally {
    await db.close();
  }
}

/** `sunshare ingest`: load and validate once, then run until SIGINT/SIGTERM. */
export async function runIngestCommand(cmd: Command): Promise<void> {
  const [{ startIngest }, { createLogger }] = await Promise.all([import('./index.ts'), import('../common/log.ts')]);
  const { config: file } = cmd.opts<{ config?: string }>();
  const config = loadIngestConfig({ file, flags: givenFlags(cmd), env: process.env });
  await runService(cmd, INGEST_CONFIG, (cfg) => startIngest(cfg, { log: createLogger('ingest', cfg.logLevel) }), config);
}
