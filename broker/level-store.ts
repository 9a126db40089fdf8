import { setImmediate as nextTurn } from 'node:timers/promises';
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import { Level } from 'level';

export interface LevelStore {
  /** What aedes is given as `persistence`. */
  readonly persistence: AsyncLevelPersistence;
  /** Waits for the store operations still running (at most `maxWaitMs`), then closes the database. */
  close(maxWaitMs?: number): Promise<void>;
}

/**
 * The on-disk session store (aedes-persistence-level on LevelDB), closed only
 * once its operations are done. aedes.close() does not wait for the store work
 * its clients started (queueing a message it has just acknowledged, a session's
 * delivery bookkeeping); closing the database at once failed those operations
 * with "Database is not open". No message was seen lost that way (the writes
 * that matter start within the same turn as the PUBACK), so this is a clean
 * stop rather than a proven fix: waiting is cheap and leaves no half-done write.
 */
export function openLevelStore(dir: string): LevelStore {
  const persistence = new AsyncLevelPersistence(new Level(dir));
  const pending = new Set<Promise<unknown>>();
  const methods = persistence as unknown as Record<string, unknown>;
  const proto = Object.getPrototypeOf(persistence) as object;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = methods[name];
    if (name === 'constructor' || name === 'destroy' || typeof method !== 'function') continue;
    const track = (result: unknown) => {
      if (result instanceof Promise) {
        pending.add(result);
        const forget = () => pending.delete(result);
        result.then(forget, forget);
      }
      return result;
    };
    const call = (args: unknown[]) => track((method as (...a: unknown[]) => unknown).apply(persistence, args));
    // aedes insists that setup() is an AsyncFunction; stream methods must stay synchronous
    methods[name] = method.constructor.name === 'AsyncFunction' ? async (...args: unknown[]) => call(args) : (...args: unknown[]) => call(args);
  }
  return {
    persistence,
    async close(maxWaitMs = 5_000) {
      const deadline = Date.now() + maxWaitMs;
      // An operation's continuation may start the next one a turn later (aedes chains them).
      for (let idleTurns = 0; idleTurns < 3 && Date.now() < deadline; ) {
        if (pending.size === 0) {
          idleTurns++;
          await nextTurn();
          continue;
        }
        idleTurns = 0;
        await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, 50))]);
      }
      await persistence.destroy();
    },
  };
}
