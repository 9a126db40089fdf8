import type { Command } from 'commander';
import { runService, type ConfigSpec } from '../common/index.ts';
import { createLogger } from '../common/log.ts';
import { GATEWAY_CONFIG, type GatewayConfig } from './config.ts';
import { startGateway } from './gateway.ts';
import { mqttClientOptions } from './mqtt/client-options.ts';
import { checkProfiles } from './profiles/index.ts';

/** The command checks more than the file: every device's register map, and the TLS files it names (read now, not at the first connect). */
const COMMAND_CONFIG: ConfigSpec<typeof GatewayConfig> = {
  ...GATEWAY_CONFIG,
  check: (cfg) => {
    const problems = [...GATEWAY_CONFIG.check(cfg)];
    for (const step of [() => checkProfiles(cfg.devices), () => mqttClientOptions(cfg)]) {
      try {
        step();
      } catch (err) {
        const e = err as { code?: string; details?: readonly string[]; message: string };
        if (!e.code?.startsWith('CONFIG_')) throw err;
        problems.push(...(e.details?.length ? e.details : [e.message]));
      }
    }
    return problems;
  },
};

export async function runGatewayCommand(cmd: Command): Promise<void> {
  await runService(cmd, COMMAND_CONFIG, (cfg) => startGateway(cfg, { log: createLogger('gateway', cfg.logLevel) }));
}
