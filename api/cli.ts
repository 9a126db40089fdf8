import type { Command } from 'commander';

const ROLE_HELP = 'viewer (read), operator (+ gateways, device health), finance (+ payout runs, reports, payment files), approver (read, approve payout months), admin (everything, registry changes)';

export function register(program: Command): void {
  const api = program
    .command('api')
    .description('Serve the HTTP API (OpenAPI at /docs) and the status page (at /)')
    .option('-c, --config <file>', 'YAML/JSON config (see api/api.example.yaml); the environment overrides it, flags override both')
    .option('--check', 'validate the config, print it (secrets masked) and exit')
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (default 8080)')
    .option('--ledger <url>', 'SQLite file or postgres:// URL (default $DATABASE_URL, else data/ledger.sqlite)')
    .option('--mqtt <url>', 'MQTT broker the gateways publish to, for live status (default $MQTT_URL, else mqtt://127.0.0.1:1883); user/password: MQTT_USERNAME, MQTT_PASSWORD')
    .option('--no-mqtt-live', 'serve without the live status feed')
    .option('--log-level <level>', 'trace, debug, info, warn or error (default: $LOG_LEVEL or info)')
    .addHelpText('after', `\nCreate a token first: sunshare api token create --role viewer --name alice\nRoles: ${ROLE_HELP}`)
    .action(async (_opts: unknown, cmd: Command) => {
      const { runApiCommand } = await import('./run.ts');
      await runApiCommand(cmd);
    });

  const token = api.command('token').description('Create, list and revoke API tokens (stored hashed; a token is shown once)');
  token
    .command('create')
    .description('Create a token and print it once')
    .requiredOption('--role <role>', `one of: ${ROLE_HELP}`)
    .requiredOption('--name <name>', 'who or what holds it (shown in the audit log)')
    .option('--ledger <url>', 'ledger (default $DATABASE_URL, else data/ledger.sqlite)')
    .action(async (opts: { role: string; name: string; ledger?: string }) => {
      const { tokenCreate } = await import('./run.ts');
      await tokenCreate(opts);
    });
  token
    .command('list')
    .description('List tokens (never the tokens themselves)')
    .option('--ledger <url>', 'ledger (default $DATABASE_URL, else data/ledger.sqlite)')
    .action(async (opts: { ledger?: string }) => {
      const { tokenList } = await import('./run.ts');
      await tokenList(opts);
    });
  token
    .command('revoke <id>')
    .description('Revoke a token by its id (see `token list`)')
    .option('--ledger <url>', 'ledger (default $DATABASE_URL, else data/ledger.sqlite)')
    .action(async (id: string, opts: { ledger?: string }) => {
      const { tokenRevoke } = await import('./run.ts');
      await tokenRevoke(id, opts);
    });
}
