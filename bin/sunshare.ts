import { Command } from 'commander';
import { isSunshareError } from '../common/errors.ts';
import { register as registerSim } from '../firmware-sim/cli.ts';
import { register as registerGateway } from '../gateway/cli.ts';
import { register as registerBroker } from '../broker/cli.ts';
import { register as registerIngest } from '../ingest/cli.ts';
import { register as registerPayout } from '../payout/cli.ts';
import { register as registerApi } from '../api/cli.ts';
import { register as registerDemo } from '../demo/cli.ts';

// Each component's cli.ts only declares its options; the action imports the
// component itself, so `sunshare sim` never loads the API or the ledger.
const program = new Command('sunshare')
  .description('Sunshare: community solar telemetry and revenue sharing, from inverter to household payout')
  .showHelpAfterError()
  .enablePositionalOptions();

for (const register of [registerSim, registerGateway, registerBroker, registerIngest, registerPayout, registerApi, registerDemo]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (isSunshareError(err)) {
    console.error(err.describe());
    process.exit(1);
  }
  throw err;
}
