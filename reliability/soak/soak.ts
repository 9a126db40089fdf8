import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool } from '../../gateway/index.ts';
import { fireFault, FAULTS, spoolBytes, type FaultName } from './faults.ts';
import { completeDays, reconcileEnergy, reconcileReadings, reconcileSettlements, type EnergyDifference, type GatewayReconciliation } from './reconcile.ts';
import { startSoakSystem, type SoakSystem } from './system.ts';
import { TruthRecorder } from './truth.ts';

export interface SoakOptions {
  minutes: number;
  seed: number;
  sites: number;
  /** simulated ms per real ms */
  speed: number;
  pollMs: number;
  /** How long each outage lasts, real ms. */
  outageMs: number;
  /** Quiet time between faults, real ms. */
  gapMs: number;
  /** Simulated start (ISO with offset). */
  start: string;
  faults: readonly FaultName[];
  keepDir?: boolean;
  onProgress?: (line: string) => void;
}

export interface FaultRecord {
  fault: FaultName;
  at: string;
  what: string;
  recoveryMs: number | null;
}

export interface SoakReport {
  ok: boolean;
  seed: number;
  minutes: number;
  simulated: { from: string; to: string; speed: number };
  faults: FaultRecord[];
  faultsFired: Record<string, number>;
  readings: { produced: number; stored: number; missing: number; duplicated: number; pendingInSpool: number; evictedBatches: number; perGateway: (GatewayReconciliation & { pendingInSpool: number; evictedBatches: number })[] };
  largestSpoolBytes: number;
  /**
   * Daily energy per device in the ledger vs the simulators' truth. `flagged`: days the ledger marks
   * reset/replacement/rollover, where by design the energy between the last read before the event and
   * the event (reset), or the new device's first read (replacement), cannot be known from counters.
   */
  energy: { deviceDays: number; maxAbsDiffWh: number; differences: EnergyDifference[]; flagged: EnergyDifference[] };
  settlements: { siteDays: number; fenDifference: number; differences: string[] };
  problems: string[];
  dir?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Real ms until every site has a batch made after `sinceReal` stored in InfluxDB; null if not within the limit. */
async function recoveryTime(sys: SoakSystem, sinceReal: number, limitMs = 90_000): Promise<number | null> {
  const iso = new Date(sys.simAt(sinceReal)).toISOString();
  while (Date.now() - sinceReal < limitMs) {
    try {
      const r = await sys.influx.query(`SELECT last(seq) FROM gateway_batch WHERE time >= '${iso}' GROUP BY site`, 'soak');
      if ((r.results[0]?.series?.length ?? 0) >= sys.sites.length) return Date.now() - sinceReal;
    } catch {
      // InfluxDB is coming back
    }
    await sleep(200);
  }
  return null;
}

async function storedSeqs(sys: SoakSystem, site: string): Promise<Set<number>> {
  const r = await sys.influx.query(`SELECT seq FROM gateway_batch WHERE site = '${site}'`, 'soak');
  return new Set((r.results[0]?.series?.[0]?.values ?? []).map((v) => Number(v[1])));
}

const lastSeq = (sys: SoakSystem, site: string) => {
  const f = join(sys.spoolDir(site), 'seq');
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : -1;
};

/** Runs the pipeline under the fault schedule for `minutes`, drains it, and reconciles everything against the simulators. */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const say = o.onProgress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'sunshare-soak-'));
  const sys = await startSoakSystem({ dir, seed: o.seed, sites: o.sites, start: o.start, speed: o.speed, pollMs: o.pollMs, fakeClocks: o.faults.includes('gateway_clock_jump') });
  const truth = new TruthRecorder(sys.sims);
  truth.start();
  const simFrom = sys.simNow();
  let largestSpool = 0;
  const spoolTimer = setInterval(() => {
    for (const s of sys.sites) largestSpool = Math.max(largestSpool, spoolBytes(sys.spoolDir(s.id)));
  }, 500);
  const faults: FaultRecord[] = [];
  const problems: string[] = [];
  try {
    await recoveryTime(sys, Date.now(), 60_000).then((ms) => say(`pipeline up (${ms} ms to the first stored batch of every site)`));
    const end = Date.now() + o.minutes * 60_000;
    for (let k = 0; Date.now() < end; k++) {
      const fault = o.faults[k % o.faults.length]!;
      const at = new Date().toISOString();
      const what = await fireFault(sys, fault, Math.floor(k / o.faults.length), o.outageMs);
      const recoveryMs = await recoveryTime(sys, Date.now());
      faults.push({ fault, at, what, recoveryMs });
      if (recoveryMs === null) problems.push(`${fault} at ${at}: no recovery within 90 s`);
      say(`${fault}: ${what}; recovered in ${recoveryMs} ms`);
      await sleep(o.gapMs);
    }
    // Drain: let the gateways catch up, stop them cleanly, let ingest finish.
    const drainUntil = Date.now() + 90_000;
    for (const s of sys.sites) {
      // caught up: every seq stored (holes the spool evicted never fill, so also: the newest is in and nothing moves)
      let before = -1;
      while (Date.now() < drainUntil) {
        const have = await storedSeqs(sys, s.id);
        const upTo = lastSeq(sys, s.id) - 3;
        let complete = true;
        for (let q = 0; q <= upTo && complete; q++) complete = have.has(q);
        if (complete || (have.has(upTo) && have.size === before)) break;
        before = have.size;
        await sleep(1000);
      }
    }
    for (const gw of sys.gateways.values()) await gw.stop();
    let stable = -1;
    for (let n = 0; n < 60; n++) {
      let total = 0;
      for (const s of sys.sites) total += (await storedSeqs(sys, s.id)).size;
      if (total === stable) break;
      stable = total;
      await sleep(1500);
    }
    truth.stop();
    const simTo = sys.simNow();
    say('reconciling');

    const perGateway = [];
    for (const s of sys.sites) {
      const r = await reconcileReadings(sys.influx, s.id, sys.spoolDir(s.id));
      const spool = Spool.open({ dir: sys.spoolDir(s.id), maxBytes: 100 * 1024 * 1024, segmentBytes: 1024 * 1024, fsync: 'never' });
      const { batches: pendingInSpool, evictedBatches } = spool.stats();
      // what the spool holds is late, not lost; what it evicted at its byte limit is lost by policy, and counted
      perGateway.push({ ...r, pendingInSpool, evictedBatches, batchesMissing: r.batchesMissing - pendingInSpool - evictedBatches });
    }
    const days = completeDays(simFrom, simTo);
    const energy = await reconcileEnergy(sys.ledger, sys.sites, truth, days, simTo + 3_600_000);
    const settlements = await reconcileSettlements(sys.ledger, join(dir, 'undisturbed.sqlite'), sys.sites, energy, days, o.start);

    const readings = {
      produced: perGateway.reduce((a, g) => a + g.readingsInBatches, 0),
      stored: perGateway.reduce((a, g) => a + g.readingsStored, 0),
      missing: perGateway.reduce((a, g) => a + g.readingsMissing + 0, 0),
      duplicated: perGateway.reduce((a, g) => a + g.batchesDuplicated, 0),
      pendingInSpool: perGateway.reduce((a, g) => a + g.pendingInSpool, 0),
      evictedBatches: perGateway.reduce((a, g) => a + g.evictedBatches, 0),
      perGateway,
    };
    for (const g of perGateway) if (g.batchesMissing !== 0) problems.push(`${g.site}: ${g.batchesMissing} batches missing beyond the ${g.evictedBatches} the spool evicted (seqs ${g.missingSeqs.join(',')})`);
    if (readings.missing !== 0) problems.push(`${readings.missing} readings in stored batches are not in InfluxDB`);
    if (readings.duplicated !== 0) problems.push(`${readings.duplicated} batches stored twice`);
    const flaggedByDesign = (e: EnergyDifference) => e.method === 'reset' || e.method === 'replacement' || e.method === 'rollover';
    const plain = energy.filter((e) => !flaggedByDesign(e));
    const maxAbsDiffWh = Math.max(0, ...plain.map((e) => Math.abs(e.diffWh)));
    const energyProblems = plain.filter((e) => e.ledgerWh === null || Math.abs(e.diffWh) > 1);
    for (const e of energyProblems) problems.push(`energy ${e.site}/${e.device} ${e.day}: ledger ${e.ledgerWh} Wh (${e.method}), truth ${e.truthWh} Wh`);
    if (settlements.fenDifference !== 0) problems.push(`settlements differ from the undisturbed run by ${settlements.fenDifference} fen`);
    for (const c of [sys.ingest, ...sys.gateways.values()]) problems.push(...c.crashes);
    const faultsFired: Record<string, number> = {};
    for (const f of faults) faultsFired[f.fault] = (faultsFired[f.fault] ?? 0) + 1;
    for (const f of o.faults) if (!faultsFired[f]) problems.push(`fault ${f} never fired (run longer)`);
    return {
      ok: problems.length === 0,
      seed: o.seed,
      minutes: o.minutes,
      simulated: { from: new Date(simFrom).toISOString(), to: new Date(simTo).toISOString(), speed: o.speed },
      faults,
      faultsFired,
      readings,
      largestSpoolBytes: largestSpool,
      energy: { deviceDays: energy.length, maxAbsDiffWh, differences: energyProblems, flagged: energy.filter(flaggedByDesign) },
      settlements: { siteDays: settlements.settled, fenDifference: settlements.fenDifference, differences: settlements.differences.slice(0, 20) },
      problems,
      ...(o.keepDir ? { dir } : {}),
    };
  } finally {
    clearInterval(spoolTimer);
    truth.stop();
    await sys.stop().catch(() => undefined);
    if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

export const DEFAULT_FAULTS = FAULTS;
