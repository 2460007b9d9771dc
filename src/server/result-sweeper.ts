// Expiry of unread results (a read frees its result at once, see FunctionQueue.poll): a timer that
// runs every 10 s (or the TTL, if shorter) while finished results are held, and stops when none is,
// so an idle server has no timer and nothing waits for the next submit to be freed.
import type { TimerApi } from '../core/types';
import type { QueueStore } from './store';
import type { StoreHealth } from './store-health';

export class ResultSweeper {
  private timer: unknown;
  private closed = false;

  constructor(
    private readonly store: QueueStore,
    private readonly timers: TimerApi,
    private readonly ttlMs: number,
    private readonly health: StoreHealth,
    /** Called for each call it deletes (per-call diagnostics kept elsewhere). */
    private readonly forgotten: (callId: string) => void,
  ) {}

  /** Some result is held now: make sure the timer runs. */
  arm(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.sweep();
    }, Math.max(1, Math.min(10_000, this.ttlMs)));
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  /** Forgets finished results older than the TTL; re-arms while some are still held. */
  private async sweep(): Promise<void> {
    const now = this.timers.now();
    try {
      for (const id of await this.store.finishedBefore(now - this.ttlMs)) {
        await this.store.deleteCall(id);
        this.forgotten(id);
      }
      if ((await this.store.finishedBefore(Number.MAX_SAFE_INTEGER)).length > 0) this.arm();
    } catch (err) {
      this.health.failed(err, 'sweep');
      this.arm(); // the store is down: try again on the next tick
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
