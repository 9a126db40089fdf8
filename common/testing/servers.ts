import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openLedger, type Db } from '../ledger/index.ts';

/**
 * Real servers for tests: each test file starts what it needs on a free port
 * in a temp dir and stops it afterwards. Where a server cannot run on this
 * machine, its tests skip loudly and say what to install; under CI (CI=true)
 * nothing may skip, so a missing server fails the run instead.
 */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * True when `available`; otherwise warns loudly (or, under CI, throws) naming
 * what to install. Use as `describe.skipIf(!available(...))`.
 */
export function available(what: string, isAvailable: boolean, install: string): boolean {
  if (isAvailable) return true;
  const msg = `${what} is not available on this machine: ${install}`;
  if (IN_CI) throw new Error(`${msg} (CI=true: tests may not skip)`);
  console.warn(`\n*** SKIPPING tests that need ${msg} ***\n`);
  return false;
}

export function hasBinary(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

// ---------------------------------------------------------------- InfluxDB 1.x

export const INFLUXD = 'influxd';
export const influxAvailable = () => available('InfluxDB (influxd)', hasBinary(INFLUXD), 'apt-get install influxdb');

export interface InfluxServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Runs an InfluxQL statement (GET for queries, POST for everything else) and returns the JSON result. */
  query(q: string, db?: string): Promise<InfluxQueryResult>;
  createDatabase(name: string): Promise<void>;
  /** Stops the server keeping its data (for outage tests); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

export interface InfluxSeries { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }
export interface InfluxQueryResult { results: { statement_id: number; series?: InfluxSeries[]; error?: string }[] }

export async function startInflux(): Promise<InfluxServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-influx-'));
  const port = await freePort();
  const rpcPort = await freePort();
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[retention]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
  max-body-size = 0
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
`,
  );
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(INFLUXD, ['run', '-config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    await waitFor(async () => (await fetch(`${url}/ping`)).status === 204, `influxd on ${url} (stderr: ${stderr})`);
  };
  const query = async (q: string, db?: string): Promise<InfluxQueryResult> => {
    const params = new URLSearchParams({ q });
    if (db) params.set('db', db);
    const isRead = /^\s*(select|show)/i.test(q);
    const res = await fetch(`${url}/query?${params.toString()}`, { method: isRead ? 'GET' : 'POST' });
    if (!res.ok) throw new Error(`InfluxQL ${q} failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as InfluxQueryResult;
  };
  await start();
  return {
    url,
    port,
    dir,
    query,
    createDatabase: async (name) => void (await query(`CREATE DATABASE "${name}"`)),
    stop: async () => {
      if (child) await stopChild(child);
    },
    start,
    destroy: async () => {
      if (child) await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- Mosquitto

/** The Mosquitto this machine runs (started before the session / CI). */
export const SYSTEM_MOSQUITTO_URL = process.env.SUNSHARE_TEST_MOSQUITTO ?? 'mqtt://127.0.0.1:1883';
export async function systemMosquittoAvailable(): Promise<boolean> {
  const u = new URL(SYSTEM_MOSQUITTO_URL);
  return available(
    `Mosquitto at ${SYSTEM_MOSQUITTO_URL}`,
    await canConnect(Number(u.port || 1883), u.hostname),
    'apt-get install mosquitto && mosquitto -d -c /etc/mosquitto/mosquitto.conf',
  );
}
export const mosquittoAvailable = () => available('Mosquitto (mosquitto)', hasBinary('mosquitto') || hasBinary('/usr/sbin/mosquitto'), 'apt-get install mosquitto');

export interface MosquittoServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A private Mosquitto on a free port (for tests that stop and restart the
 * broker). `conf` is appended to a minimal config that listens on loopback,
 * persists to the temp dir and allows anonymous clients unless it says otherwise;
 * as a function, it is given the port and the temp dir (to put files in) and
 * returns the whole config, which must listen on that port.
 * Run as root, Mosquitto would drop to the `mosquitto` user and could not read
 * or write the root-owned temp dir (its session store would silently be lost),
 * so it stays root then.
 */
export async function startMosquitto(conf: string | ((at: { port: number; dir: string }) => string) = ''): Promise<MosquittoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-mosquitto-'));
  const port = await freePort();
  const file = join(dir, 'mosquitto.conf');
  if (typeof conf === 'function') {
    writeFileSync(file, conf({ port, dir }));
  } else {
    const anon = /allow_anonymous/.test(conf) ? '' : 'allow_anonymous true\n';
    const user = process.getuid?.() === 0 ? 'user root\n' : '';
    writeFileSync(file, `listener ${port} 127.0.0.1\n${anon}${user}persistence true\npersistence_location ${dir}/\n${conf}\n`);
  }
  const bin = hasBinary('mosquitto') ? 'mosquitto' : '/usr/sbin/mosquitto';
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(bin, ['-c', file], { stdio: 'ignore' });
    await waitFor(() => canConnect(port), `mosquitto on port ${port}`);
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    stop: async (signal) => {
      if (child) await stopChild(child, signal);
    },
    start,
    destroy: async () => {
      if (child) await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

/** The PostgreSQL this machine runs; each test gets a database of its own. */
export const PG_ADMIN_URL = process.env.SUNSHARE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresAvailable(): Promise<boolean> {
  const u = new URL(PG_ADMIN_URL);
  return available(
    `PostgreSQL at ${u.host}`,
    await canConnect(Number(u.port || 5432), u.hostname),
    'apt-get install postgresql and start it (pg_ctlcluster 15 main start), or set SUNSHARE_TEST_PG',
  );
}

export interface PgDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createPgDatabase(prefix = 'sunshare_test'): Promise<PgDatabase> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        // a closed pool's clients may still be saying goodbye: FORCE would kill them mid-way (an unhandled 57P01 in the test)
        for (let i = 0; i < 40; i++) {
          const r = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if ((r.rows[0] as { n: number }).n === 0) break;
          await new Promise((res) => setTimeout(res, 50));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated ledger of a test's own: SQLite in memory, or a fresh PostgreSQL database (dropped on close). */
export interface TestLedger {
  readonly db: Db;
  close(): Promise<void>;
}

export async function openTestLedger(dialect: 'sqlite' | 'postgres', prefix?: string): Promise<TestLedger> {
  const pgDb = dialect === 'postgres' ? await createPgDatabase(prefix) : undefined;
  const db = await openLedger(pgDb?.url ?? ':memory:');
  return {
    db,
    close: async () => {
      await db.close();
      await pgDb?.drop();
    },
  };
}

// ---------------------------------------------------------------- socat pty pair

export const socatAvailable = () => available('socat', hasBinary('socat'), 'apt-get install socat');

export interface PtyPair {
  readonly a: string;
  readonly b: string;
  close(): Promise<void>;
}

/** Two linked pseudo-terminals: a serial line for Modbus RTU tests. */
export async function startPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child = spawn('socat', ['-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  await waitFor(async () => existsSync(a) && existsSync(b), 'socat pty pair');
  return {
    a,
    b,
    close: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- libfaketime: a wall clock that jumps

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1'];
const libfaketime = () => LIBFAKETIME.find((p) => existsSync(p));
export const faketimeAvailable = () => available('libfaketime', libfaketime() !== undefined, 'apt-get install faketime');

export interface FakeClock {
  /** Environment for a child process whose wall clock (and only its wall clock) follows this fake. */
  readonly env: NodeJS.ProcessEnv;
  /** Moves the child's wall clock to real time plus this many seconds (negative: behind), at once. */
  set(offsetSeconds: number): void;
  close(): void;
}

/**
 * libfaketime preloaded into a child: its wall clock (Date.now) is real time
 * plus an offset read from a file on every call, so a test steps it as NTP or
 * an operator would; its monotonic clock stays real (timers keep working).
 */
export function fakeClock(): FakeClock {
  const lib = libfaketime();
  if (!lib) throw new Error('libfaketime is not installed: apt-get install faketime');
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-faketime-'));
  const file = join(dir, 'offset');
  const set = (s: number) => writeFileSync(file, `${s >= 0 ? '+' : ''}${s}\n`);
  set(0);
  return {
    env: { ...process.env, LD_PRELOAD: lib, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
    set,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
