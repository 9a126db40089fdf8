import type { Command } from 'commander';
import { loadCommandConfig, runService, SunshareError, type ConfigSpec } from '../common/index.ts';
import { EXIT } from '../common/errors.ts';
import { createLogger } from '../common/log.ts';
import { GATEWAY_CONFIG, type GatewayConfig } from './config.ts';
import { startGateway } from './gateway.ts';
import { mqttClientOptions } from './mqtt/client-options.ts';
import { probe } from './probe.ts';
import { checkPlantTotals, checkProfiles } from './profiles/index.ts';
import { parseUnits } from './smartlogger/discover.ts';

/**
 * The command checks more than the file: every device's register map, and the TLS files it names (read
 * now, not at the first connect); and, except for --probe (which publishes nothing), that no plant-level
 * total runs beside inverters.
 */
const commandConfig = (probing: boolean): ConfigSpec<typeof GatewayConfig> => ({
  ...GATEWAY_CONFIG,
  check: (cfg) => {
    const problems = [...GATEWAY_CONFIG.check(cfg)];
    const steps = [() => checkProfiles(cfg.devices), ...(probing ? [] : [() => checkPlantTotals(cfg.devices)]), () => mqttClientOptions(cfg)];
    for (const step of steps) {
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
});

export async function runGatewayCommand(cmd: Command): Promise<void> {
  const { probe: probing, scan } = cmd.opts<{ probe?: boolean; scan?: string }>();
  if (probing) {
    const cfg = loadCommandConfig(cmd, commandConfig(true));
    const units = scan === undefined ? [] : parseUnits(scan);
    if (scan !== undefined && units.length === 0) throw new SunshareError('OPTION_INVALID', `--scan "${scan}" is not a list of unit ids such as 1-30 or 12,13,20-24`);
    const failed = await probe(cfg, createLogger('gateway', cfg.logLevel ?? 'warn'), { scan: units, print: (l) => console.log(l) });
    console.log(failed === 0 ? `all ${cfg.devices.length} device(s) read` : `${failed} of ${cfg.devices.length} device(s) failed`);
    if (failed > 0) process.exitCode = EXIT.unavailable;
    return;
  }
  await runService(cmd, commandConfig(false), (cfg) => startGateway(cfg, { log: createLogger('gateway', cfg.logLevel) }));
}
