import { ERRORS, isSunshareError } from '../../common/errors.ts';
import { renderConfigsFor } from './render.ts';

/**
 * The container's entrypoint: renders the config templates the command names
 * (see render.ts), then runs the sunshare CLI in this same process, so signals
 * from `docker stop` reach it directly. Usage: entrypoint.ts <sunshare args...>
 */
const TEMPLATES = process.env.SUNSHARE_CONFIG_TEMPLATES ?? '/etc/sunshare';
const OUT = process.env.SUNSHARE_CONFIG_DIR ?? '/tmp/sunshare';

const args = process.argv.slice(2);
try {
  renderConfigsFor(args, TEMPLATES, OUT, process.env);
} catch (err) {
  if (!isSunshareError(err)) throw err;
  console.error(`sunshare container: ${err.describe()}\n${ERRORS[err.code].action}`);
  process.exit(err.exitStatus);
}
process.argv = [process.argv[0]!, 'sunshare', ...args];
await import('../../bin/sunshare.ts');
