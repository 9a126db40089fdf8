import type { Command } from 'commander';
import { runService } from '../common/index.ts';
import { createLogger } from '../common/log.ts';
import { BROKER_CONFIG, type BrokerCommandConfig } from './config.ts';
import { loadCredentials } from './credentials.ts';
import { startBroker } from './server.ts';

/** The command checks the credentials file too (and that there is one, unless anonymous). */
const COMMAND_CONFIG: typeof BROKER_CONFIG & { check: (c: BrokerCommandConfig) => string[] } = {
  ...BROKER_CONFIG,
  check: (c) => {
    if (c.credentials) loadCredentials(c.credentials);
    else if (!c.allowAnonymous) return ['/credentials: a users file is required (allowAnonymous is for the demo only)'];
    return [];
  },
};

export async function runBrokerCommand(cmd: Command): Promise<void> {
  await runService(cmd, COMMAND_CONFIG, async ({ logLevel, ...options }) => {
    const b = await startBroker({ ...options, log: createLogger('broker', logLevel) });
    console.log(`broker listening on ${b.url}${b.tlsPort && !b.url.startsWith('mqtts:') ? ` and mqtts://:${b.tlsPort}` : ''}`);
    return b;
  });
}
