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
  console.error(`sunshare container: ${(err as Error).message}`);
  process.exit(1);
}
process.argv = [process.argv[0]!, 'sunshare', ...args];
await import('../../bin/sunshare.ts');
