import type { Command } from 'commander';

export function register(program: Command): void {
  const ingest = program
    .command('ingest')
    .description('Write gateway telemetry from MQTT to InfluxDB and daily energy to the ledger (acknowledged only once durable)')
    .option('-c, --config <file>', 'YAML/JSON config (see ingest/ingest.example.yaml); the environment overrides it, flags override both')
    .option('--check', 'validate the config, print it (secrets masked) and exit')
    .option('--mqtt <url>', 'MQTT broker (default $MQTT_URL, else mqtt://127.0.0.1:1883); user/password: MQTT_USERNAME, MQTT_PASSWORD')
    .option('--client-id <id>', 'MQTT client id: keep it stable, the persistent session is keyed by it')
    .option('--shared-group <name>', 'split messages with other instances of the same group ($share/<name>/...)')
    .option('--influx <url>', 'InfluxDB URL (default $INFLUX_URL, else http://127.0.0.1:8086)')
    .option('--database <name>', 'InfluxDB 1.x database (default $INFLUX_DATABASE)')
    .option('--org <org>', 'InfluxDB 2.x org (default $INFLUX_ORG; token: INFLUX_TOKEN)')
    .option('--bucket <bucket>', 'InfluxDB 2.x bucket (default $INFLUX_BUCKET)')
    .option('--ledger <url>', 'SQLite file or postgres:// URL (default $DATABASE_URL, else data/ledger.sqlite)')
    .option('--http-port <port>', 'serve /health and /metrics on this port (default 9102)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (default: $LOG_LEVEL or info)')
    .addHelpText(
      'after',
      `
Messages that are not JSON, have the wrong schema version, miss fields, carry absurd values or name
a site or device the ledger does not know (after reloading it) are counted, logged, kept in the
ledger's dead_letters (see \`sunshare ingest dead-letters\`) and published to
sunshare/v1/_deadletter/{site}/{gateway}; the good readings around them are kept.
Daily energy is computed for each local day once it has ended (energy.graceMs later); see docs/ingest.md.`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { runIngestCommand } = await import('./load-config.ts');
      await runIngestCommand(cmd);
    });

  ingest
    .command('close-days')
    .alias('settle')
    .description('Compute daily energy now for every local day that has ended (what the running ingest does every minute)')
    .option('--ledger <url>', 'SQLite file or postgres:// URL (default $DATABASE_URL, else data/ledger.sqlite)')
    .option('--grace-minutes <n>', 'only days that ended at least this long ago', (v) => Number(v), 15)
    .action(async (flags: { ledger?: string; graceMinutes: number }) => {
      const { runCloseEnergyDaysCommand } = await import('./load-config.ts');
      const r = await runCloseEnergyDaysCommand(flags.ledger, flags.graceMinutes * 60_000);
      console.log(`closed ${r.computed} device-days, ${r.revisions} new daily_energy rows`);
    });

  const letters = ingest
    .command('dead-letters')
    .description("Messages ingest refused, kept in the ledger's dead_letters: list them, or replay them through the running ingest");
  const filters = (c: Command) =>
    c
      .option('--ledger <url>', 'SQLite file or postgres:// URL (default $DATABASE_URL, else data/ledger.sqlite); must exist')
      .option('--id <id...>', 'these letters only')
      .option('--reason <reason>', 'not_json, wrong_schema, invalid, topic_mismatch, unknown_site, unknown_device, absurd_time, internal, bad_topic')
      .option('--site <site>', 'letters of this site only')
      .option('--since <time>', 'received at or after this ISO 8601 time or date (UTC)')
      .option('--limit <n>', 'at most this many', (v) => Number(v));
  filters(letters.command('list').description('List dead letters, oldest first, with their replay state'))
    .option('--json', 'as JSON, payloads in base64')
    .action(async (flags: Record<string, unknown>) => {
      const { runListCommand } = await import('./dead-letters/command.ts');
      console.log(await runListCommand(flags));
    });
  filters(letters.command('replay').description('Queue dead letters for the running ingest to validate and write again (each at most once successfully)'))
    .option('--all', 'every letter not yet replayed successfully')
    .option('--by <name>', 'who asks (recorded with the replay)')
    .option('--wait <seconds>', 'wait this long for the outcomes; exit 1 if one was not written', (v) => Number(v))
    .action(async (flags: Record<string, unknown>) => {
      const { runReplayCommand } = await import('./dead-letters/command.ts');
      const r = await runReplayCommand(flags);
      console.log(r.text);
      if (r.failed) process.exitCode = 1;
    });
}
