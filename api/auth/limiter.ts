/**
 * Counts failed authentications per client address in a sliding window; once
 * an address has failed `max` times it is refused until the window passes,
 * so guessing tokens over the network is slow even though each guess is cheap.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(max = 20, windowMs = 60_000, now: () => number = Date.now) {
    this.max = max;
    this.windowMs = windowMs;
    this.now = now;
  }

  /** Milliseconds until this address may try again, 0 when it may now. */
  blockedFor(ip: string): number {
    const list = this.prune(ip);
    if (list.length < this.max) return 0;
    return Math.max(1, list[0]! + this.windowMs - this.now());
  }

  fail(ip: string): void {
    const list = this.prune(ip);
    list.push(this.now());
    this.failures.set(ip, list);
    if (this.failures.size > 10_000) this.sweep();
  }

  private prune(ip: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(ip) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) this.failures.delete(ip);
    else this.failures.set(ip, list);
    return list;
  }

  private sweep(): void {
    for (const ip of [...this.failures.keys()]) this.prune(ip);
  }
}
