import { STATUS_SCHEMA, type GatewayStatus, type Reading } from '../common/contract.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { monotonicMs, ReadingClock } from './clock.ts';
import { lineKey, serialOf, type DeviceConfig, type GatewayConfig } from './config.ts';
import { DevicePoller } from './device-poller.ts';
import { Dlt645Client } from './dlt645/client.ts';
import { Dlt645Port } from './dlt645/port.ts';
import { Dlt645Reader } from './dlt645/reader.ts';
import { ModbusLine } from './modbus/line.ts';
import { ModbusReader, type DeviceReader } from './modbus/reader.ts';
import { Publisher, type PublisherStats } from './mqtt/publisher.ts';
import { checkPlantTotals, checkProfiles, createProfile } from './profiles/index.ts';

export const GATEWAY_VERSION = '0.1.0';
/** A cycle publishes what has arrived by this fraction of the interval; slower devices join the next batch. */
const CYCLE_DEADLINE = 0.8;

export interface GatewayOptions {
  log?: Logger;
  /** Appended to the MQTT client id (tests running several gateways for one site). */
  clientIdSuffix?: string;
  /** No timer: cycles run only through handle.runCycle() (benchmarks, deterministic tests). */
  manualCycles?: boolean;
}

export interface GatewayStats {
  cycles: number;
  /** Time from a cycle's start until its last device finished, ms. */
  lastCycleMs: number;
  readings: number;
  publisher: PublisherStats;
  devices: ReturnType<DevicePoller['health']>[];
  lines: { name: string; requests: number; errors: number; opens: number }[];
}

export interface GatewayHandle {
  /** Runs one poll cycle now (for manualCycles); resolves with the time until its last device finished, ms. */
  runCycle(): Promise<number>;
  stats(): GatewayStats;
  status(): GatewayStatus;
  stop(): Promise<void>;
}

/** Starts polling and publishing; resolves once the spool is open and the first cycle is scheduled. */
export async function startGateway(cfg: GatewayConfig, opts: GatewayOptions = {}): Promise<GatewayHandle> {
  const log = opts.log ?? createLogger('gateway');
  checkProfiles(cfg.devices);
  checkPlantTotals(cfg.devices);
  const { lines, readers } = buildReaders(cfg, log);
  const pollers = cfg.devices.map((d, i) => new DevicePoller(d, readers[i]!, { pollIntervalMs: cfg.pollIntervalMs, backoffMaxMs: cfg.modbus.backoffMaxMs, stamp: () => clock.stamp() }, log));
  const publisher = new Publisher(cfg, log, opts.clientIdSuffix);
  const clock = new ReadingClock(cfg.spool.dir, cfg.spool.fsync === 'always', log);
  const status = (online = true): GatewayStatus => {
    return {
      schema: STATUS_SCHEMA,
      site: cfg.site,
      gateway: cfg.gateway,
      online,
      ts: Date.now(),
      version: GATEWAY_VERSION,
      spool: publisher.spoolStatus(),
      clock: clock.status(),
      devices: pollers.map((p) => p.health()),
    };
  };
  publisher.publishStatus(status());

  let buffer: Reading[] = [];
  let cycles = 0;
  let readings = 0;
  let lastCycleMs = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const cycle = async (): Promise<number> => {
    const started = performance.now();
    const polls = pollers
      .filter((p) => p.due())
      .map((p) =>
        p.poll().then((r) => {
          if (r) buffer.push(r);
        }),
      );
    const all = Promise.all(polls).then(() => (lastCycleMs = performance.now() - started));
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (deadline = setTimeout(r, cfg.pollIntervalMs * CYCLE_DEADLINE)))]);
    clearTimeout(deadline);
    const batch = buffer;
    buffer = [];
    cycles++;
    readings += batch.length;
    // the batch's sentAt comes from the same clock: gateway_batch points (time = sentAt) never collide
    const sentAt = clock.stamp();
    try {
      clock.save();
    } catch (err) {
      // the floor stays in memory (and is saved again next cycle); only a restart meanwhile would forget it
      publisher.noteWriteFailure(err, 'last-ts');
    }
    // a spool that cannot be written does not throw here: the publisher holds the batch in memory
    publisher.publish(batch, sentAt);
    publisher.publishStatus(status());
    return lastCycleMs;
  };

  // Cycles are due on the monotonic clock: a wall-clock step neither stalls nor rushes them.
  const schedule = (at: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = cycle()
        .then(() => undefined)
        .finally(() => schedule(Math.max(at + cfg.pollIntervalMs, monotonicMs())));
    }, Math.max(0, at - monotonicMs()));
  };
  if (!opts.manualCycles) schedule(monotonicMs());
  log.info({ site: cfg.site, gateway: cfg.gateway, devices: pollers.length, lines: lines.size }, 'gateway started');

  return {
    runCycle: () => {
      const run = current.then(cycle);
      current = run.then(() => undefined);
      return run;
    },
    status,
    stats: () => ({
      cycles,
      lastCycleMs,
      readings,
      publisher: publisher.stats(),
      devices: pollers.map((p) => p.health()),
      lines: [...lines.values()].map((l) => ({ name: l.name, ...l.stats })),
    }),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
      await publisher.stop(status(false));
      await Promise.all([...lines.values()].map((l) => l.close()));
      log.info('gateway stopped');
    },
  };
}

/**
 * One line (and request queue) per TCP address or serial path, and each device's reader on it:
 * Modbus through the line's Modbus client; DL/T 645 meters through one DL/T 645 port per line,
 * which takes the port over (with the meters' settings) in the same queue.
 */
export function buildReaders(cfg: GatewayConfig, log: Logger): { lines: Map<string, ModbusLine>; readers: DeviceReader[] } {
  const lines = new Map<string, ModbusLine>();
  const dltClients = new Map<string, Dlt645Client>();
  const lineOf = (d: DeviceConfig) => {
    const key = lineKey(d);
    let line = lines.get(key);
    if (!line) {
      // the Modbus settings of the line: those of its first Modbus device (the config check makes them agree)
      const modbusDevice = cfg.devices.find((x) => lineKey(x) === key && x.protocol !== 'dlt645') ?? d;
      const target = d.transport === 'tcp' ? { transport: 'tcp' as const, host: d.host ?? '', port: d.port } : { transport: 'rtu' as const, path: d.path ?? '', ...serialOf({ ...modbusDevice, protocol: 'modbus' }) };
      const connectDelayMs = Math.max(...cfg.devices.filter((x) => lineKey(x) === key).map((x) => x.connectDelayMs));
      line = new ModbusLine(key, target, cfg.modbus.pauseMs, log, 3000, connectDelayMs);
      lines.set(key, line);
    }
    return line;
  };
  const readers = cfg.devices.map((d): DeviceReader => {
    const line = lineOf(d);
    if (d.protocol !== 'dlt645' || !d.dlt645) return new ModbusReader(line, d.unit, d.timeoutMs, createProfile(d.profile), cfg.modbus.maxGap);
    let client = dltClients.get(line.name);
    if (!client) {
      client = new Dlt645Client(line, new Dlt645Port(d.path ?? '', serialOf(d), d.dlt645.preamble));
      dltClients.set(line.name, client);
    }
    return new Dlt645Reader(client, d.profile, { address: d.dlt645.address, timeoutMs: d.timeoutMs, reversed: d.dlt645.reversed, tariffs: d.dlt645.tariffs });
  });
  return { lines, readers };
}
