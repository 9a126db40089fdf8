// Spawned by tests and SIGKILLed: a Publisher that makes one synthetic batch every `every` ms.
import { silentLogger } from '../../common/log.ts';
import { parseGatewayConfig } from '../config.ts';
import { Publisher } from '../mqtt/publisher.ts';

const cfg = parseGatewayConfig(JSON.parse(process.argv[2] as string));
const every = Number(process.argv[3] ?? 50);
const pub = new Publisher(cfg, silentLogger);
setInterval(() => {
  const seq = pub.publish([{ device: 'inv1', kind: 'inverter', ts: Date.now(), ac_power_w: 1000 }]);
  process.stdout.write(`${seq}\n`);
}, every);
