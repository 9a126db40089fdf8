// Entry for a bundled build of the gateway alone (docs/gateway.md, "Smaller footprint"):
//   esbuild gateway/main.ts --bundle --platform=node --format=esm --packages=external --outfile=DIR/gateway.mjs
//   cp -r common/devices/sunspec common/devices/maps DIR/     # the register maps travel with the bundle
//   node DIR/gateway.mjs /etc/sunshare/gateway.yaml
// Plain node, no tsx at run time. `sunshare gateway` remains the normal way to run it.
import { isSunshareError } from '../common/errors.js';
import { createLogger } from '../common/log.js';
import { loadGatewayConfig, startGateway } from './index.js';
import { checkProfiles } from './profiles/index.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: gateway.mjs CONFIG_FILE');
  process.exit(2);
}
try {
  const cfg = loadGatewayConfig(file);
  checkProfiles(cfg.devices, file);
  const gw = await startGateway(cfg, { log: createLogger('gateway') });
  const stop = () => void gw.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  if (!isSunshareError(err)) throw err;
  console.error(err.describe());
  process.exit(1);
}
