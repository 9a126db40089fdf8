import type { Command } from 'commander';

export function register(program: Command): void {
  const broker = program
    .command('broker')
    .description('Run the embedded MQTT broker (aedes): TCP and TLS, per-client credentials, ACL, on-disk sessions')
    .option('-c, --config <file>', 'YAML/JSON config with the keys below (host, port, tls: {port, cert, key, only}, credentials, persistence, allowAnonymous, logLevel); flags override it')
    .option('--check', 'validate the config, print it (secrets masked) and exit')
    .option('--host <address>', 'address to listen on (default 0.0.0.0)')
    .option('-p, --port <port>', 'MQTT over TCP port (0: a free one; default 1883)')
    .option('--tls-port <port>', 'MQTT over TLS port (needs --cert and --key; default 8883)')
    .option('--cert <file>', 'PEM certificate for TLS')
    .option('--key <file>', 'PEM private key for TLS')
    .option('--tls-only', 'open no plain MQTT port: every client must use TLS (needs --cert and --key)')
    .option('--credentials <file>', 'users file (YAML): scrypt password hashes and roles; see broker/credentials.example.yaml')
    .option('--persistence <dir>', 'directory of the on-disk session store (QoS 1 messages survive restarts; default data/broker)')
    .option('--allow-anonymous', 'accept anyone and apply no ACL (the one-process demo only)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (default: $LOG_LEVEL or info)')
    .addHelpText(
      'after',
      `
Roles: a "gateway" user (with site and gateway) may publish only under sunshare/v1/{site}/{gateway}/;
the "ingest" user may subscribe to everything (shared subscriptions too) and publish dead letters;
a "monitor" user (the API's live status) may only subscribe under sunshare/v1/;
everyone else is refused and counted. Make a password hash with: sunshare broker hash-password
For production on Mosquitto instead, see broker/mosquitto.conf and docs/ingest.md.`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { runBrokerCommand } = await import('./run.ts');
      await runBrokerCommand(cmd);
    });

  broker
    .command('hash-password')
    .description('Read a password from stdin and print its scrypt hash for the credentials file')
    .action(async () => {
      const { hashPassword } = await import('./credentials.ts');
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const plain = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      if (plain === '') {
        const { SunshareError } = await import('../common/errors.ts');
        throw new SunshareError('OPTION_INVALID', 'no password on stdin: pipe it in, e.g. `printf %s "$PASSWORD" | sunshare broker hash-password`');
      }
      console.log(await hashPassword(plain));
    });
}
