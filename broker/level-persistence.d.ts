// aedes-persistence-level ships no types; its async class is what aedes 1.x calls.
declare module 'aedes-persistence-level/asyncPersistence.js' {
  export default class AsyncLevelPersistence {
    constructor(db: unknown);
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
  }
}
