import type { Command } from 'commander';
import { loadCommandConfig, runService } from '../common/index.ts';
import { ledgerUrl, openLedger } from '../common/ledger/index.ts';
import { INGEST_CONFIG } from './config.ts';
import { closeEnergyDays, type CloseEnergyDaysResult } from './energy/close-days.ts';
import { Registry } from './registry.ts';

export async function runCloseEnergyDaysCommand(ledger: string | undefined, graceMs: number): Promise<CloseEnergyDaysResult> {
  const db = await openLedger(ledgerUrl(ledger), { mustExist: true });
  try {
    const registry = new Registry(db);
    await registry.refresh();
    return await closeEnergyDays(db, { now: Date.now(), graceMs, maxGapMs: 3_600_000, tzOf: registry.tzOf });
  } finally {
    await db.close();
  }
}

/**
 * `sunshare ingest`: the config file (if any), then the environment, then the flags given, validated
 * once; then run until SIGINT/SIGTERM. The command serves /health and /metrics (on 127.0.0.1:9102
 * unless the file or --http-port says otherwise).
 */
export async function runIngestCommand(cmd: Command): Promise<void> {
  const [{ startIngest }, { createLogger }] = await Promise.all([import('./index.ts'), import('../common/log.ts')]);
  const config = loadCommandConfig(cmd, INGEST_CONFIG, { http: {} });
  await runService(cmd, INGEST_CONFIG, (cfg) => startIngest(cfg, { log: createLogger('ingest', cfg.logLevel) }), config);
}
