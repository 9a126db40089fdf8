import type { Db } from '../../common/ledger/index.ts';
import type { Condition } from '../detect/condition.ts';
import { clearAlarm, openAlarms, raiseAlarm, type Alarm } from './store.ts';

export type Change = { type: 'raised' | 'acknowledged' | 'cleared'; alarm: Alarm };

/**
 * Turns each cycle's conditions into alarm changes: a new condition raises an
 * alarm (one open alarm per key), a condition gone for `clearCycles` cycles
 * clears it (so a value flickering at a threshold does not raise and clear
 * every cycle), and an acknowledgement made through the API is picked up from
 * the ledger. Each change is reported once.
 */
export class AlarmEngine {
  private readonly db: Db;
  private readonly clearCycles: number;
  private open = new Map<string, Alarm>();
  private readonly absent = new Map<string, number>();

  constructor(db: Db, clearCycles: number) {
    this.db = db;
    this.clearCycles = clearCycles;
  }

  /** Picks up the alarms left open by an earlier run. */
  async load(): Promise<void> {
    this.open = new Map((await openAlarms(this.db)).map((a) => [a.key, a]));
  }

  openAlarms(): Alarm[] {
    return [...this.open.values()];
  }

  /**
   * `unknown(alarm)`: the detectors cannot tell yet whether its condition holds (a monitor just
   * restarted has not heard from an offline device): such an alarm stays open rather than clearing.
   */
  async step(conditions: readonly Condition[], now: number, unknown: (a: Alarm) => boolean = () => false): Promise<Change[]> {
    const changes: Change[] = [];
    const seen = new Set<string>();
    for (const c of conditions) {
      if (seen.has(c.key)) continue;
      seen.add(c.key);
      this.absent.delete(c.key);
      if (this.open.has(c.key)) continue;
      const alarm = await raiseAlarm(this.db, c, now);
      this.open.set(c.key, alarm);
      changes.push({ type: 'raised', alarm });
    }
    for (const [key, alarm] of this.open) {
      if (seen.has(key) || unknown(alarm)) continue;
      const n = (this.absent.get(key) ?? 0) + 1;
      if (n < this.clearCycles) {
        this.absent.set(key, n);
        continue;
      }
      await clearAlarm(this.db, alarm.id, now);
      this.open.delete(key);
      this.absent.delete(key);
      changes.push({ type: 'cleared', alarm: { ...alarm, clearedAt: now } });
    }
    changes.push(...(await this.acknowledgements()));
    return changes;
  }

  private async acknowledgements(): Promise<Change[]> {
    const changes: Change[] = [];
    if (this.open.size === 0) return changes;
    for (const fresh of await openAlarms(this.db)) {
      const known = this.open.get(fresh.key);
      if (!known || known.id !== fresh.id || known.acknowledgedAt !== null || fresh.acknowledgedAt === null) continue;
      const alarm = { ...known, acknowledgedAt: fresh.acknowledgedAt, acknowledgedBy: fresh.acknowledgedBy };
      this.open.set(fresh.key, alarm);
      changes.push({ type: 'acknowledged', alarm });
    }
    return changes;
  }

  /** Replaces the in-memory copy after the loss was recorded. */
  update(alarm: Alarm): void {
    if (this.open.get(alarm.key)?.id === alarm.id) this.open.set(alarm.key, alarm);
  }
}
