/** common's public surface for other folders. */
export * from './time.ts';
// The public surface of common/ that the config path uses (other modules are still imported by path).
export { describeConfig, loadConfig, loadConfigFile, LogLevel, parseConfig, type ConfigInput, type ConfigSpec, type ConfigTarget } from './config.ts';
export { isSunshareError, SunshareError } from './errors.ts';
export { givenFlags, loadCommandConfig, runService } from './service.ts';
export { stopOnSignal } from './signals.ts';
