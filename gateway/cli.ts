import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('gateway')
    .description('Poll Modbus inverters and meters at a site and publish their readings to MQTT, spooling to disk while offline')
    .option('-c, --config <file>', 'gateway config (YAML or JSON); see gateway/config.example.yaml and docs/gateway.md')
    .option('--check', 'validate the config, the device maps and the TLS files it names, print it (secrets masked) and exit')
    .option('--probe', 'read every configured device once, print the decoded values (compare with each device\'s own display) and exit; nothing is published')
    .option('--scan <units>', 'with --probe: unit ids to look for inverters at behind a SmartLogger (huawei-smartlogger device), e.g. 1-30')
    .option('--site <id>', 'site id (config: site)')
    .option('--gateway <id>', 'gateway id (config: gateway)')
    .option('--mqtt <url>', 'MQTT broker URL (config: mqtt.url; env MQTT_URL); user/password: MQTT_USERNAME, MQTT_PASSWORD')
    .option('--spool <dir>', 'spool directory (config: spool.dir)')
    .option('--poll-ms <ms>', 'poll interval, ms (config: pollIntervalMs)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (default: $LOG_LEVEL or info)')
    .addHelpText(
      'after',
      `
The config names the site and gateway ids, the MQTT broker (url, username/password, TLS CA, client
certificate and key), the poll interval, the spool (dir, maxBytes) and the devices (tcp host/port or
rtu serial path, unit id, profile: "sunspec" or a vendor map such as huawei-sun2000 or sungrow-sg;
or a DL/T 645-2007 meter: protocol dlt645, its address, profile dlt645-meter).
Flags override the environment, which overrides the file; every config problem is listed with
its file:line:column (or flag or variable) and path. SIGTERM/SIGINT stop cleanly (offline status retained);
a kill -9 loses nothing: unacknowledged batches are replayed from the spool on the next start.`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { runGatewayCommand } = await import('./run.ts');
      await runGatewayCommand(cmd);
    });
}
