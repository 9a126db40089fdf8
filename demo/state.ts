import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the simulated world stood when the demo stopped: the simulated time
 * and every device's lifetime counter. The next start resumes from it (the default), so time
 * and counters go on instead of starting over (which would look like a
 * clock going backwards and every counter resetting).
 */
export interface DemoState {
  simNow: number;
  counters: Record<string, Record<string, number>>;
}

const file = (dir: string) => join(dir, 'demo-state.json');

export function loadState(dir: string): DemoState | undefined {
  if (!existsSync(file(dir))) return undefined;
  const state = JSON.parse(readFileSync(file(dir), 'utf8')) as DemoState;
  return typeof state.simNow === 'number' && state.counters ? state : undefined;
}

export function saveState(dir: string, state: DemoState): void {
  writeFileSync(`${file(dir)}.tmp`, JSON.stringify(state));
  renameSync(`${file(dir)}.tmp`, file(dir));
}
