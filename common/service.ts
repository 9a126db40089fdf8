import type { Command } from 'commander';
import type { Static, TSchema } from '@sinclair/typebox';
import { describeConfig, loadConfig, type ConfigSpec } from './config.ts';
import { stopOnSignal } from './signals.ts';

/** The options given on the command line (not commander's defaults): they override the file and the environment. */
export function givenFlags(cmd: Command): Record<string, unknown> {
  return Object.fromEntries(Object.entries(cmd.opts()).filter(([k]) => cmd.getOptionValueSource(k) === 'cli'));
}

/** `payout schedule` for a subcommand, `gateway` for a command. */
const commandPath = (cmd: Command): string => (cmd.parent?.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name());

/**
 * Loads the command's config (`--config` file, environment, flags) once, validated against the
 * component's schema. `base` is what the command itself starts from, under the file.
 */
export function loadCommandConfig<T extends TSchema>(cmd: Command, spec: ConfigSpec<T>, base?: unknown): Static<T> {
  const { config } = cmd.opts<{ config?: string }>();
  return loadConfig(spec, { file: config, flags: givenFlags(cmd), env: process.env, base });
}

/**
 * A service command: load and validate its config; with `--check` print one
 * line (`sunshare gateway: config OK (gw.yaml) site=... mqtt.password=***`)
 * and return; else start it and stop it gracefully on SIGINT/SIGTERM.
 */
export async function runService<T extends TSchema>(
  cmd: Command,
  spec: ConfigSpec<T>,
  start: (config: Static<T>) => Promise<{ stop(): Promise<void> }>,
  loaded: Static<T> = loadCommandConfig(cmd, spec),
): Promise<void> {
  const { config: file, check } = cmd.opts<{ config?: string; check?: boolean }>();
  if (check) {
    console.log(`sunshare ${commandPath(cmd)}: config OK (${file ?? 'no file'}) ${describeConfig(loaded, spec.schema)}`);
    return;
  }
  const service = await start(loaded);
  stopOnSignal(() => service.stop());
}
