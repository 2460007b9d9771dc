// Recovery that needs no traffic (issue #12): on a shared store every server runs this timer. Each
// tick asks the store to hand rows of lost processes (kill -9, a machine gone: no heartbeat for
// reclaimIdleMs) back to the head of their streams, then wakes every batcher of this server, so
// rows waiting in the store (reclaimed here or elsewhere, appended while a pub/sub event was missed,
// left by a server that shut down) are cut into batches without waiting for a new submit. Before
// it, XAUTOCLAIM ran only inside a batcher's pending() and an idle batcher had no timer: a killed
// server's rows sat until unrelated traffic came.
import type { TimerApi } from '../core/types';
import type { QueueStore } from './store';

/** Tick bounds: at least this often the store is asked, and never more often than the floor. */
const MIN_TICK_MS = 25;
const MAX_TICK_MS = 5_000;

export interface RecoveryTimerOptions {
  store: QueueStore;
  timers: TimerApi;
  /** The streams this server runs batchers for (reclaimed and woken each tick). */
  streams(): string[];
  /** Wakes the batcher of `stream` (it looks at the store and cuts what is due). */
  wake(stream: string): void;
  /** A tick's store call failed (Redis down): reported, and the next tick tries again. */
  onStoreError?(err: unknown): void;
  /** Override the tick (default reclaimIdleMs / 4, between 25 ms and 5 s). */
  intervalMs?: number;
}

/**
 * How often a server looks: a quarter of reclaimIdleMs, so a lost process's rows come back at most
 * reclaimIdleMs + one tick after its last heartbeat (heartbeats run every reclaimIdleMs / 3).
 */
export function recoveryTickMs(reclaimIdleMs: number): number {
  return Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(reclaimIdleMs / 4)));
}

export class RecoveryTimer {
  private timer: unknown;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(private readonly opts: RecoveryTimerOptions) {
    this.intervalMs = opts.intervalMs ?? recoveryTickMs(opts.store.reclaimIdleMs ?? 30_000);
  }

  /** Starts ticking; a private store (in-memory: nothing outlives its process) needs none. */
  start(): this {
    if (this.opts.store.shared && !this.stopped) this.arm();
    return this;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => this.arm());
    }, this.intervalMs);
    // An idle server's process may still exit (tests, Ctrl-C): the timer keeps nothing alive.
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  /** One round: reclaim lost rows, then wake every batcher. Never rejects. */
  async tick(): Promise<void> {
    // Asked even with no stream of its own here: reclaim also deletes retired streams that drained.
    const streams = this.opts.streams();
    try {
      await this.opts.store.reclaim?.(streams);
    } catch (err) {
      this.opts.onStoreError?.(err);
    }
    // Woken even when nothing came back here: rows may wait with no batcher timer armed (reclaimed
    // by another server while our event was lost, or appended during a Redis outage).
    if (!this.stopped) for (const s of streams) this.opts.wake(s);
  }

  /** Stops ticking; resolves once a tick in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
