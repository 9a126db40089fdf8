import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../common/ledger/index.ts';
import { influxAvailable, startInflux, waitFor, type InfluxServer } from '../common/testing/index.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'sunshare.js');
const DB = 'demo_resume';

/** `sunshare demo` as a user runs it: its own process, stopped with Ctrl-C (SIGINT). */
function runDemo(args: string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'demo', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output: () => out,
    waitForOutput: (re: RegExp, what: string, ms = 60_000) => waitFor(async () => re.test(out), `${what} (output so far:\n${out.slice(-2000)})`, ms, 100),
    /** Ctrl-C, then the exit code. */
    interrupt: async () => {
      child.kill('SIGINT');
      return exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

describe.skipIf(!influxAvailable())('`sunshare demo` stopped with Ctrl-C and started again', () => {
  let influx: InfluxServer;
  let dir: string;
  let dataDir: string;
  const running: { kill(): void }[] = [];
  beforeAll(async () => {
    influx = await startInflux();
    await influx.createDatabase(DB);
    dir = mkdtempSync(join(tmpdir(), 'sunshare-demo-resume-'));
    dataDir = join(dir, 'demo');
  });
  afterAll(async () => {
    for (const r of running) r.kill();
    await influx?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // one small site, a day every 10 s starting at noon: the first day (with data) settles within seconds
  const args = () => ['--data-dir', dataDir, '--api-port', '0', '--mqtt-port', '0', '--sites', '1', '--households', '2', '--day-seconds', '10', '--poll-ms', '200', '--start', '2026-06-21T12:00'];
  const env = () => ({ INFLUX_URL: influx.url, INFLUX_DATABASE: DB, LOG_LEVEL: 'error' });
  const start = (extra: string[] = []) => {
    const run = runDemo([...args(), ...extra], env());
    running.push(run);
    return run;
  };
  const seqsInInflux = async () => {
    const r = await influx.query('SELECT "seq" FROM "gateway_batch"', DB);
    return (r.results[0]?.series?.[0]?.values ?? []).map((v) => Number(v[1]));
  };
  const ledgerCounts = async (file: string) => {
    const db = await openLedger(file);
    try {
      const settlements = (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM settlements'))?.n ?? 0;
      const energy = (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM daily_energy'))?.n ?? 0;
      return { settlements, energy };
    } finally {
      await db.close();
    }
  };
  const spoolSeq = (data: string) => Number(readFileSync(join(data, 'spool', 'ry-01', 'seq'), 'utf8'));

  it('resumes by default: the ledger, InfluxDB and the spool keep the first run, and time and seq go on', async () => {
    const first = start();
    await first.waitForOutput(/settled simulated day 2026-06-21/, 'the first run settling a day');
    await waitFor(async () => (await seqsInInflux()).length >= 10, 'batches in InfluxDB');
    expect(await first.interrupt()).toBe(0);
    expect(first.output()).toContain('stopped cleanly.');
    const before = { ledger: await ledgerCounts(join(dataDir, 'ledger.sqlite')), seqs: await seqsInInflux(), spoolSeq: spoolSeq(dataDir) };
    const stoppedAt = (JSON.parse(readFileSync(join(dataDir, 'demo-state.json'), 'utf8')) as { simNow: number }).simNow;
    expect(before.ledger.settlements).toBeGreaterThan(0);
    expect(before.ledger.energy).toBeGreaterThan(0);

    const second = start();
    await second.waitForOutput(/Resuming the last run from .* at simulated (\S+)/, 'the resume notice');
    const resumedAt = Date.parse(/at simulated (\S+) /.exec(second.output())![1]!);
    expect(Math.abs(resumedAt - stoppedAt)).toBeLessThan(1); // the simulated clock goes on, it does not restart at the --start time
    const maxBefore = Math.max(...before.seqs);
    await waitFor(async () => (await seqsInInflux()).some((s) => s > maxBefore + 5), 'batches of the second run in InfluxDB');
    expect(await second.interrupt()).toBe(0);

    const after = { ledger: await ledgerCounts(join(dataDir, 'ledger.sqlite')), seqs: await seqsInInflux() };
    expect(after.ledger.settlements).toBeGreaterThanOrEqual(before.ledger.settlements);
    expect(after.ledger.energy).toBeGreaterThanOrEqual(before.ledger.energy);
    // seq went on from the spool's counter: no seq starts over, none is missing across the restart
    const seqs = [...new Set(after.seqs)].sort((a, b) => a - b);
    expect(seqs.length).toBe(after.seqs.length);
    expect(seqs[0]).toBe(0);
    expect(seqs.at(-1)).toBe(seqs.length - 1);
    expect(spoolSeq(dataDir)).toBeGreaterThan(before.spoolSeq);
  }, 120_000);

  it('--fresh starts over after moving the old data dir aside, and prints where it went', async () => {
    const old = { ledger: await ledgerCounts(join(dataDir, 'ledger.sqlite')), spoolSeq: spoolSeq(dataDir), state: readFileSync(join(dataDir, 'demo-state.json'), 'utf8') };
    const third = start(['--fresh']);
    await third.waitForOutput(/--fresh: the previous run's data was moved to (\S+) \(nothing was deleted/, 'the moved-aside notice');
    const moved = /was moved to (\S+) \(/.exec(third.output())![1]!;
    expect(moved).toMatch(/demo-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    await third.waitForOutput(/Status page/, 'the fresh run up');
    expect(third.output()).not.toContain('Resuming');
    expect(await third.interrupt()).toBe(0);

    // everything of the old run is in the moved folder, untouched
    expect(await ledgerCounts(join(moved, 'ledger.sqlite'))).toEqual(old.ledger);
    expect(spoolSeq(moved)).toBe(old.spoolSeq);
    expect(readFileSync(join(moved, 'demo-state.json'), 'utf8')).toBe(old.state);
    // and the data dir started over: a new ledger and seq from 0 again
    expect(existsSync(join(dataDir, 'ledger.sqlite'))).toBe(true);
    expect(spoolSeq(dataDir)).toBeLessThan(old.spoolSeq);
  }, 90_000);
});

describe('the --keep flag of earlier versions', () => {
  it('is accepted, has no effect and says so', () => {
    const r = spawnSync(process.execPath, [BIN, 'demo', '--keep', '--check'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('--keep is deprecated and has no effect');
    expect(r.stdout).toMatch(/fresh=false/);
  });
});
