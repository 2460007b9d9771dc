// AIMD concurrency limiter shared by every call to one remote function.
//
// The engine already bounds chunks in flight with `concurrentChunks`; this limiter sits underneath
// it: each chunk's batch function acquires a permit before submitting and holds it until the call's
// result is back. When the server answers 429 the limit halves (multiplicative decrease) and then
// creeps back up by one per window of accepted calls (additive increase), so the effective
// concurrency is min(concurrentChunks, limit) and several chunkedCalls on the same function share
// one view of how busy the server is.

export interface Permit {
  /** Server accepted the call: additive increase. */
  accepted(): void;
  /** Server answered 429: multiplicative decrease (once per window of permits, not per answer). */
  rateLimited(): void;
  /** Frees the slot; idempotent. */
  release(): void;
}

export interface AdaptiveLimiterOptions {
  /** Ceiling and starting point (default 64: the engine's concurrentChunks is the real bound). */
  max?: number;
  /** Floor: never below one call in flight (default 1). */
  min?: number;
}

interface Waiter {
  resolve(p: Permit): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class AdaptiveLimiter {
  private limitValue: number;
  private inFlight = 0;
  /** Bumped on every decrease; a 429 for a permit issued before the bump does not decrease again. */
  private epoch = 0;
  private readonly waiters: Waiter[] = [];
  readonly max: number;
  readonly min: number;

  constructor(opts: AdaptiveLimiterOptions = {}) {
    this.max = opts.max ?? 64;
    this.min = opts.min ?? 1;
    if (!(this.max >= 1) || !(this.min >= 1) || this.min > this.max) {
      throw new RangeError(`AdaptiveLimiter needs 1 <= min <= max, got min=${this.min}, max=${this.max}.`);
    }
    this.limitValue = this.max;
  }

  /** The current whole-number limit. */
  get limit(): number {
    return Math.floor(this.limitValue);
  }

  get active(): number {
    return this.inFlight;
  }

  get queued(): number {
    return this.waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.inFlight < this.limit && this.waiters.length === 0) return Promise.resolve(this.issue());
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  private issue(): Permit {
    this.inFlight++;
    const epoch = this.epoch;
    let released = false;
    return {
      accepted: () => {
        // +1 per window: a full window of `limit` accepted calls raises the limit by one.
        this.limitValue = Math.min(this.max, this.limitValue + 1 / Math.max(1, this.limit));
        this.drain();
      },
      rateLimited: () => {
        if (epoch !== this.epoch) return;
        this.epoch++;
        const effective = Math.min(this.limit, this.inFlight);
        this.limitValue = Math.max(this.min, Math.floor(effective / 2));
      },
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.drain();
      },
    };
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.inFlight < this.limit) {
      const w = this.waiters.shift() as Waiter;
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve(this.issue());
    }
  }
}
