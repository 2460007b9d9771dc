// Long-poll waiters: requests waiting for a call to finish, woken when it does (by this process's
// batchers or by another server's "finished" event) or at their own timeout.
import type { TimerApi } from '../core/types';

export class CallWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly timers: TimerApi) {}

  /** Resolves when `callId` is woken, or after `timeoutMs`. */
  wait(callId: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(callId);
      if (!set) this.waiters.set(callId, (set = new Set()));
      const waiting = set;
      const done = () => {
        this.timers.clearTimeout(timer);
        forget();
        resolve();
      };
      const forget = () => {
        waiting.delete(done);
        if (waiting.size === 0 && this.waiters.get(callId) === waiting) this.waiters.delete(callId);
      };
      const timer = this.timers.setTimeout(() => {
        forget();
        resolve();
      }, timeoutMs);
      waiting.add(done);
    });
  }

  /** Wakes everyone waiting on these calls. */
  wake(callIds: Iterable<string>): void {
    for (const id of callIds) {
      const set = this.waiters.get(id);
      if (!set) continue;
      this.waiters.delete(id);
      for (const w of set) w();
    }
  }

  /** Wakes every waiter (shutdown: they read the final state). */
  wakeAll(): void {
    this.wake([...this.waiters.keys()]);
  }
}
