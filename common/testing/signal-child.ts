// A process that stops through stopOnSignal, for common/signals.test.ts. argv: how long its stop
// takes (ms), and "fail" to make the stop throw. Prints "ready", then "stopped" once its stop ends.
import { stopOnSignal } from '../signals.ts';

const stopMs = Number(process.argv[2] ?? 0);
const fail = process.argv[3] === 'fail';
stopOnSignal(
  async () => {
    await new Promise((r) => setTimeout(r, stopMs));
    if (fail) throw new RangeError('could not close');
    console.log('stopped');
  },
  (err) => console.log(`stop failed: ${(err as Error).message}`),
);
setInterval(() => {}, 1000);
console.log('ready');
