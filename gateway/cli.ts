import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('gateway')
    .description('Poll Modbus inverters and meters at a site and publish their readings to MQTT, spooling to disk while offline')
    .requiredOption('-c, --config <file>', 'gateway config (YAML or JSON); see gateway/config.example.yaml and docs/gateway.md')
    .option('--check', 'validate the config, the device maps and the TLS files it names, and exit')
    .option('--log-level <level>', 'trace, debug, info, warn or error (default: $LOG_LEVEL or info)')
    .addHelpText(
      'after',
      `
The config names the site and gateway ids, the MQTT broker (url, username/password, TLS CA, client
certificate and key), the poll interval, the spool (dir, maxBytes) and the devices (tcp host/port or
rtu serial path, unit id, profile: "sunspec" or a vendor map such as huawei-sun2000 or sungrow-sg).
Every config problem is listed with its path. SIGTERM/SIGINT stop cleanly (offline status retained);
a kill -9 loses nothing: unacknowledged batches are replayed from the spool on the next start.`,
    )
    .action(async (opts: { config: string; check?: boolean; logLevel?: string }) => {
      const { loadGatewayConfig, startGateway } = await import('./index.ts');
      const { checkProfiles } = await import('./profiles/index.ts');
      const { createLogger } = await import('../common/log.ts');
      const cfg = loadGatewayConfig(opts.config);
      checkProfiles(cfg.devices, opts.config);
      const { mqttClientOptions } = await import('./mqtt/client-options.ts');
      mqttClientOptions(cfg); // reads the TLS files: a missing CA or key is reported now, not at the first connect
      if (opts.check) {
        console.log(`${opts.config}: valid (${cfg.devices.length} devices)`);
        return;
      }
      const gw = await startGateway(cfg, { log: createLogger('gateway', opts.logLevel) });
      const stop = () => {
        void gw.stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
