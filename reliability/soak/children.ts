import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'sunshare.js');

/**
 * A component (`sunshare gateway|ingest --config <file>`) run as its own
 * process, so the soak can kill -9 it and start it again on the same config
 * and data directory, as a crash and a supervisor restart would.
 */
export class ComponentProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  starts = 0;
  kills = 0;
  /** Exits nobody asked for. */
  readonly crashes: string[] = [];

  readonly name: string;
  private readonly command: 'gateway' | 'ingest';
  private readonly config: unknown;
  private readonly dir: string;
  /** The child's environment (a fake wall clock for a gateway); this process's by default. */
  private readonly env: NodeJS.ProcessEnv;

  constructor(name: string, command: 'gateway' | 'ingest', config: unknown, dir: string, env: NodeJS.ProcessEnv = process.env) {
    this.name = name;
    this.env = env;
    this.command = command;
    this.config = config;
    this.dir = dir;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const file = join(this.dir, `${this.name}.json`);
    writeFileSync(file, JSON.stringify(this.config, null, 2));
    const log = createWriteStream(join(this.dir, `${this.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [BIN, this.command, '--config', file, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: this.env });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0) this.crashes.push(`${this.name} exited with ${signal ?? code} (see ${this.name}.log)`);
        resolve();
      }),
    );
    this.child = child;
    this.starts++;
  }

  /** kill -9: no clean-up of any kind. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.kills++;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, the clean stop (the gateway retains its offline status, ingest finishes its batch). */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
