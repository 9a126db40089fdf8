import { Command } from 'commander';
import { ERRORS, isSunshareError } from '../common/errors.ts';
import { register as registerSim } from '../firmware-sim/cli.ts';
import { register as registerGateway } from '../gateway/cli.ts';
import { register as registerBroker } from '../broker/cli.ts';
import { register as registerIngest } from '../ingest/cli.ts';
import { register as registerPayout } from '../payout/cli.ts';
import { register as registerApi } from '../api/cli.ts';
import { register as registerDemo } from '../demo/cli.ts';
import { register as registerMonitor } from '../monitor/cli.ts';

// Each component's cli.ts only declares its options; the action imports the
// component itself, so `sunshare sim` never loads the API or the ledger.
const program = new Command('sunshare')
  .description('Sunshare: community solar telemetry and revenue sharing, from inverter to household payout')
  .showHelpAfterError()
  .enablePositionalOptions();

for (const register of [registerSim, registerGateway, registerBroker, registerIngest, registerPayout, registerApi, registerMonitor, registerDemo]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (isSunshareError(err)) {
    // the code's exit status and what to do come from the table in common/errors.ts (docs/errors.md)
    console.error(`${err.describe()}\n${ERRORS[err.code].action}`);
    process.exit(err.exitStatus);
  }
  // anything else is a bug: say so, with the stack for the report
  console.error(`INTERNAL: ${(err as Error).message}\n${ERRORS.INTERNAL.action}\n${(err as Error).stack ?? ''}`);
  process.exit(ERRORS.INTERNAL.exit);
}
