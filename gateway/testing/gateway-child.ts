// Spawned by outage tests and SIGKILLed: a real gateway (startGateway) from a config given as JSON;
// prints the last seq it has spooled whenever it changes.
import { silentLogger } from '../../common/log.ts';
import { parseGatewayConfig } from '../config.ts';
import { startGateway } from '../gateway.ts';

const gw = await startGateway(parseGatewayConfig(JSON.parse(process.argv[2] as string)), { log: silentLogger });
let printed = -1;
if (process.env.SUNSHARE_DEBUG_GW) setInterval(() => console.error(JSON.stringify(gw.stats().publisher)), 1000);
setInterval(() => {
  const seq = gw.stats().publisher.lastSeq;
  if (seq !== printed) {
    printed = seq;
    process.stdout.write(`${seq}\n`);
  }
}, 10);
