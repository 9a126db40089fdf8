import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `data/demo` -> `data/demo-2026-11-30T12-47-38Z`; `-2`, `-3`... when that name is taken. */
export function asideName(dir: string, now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replaceAll(':', '-') + 'Z';
  const base = join(dirname(dir), `${basename(dir)}-${stamp}`);
  let candidate = base;
  for (let n = 2; existsSync(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}

/**
 * Makes `dir` an empty data dir for a fresh run. A previous run's data is
 * never deleted: it is renamed to a timestamped folder next to it, whose path
 * is returned (undefined when there was nothing to move).
 */
export function moveAside(dir: string, now = new Date()): string | undefined {
  let moved: string | undefined;
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    moved = asideName(dir, now);
    renameSync(dir, moved);
  }
  mkdirSync(dir, { recursive: true });
  return moved;
}
