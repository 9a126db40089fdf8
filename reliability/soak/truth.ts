import type { SimHandle } from '../../firmware-sim/index.ts';

/**
 * The simulators' own record of energy, sampled often: producedWh (meters:
 * exported) never resets, whatever the registers show after a
 * counter reset or a device replacement. Energy for a local day is the
 * difference at its two midnights, interpolated between the samples around
 * them (at night nothing is produced, so the samples agree).
 */
export class TruthRecorder {
  private readonly samples = new Map<string, { t: number; wh: number }[]>();
  private timer: NodeJS.Timeout | undefined;

  private readonly sims: Map<string, SimHandle>;

  constructor(sims: Map<string, SimHandle>) {
    this.sims = sims;
  }

  start(everyMs = 100): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    for (const [site, sim] of this.sims) {
      for (const d of sim.devices) {
        const truth = sim.truth(d.id);
        const wh = truth.producedWh; // meters: exported
        const key = `${site}/${d.id}`;
        const list = this.samples.get(key) ?? [];
        list.push({ t: truth.t, wh });
        this.samples.set(key, list);
      }
    }
  }

  /**
   * Energy (Wh) of a device between two instants as an undisturbed reader of
   * its whole-Wh counter registers sees it (the difference of the rounded
   * counters, not the rounded difference: they can differ by 1 Wh, and 1 Wh
   * can move a site-day's revenue across a fen), or undefined when the
   * samples do not cover them.
   */
  energy(site: string, device: string, from: number, to: number): number | undefined {
    const a = this.at(site, device, from);
    const b = this.at(site, device, to);
    return a === undefined || b === undefined ? undefined : Math.round(b) - Math.round(a);
  }

  private at(site: string, device: string, t: number): number | undefined {
    const list = this.samples.get(`${site}/${device}`) ?? [];
    for (let i = 1; i < list.length; i++) {
      const p = list[i - 1]!;
      const q = list[i]!;
      if (p.t <= t && t <= q.t) return q.t === p.t ? p.wh : p.wh + ((q.wh - p.wh) * (t - p.t)) / (q.t - p.t);
    }
    return undefined;
  }
}
