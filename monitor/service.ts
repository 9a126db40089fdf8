import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '../common/contract.ts';
import { decodeGatewayMessage } from '../common/gateway-message.ts';
import { SunshareError } from '../common/errors.ts';
import { ledgerUrl, openLedger, type Db } from '../common/ledger/index.ts';
import { silentLogger, type Logger } from '../common/log.ts';
import { DEFAULT_TIME_ZONE, dayBounds, localDay } from '../common/time.ts';
import { createInfluxWriter } from '../ingest/index.ts';
import { computeDailyPerformance, performanceLine, recordDailyPerformance } from './performance.ts';
import { loadAlarmMeanings } from './alarm-meanings.ts';
import { AlarmEngine, type Change } from './alarms/engine.ts';
import { recordLoss } from './alarms/store.ts';
import type { MonitorConfig } from './config.ts';
import { allDetectors, runDetectors } from './detect/all.ts';
import { detectSiteLowPr, type LowDay } from './detect/site-pr.ts';
import type { DetectContext } from './detect/condition.ts';
import { clearSkyPowerW, isDaylight, performanceFactor, sensorPowerW } from './expected.ts';
import { nearbyClearness } from './loss/nearby.ts';
import { LossTracker } from './loss/tracker.ts';
import { valueLoss } from './loss/value.ts';
import { emailSender } from './notify/email.ts';
import { Notifier, type Channel } from './notify/notifier.ts';
import { sendWebhook } from './notify/webhook.ts';
import { deviceKey, loadRegistry, type Registry } from './registry.ts';
import { Fleet } from './state.ts';

export interface MonitorStats {
  cycles: number;
  batches: number;
  statuses: number;
  rejected: number;
  raised: number;
  cleared: number;
  acknowledged: number;
  open: number;
  notifications: Notifier['stats'];
}

export interface MonitorHandle {
  readonly db: Db;
  stats(): MonitorStats;
  /** Runs one detection cycle now (the timer runs them every cycleMs). */
  cycle(): Promise<Change[]>;
  /** Every alarm change, as it happens (tests and the demo listen here). */
  onChange(listener: (c: Change) => void): void;
  stop(): Promise<void>;
}

export interface MonitorOptions {
  log?: Logger;
  /** The data clock (simulated in the demo): alarm times and daylight are on it. Default: the newest reading's time, else Date.now. */
  now?: () => number;
  db?: Db;
  /** Extra channels (besides the configured webhooks and e-mail). */
  channels?: Channel[];
}

const LOSS_EVERY_CYCLES = 6;
const PERFORMANCE_EVERY_CYCLES = 30;
/** An irradiance sensor whose last reading is older than this many cycles is not used (peers are). */
export const SENSOR_FRESH_CYCLES = 2;
/** A day's performance is computed this long after its local midnight: ingest closes the day 15 minutes after it. */
const PERFORMANCE_AFTER_MS = 30 * 60_000;

function channelsOf(cfg: MonitorConfig['notify']): { channels: Channel[]; close: () => void } {
  const channels: Channel[] = cfg.webhooks.map((w, i) => ({ name: `webhook${i}:${w.format}`, send: (m) => sendWebhook(w.url, w.format, m) }));
  let close = () => undefined as void;
  if (cfg.email) {
    const mail = emailSender(cfg.email);
    channels.push({ name: 'email', send: (m) => mail.send(m) });
    close = () => mail.close();
  }
  return { channels, close };
}

/**
 * `sunshare monitor`: watches the gateways' telemetry and status on MQTT,
 * runs every detector once a cycle, keeps alarms in the ledger, counts what
 * generation alarms cost, and notifies (docs/monitor.md).
 */
export async function startMonitor(config: MonitorConfig, opts: MonitorOptions = {}): Promise<MonitorHandle> {
  const log = opts.log ?? silentLogger;
  const db = opts.db ?? (await openLedger(ledgerUrl(config.ledger), { mustExist: true }));
  const ownDb = !opts.db;
  let registry: Registry = await loadRegistry(db);
  const meanings = loadAlarmMeanings();
  const fleet = new Fleet(config.detect.counterJumpFactor, (site, device) => registry.devices.get(deviceKey(site, device))?.ratedW ?? null);
  const engine = new AlarmEngine(db, config.detect.clearCycles);
  await engine.load();
  const lowPr = new Map<string, LowDay>();
  const detectors = [...allDetectors(meanings), detectSiteLowPr(lowPr)];
  const dataNow = () => opts.now?.() ?? (fleet.dataNow || Date.now());
  const clearSkyW = (site: string, ratedW: number, t: number) => clearSkyPowerW(registry.sites.get(site), config.geometry, ratedW, t);
  /** A site's irradiance sensor counts while its last reading arrived within SENSOR_FRESH_CYCLES cycles. */
  const sensorPoa = (site: string) => fleet.sensorPoa(site, cycleNo, SENSOR_FRESH_CYCLES);
  const sensorW = (site: string, ratedW: number) => {
    const poa = sensorPoa(site);
    return poa === undefined ? undefined : sensorPowerW(ratedW, poa, performanceFactor(site, config.geometry));
  };
  const losses = new LossTracker(
    fleet,
    () => registry,
    clearSkyW,
    (site, t) => nearbyClearness(site, t, fleet, registry, clearSkyW, config.detect.nearbyKm, config.cycleMs * config.detect.offlineCycles),
    sensorW,
  );
  losses.sync(engine.openAlarms());
  const configured = channelsOf(config.notify);
  const notifier = new Notifier([...configured.channels, ...(opts.channels ?? [])], config.notify, log);
  const listeners: ((c: Change) => void)[] = [];
  const counts = { cycles: 0, batches: 0, statuses: 0, rejected: 0, raised: 0, cleared: 0, acknowledged: 0 };
  let cycleNo = 0;

  const client: MqttClient = await mqtt
    .connectAsync(config.mqtt.url, { clientId: config.mqtt.clientId, username: config.mqtt.username, password: config.mqtt.password, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000 })
    .catch((err: Error) => {
      throw new SunshareError('MQTT_CONNECT_FAILED', `cannot connect to MQTT broker ${config.mqtt.url}: ${err.message}`, { cause: err });
    });
  client.on('message', (topic, payload) => {
    const m = decodeGatewayMessage(topic, payload);
    if (!m) return;
    if (!m.ok) {
      counts.rejected++;
      if (m.why === 'not_json') log.warn({ topic }, 'monitor: message is not JSON');
      else log.warn({ topic, problems: m.problems.slice(0, 5) }, m.kind === 'telemetry' ? 'monitor: telemetry batch rejected' : 'monitor: gateway status rejected');
      return;
    }
    if (m.kind === 'telemetry') {
      counts.batches++;
      fleet.addBatch(m.body, cycleNo);
    } else {
      counts.statuses++;
      fleet.addStatus(m.body);
    }
  });
  await client.subscribeAsync([topics.allTelemetry, topics.allStatus], { qos: 1 });
  log.info({ url: config.mqtt.url, cycleMs: config.cycleMs }, 'monitor connected to MQTT');

  const refresh = setInterval(() => {
    loadRegistry(db).then(
      (r) => (registry = r),
      (err: Error) => log.warn({ err: err.message }, 'monitor: registry refresh failed'),
    );
  }, config.registryRefreshMs);

  async function priceLoss(id: string, site: string, raisedAt: number) {
    const l = losses.lost(id);
    if (!l) return undefined;
    const info = registry.sites.get(site);
    const loss = await valueLoss(db, site, localDay(raisedAt, info?.timeZone ?? DEFAULT_TIME_ZONE), l.lostWh);
    await recordLoss(db, id, loss);
    return loss;
  }

  // the schema fills an empty `influx` with its defaults: only a database (1.x) or a token (2.x) means "write"
  const influx = config.influx && (config.influx.database || config.influx.token) ? createInfluxWriter(config.influx, (err) => log.warn({ err: err.message }, 'monitor: InfluxDB write failed'), log) : undefined;
  const performanceDone = new Set<string>();
  /** Yesterday's performance ratio per inverter and site, once ingest has closed the day: ledger, then InfluxDB. */
  async function closePerformance(now: number): Promise<void> {
    for (const tz of new Set([...registry.sites.values()].map((s) => s.timeZone))) {
      const day = localDay(now - 86_400_000 - PERFORMANCE_AFTER_MS, tz);
      if (performanceDone.has(`${tz}|${day}`)) continue;
      const near = { km: config.detect.nearbyKm, agreement: config.detect.nearbyAgreement, min: config.detect.nearbyMin };
      const sensorInsolation = (site: string, from: number, to: number) => fleet.sensorInsolation(site, from, to);
      const rows = (await computeDailyPerformance(db, registry, config.geometry, day, near, sensorInsolation)).filter((r) => registry.sites.get(r.site)?.timeZone === tz);
      if (rows.length === 0) continue;
      for (const r of rows.filter((x) => x.device === '')) {
        // only against the neighbours' weather: against the clear sky a cloudy day would look like a fault
        if ((r.reference === 'peers' || r.reference === 'sensor') && r.pr !== null && r.pr < config.detect.sitePrMin) lowPr.set(r.site, { day, pr: r.pr });
        else lowPr.delete(r.site);
      }
      await recordDailyPerformance(db, rows);
      if (influx) await influx.write(rows.map((r) => performanceLine(r, dayBounds(day, tz).start)));
      performanceDone.add(`${tz}|${day}`);
    }
  }

  let running = Promise.resolve<Change[]>([]);
  async function runCycle(): Promise<Change[]> {
    cycleNo++;
    counts.cycles++;
    const now = dataNow();
    if (cycleNo % PERFORMANCE_EVERY_CYCLES === 1) await closePerformance(now).catch((err: Error) => log.warn({ err: err.message }, 'monitor: daily performance failed'));
    const ctx: DetectContext = { fleet, registry, config: config.detect, cycle: cycleNo, daylight: (site, t) => isDaylight(registry.sites.get(site), t), sensorNorm: (site) => sensorW(site, 1) };
    const conditions = runDetectors(detectors, ctx, (err) => log.error({ err: err.message }, 'monitor: a detector failed'));
    losses.advance(now);
    // after a restart an offline device or gateway is unknown until heard from: its alarm stays open
    const unheard = (a: { kind: string; site: string; device: string | null; gateway: string | null }) =>
      (a.kind === 'device_offline' && a.device !== null && !fleet.devices.has(deviceKey(a.site, a.device))) ||
      (a.kind === 'gateway_offline' && a.gateway !== null && !fleet.gateways.has(deviceKey(a.site, a.gateway)));
    const changes = await engine.step(conditions, now, unheard);
    for (const c of changes) {
      if (c.type === 'cleared' && c.alarm.stopsGeneration) {
        const loss = await priceLoss(c.alarm.id, c.alarm.site, c.alarm.raisedAt);
        if (loss) Object.assign(c.alarm, loss);
      }
      counts[c.type]++;
    }
    losses.sync(engine.openAlarms());
    if (cycleNo % LOSS_EVERY_CYCLES === 0) {
      for (const a of engine.openAlarms()) {
        const loss = a.stopsGeneration ? await priceLoss(a.id, a.site, a.raisedAt) : undefined;
        if (loss) engine.update({ ...a, ...loss });
      }
    }
    notifier.push(changes);
    for (const c of changes) for (const l of listeners) l(c);
    return changes;
  }
  const cycle = () => (running = running.then(runCycle, runCycle));
  const timer = setInterval(() => {
    cycle().catch((err: Error) => log.error({ err: err.message }, 'monitor: cycle failed'));
  }, config.cycleMs);

  return {
    db,
    stats: () => ({ ...counts, open: engine.openAlarms().length, notifications: { ...notifier.stats } }),
    cycle,
    onChange: (l) => listeners.push(l),
    async stop() {
      clearInterval(timer);
      clearInterval(refresh);
      await running.catch(() => undefined);
      await notifier.stop();
      configured.close();
      await influx?.close();
      await client.endAsync();
      if (ownDb) await db.close();
    },
  };
}
