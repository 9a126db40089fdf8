import type { Command } from 'commander';

export function register(program: Command): void {
  const broker = program
    .command('broker')
    .description('Run the embedded MQTT broker (aedes): TCP and TLS, per-client credentials, ACL, on-disk sessions')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('-p, --port <port>', 'MQTT over TCP port (0: a free one)', (v) => Number(v), 1883)
    .option('--tls-port <port>', 'MQTT over TLS port (needs --cert and --key)', (v) => Number(v), 8883)
    .option('--cert <file>', 'PEM certificate for TLS')
    .option('--key <file>', 'PEM private key for TLS')
    .option('--tls-only', 'open no plain MQTT port: every client must use TLS (needs --cert and --key)')
    .option('--credentials <file>', 'users file (YAML): scrypt password hashes and roles; see broker/credentials.example.yaml')
    .option('--persistence <dir>', 'directory of the on-disk session store (QoS 1 messages survive restarts)', 'data/broker')
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
    .action(
      async (opts: { host: string; port: number; tlsPort: number; tlsOnly?: boolean; cert?: string; key?: string; credentials?: string; persistence: string; allowAnonymous?: boolean; logLevel?: string }) => {
        const { startBroker } = await import('./index.ts');
        const { createLogger } = await import('../common/log.ts');
        const { SunshareError } = await import('../common/errors.ts');
        if ((opts.cert === undefined) !== (opts.key === undefined)) throw new SunshareError('OPTION_INVALID', 'TLS needs both --cert and --key', { details: ['--cert, --key: give both or neither'] });
        if (opts.tlsOnly && opts.cert === undefined) throw new SunshareError('OPTION_INVALID', '--tls-only needs a certificate', { details: ['--tls-only: give --cert and --key too'] });
        const b = await startBroker({
          host: opts.host,
          port: opts.port,
          persistence: opts.persistence,
          allowAnonymous: opts.allowAnonymous ?? false,
          ...(opts.credentials ? { credentials: opts.credentials } : {}),
          ...(opts.cert && opts.key ? { tls: { port: opts.tlsPort, cert: opts.cert, key: opts.key, only: opts.tlsOnly ?? false } } : {}),
          log: createLogger('broker', opts.logLevel),
        });
        console.log(`broker listening on ${b.url}${b.tlsPort && !b.url.startsWith('mqtts:') ? ` and mqtts://:${b.tlsPort}` : ''}`);
        const stop = () => void b.stop().then(() => process.exit(0));
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      },
    );

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
