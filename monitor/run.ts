import type { Command } from 'commander';
import { createLogger } from '../common/log.ts';
import { runService } from '../common/service.ts';
import { MONITOR_CONFIG } from './config.ts';
import { startMonitor } from './service.ts';

export async function runMonitorCommand(cmd: Command): Promise<void> {
  await runService(cmd, MONITOR_CONFIG, async (config) => startMonitor(config, { log: createLogger('monitor', config.logLevel) }));
}
