// Backpressure at intake: a submit is admitted while accepted-but-unfinished rows stay under
// maxQueuedRows; otherwise it waits in line on the server (its request held open, admission-line.ts)
// and, if no room comes within the hold, gets 429 with a ticket and a Retry-After sized from the
// smoothed finishing rate.
import type { TimerApi } from '../core/types';
import { AdmissionLine } from './admission-line';
import { QueueFullError, ServerShuttingDownError } from './errors';
import type { Metrics } from './metrics';
import type { StoreHealth } from './store-health';

/** Shortest wait a 429 asks for: retries any sooner would only spin. */
const MIN_RETRY_MS = 50;
/** Longest: the estimate is rough, and a ticket that comes back early just keeps its place. */
const MAX_RETRY_MS = 10_000;
/** How often parked submits re-check the room (rows finished here also trigger a check at once). */
const PUMP_MS = 25;

export interface AdmissionGateOptions {
  timers: TimerApi;
  maxQueuedRows: number;
  fair?: boolean;
  holdMs: number;
  /** Rows accepted and not finished, in the whole store. */
  depth: () => Promise<number>;
  health: StoreHealth;
  metrics: Metrics;
  isClosing: () => boolean;
}

export class AdmissionGate {
  private readonly line: AdmissionLine;
  /** Rows of submits that passed the queue-full check and are being added. */
  private reserved = 0;
  /** Re-checks the room for parked submits while there are any (covers rows finished elsewhere). */
  private pumpTimer: unknown;
  private pumping = false;
  /** Rows finished per second, smoothed: sizes Retry-After. */
  private rate = 0;
  private rateAt = 0;

  constructor(private readonly opts: AdmissionGateOptions) {
    this.line = new AdmissionLine({ now: () => opts.timers.now(), fair: opts.fair, maxParkedRows: opts.maxQueuedRows });
  }

  /** Submits waiting in line for room (parked here, or away with a 429 ticket). */
  get waiting(): number {
    return this.line.length;
  }

  /**
   * Admits `rows` (waiting in line up to holdMs) or throws QueueFullError (429). `storeDepth`: the
   * guarded depth query. On success the rows stay reserved until `add` settles.
   */
  async admit<T>(rows: number, storeDepth: () => Promise<number>, ticket: string | undefined, add: () => Promise<T>): Promise<T> {
    const limit = this.opts.maxQueuedRows;
    // Rows of submits between their check and their addCall count too, so concurrent submits
    // cannot all pass the check against the same depth.
    const depth = (await storeDepth()) + this.reserved;
    const admission = this.line.admit(rows, limit - depth, ticket);
    if (admission.admitted) this.reserved += rows;
    else {
      this.schedulePump();
      // Wait in line here first; the pump reserves the rows of a request it admits.
      const { timers } = this.opts;
      const admitted = await this.line.park(admission.ticket, this.opts.holdMs, (fn, ms) => timers.setTimeout(fn, ms), (h) => timers.clearTimeout(h));
      if (this.opts.isClosing()) {
        if (admitted) this.reserved -= rows;
        throw new ServerShuttingDownError();
      }
      if (!admitted) {
        this.opts.metrics.rejectedFull++;
        const { rowsAhead, position } = admission.ticket ? this.line.positionOf(admission.ticket) : admission;
        // The wait grows with the place in line: the rows ahead, then these, must first fit. In ms
        // (X-Retry-After-Ms), since whole seconds would leave a fast queue idle between retries.
        const excess = Math.max(rows, rowsAhead + rows - (limit - depth));
        const retryAfterMs = Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, this.rate > 0 ? (1000 * excess) / this.rate : Math.min(5_000, 250 * position))));
        if (admission.ticket) this.line.hold(admission.ticket, retryAfterMs);
        throw new QueueFullError(depth, limit, rows, retryAfterMs, admission.ticket || undefined, position);
      }
    }
    try {
      return await add();
    } finally {
      this.reserved -= rows;
    }
  }

  /** Rows finished (ok or failed) here: feeds the rate and lets parked submits in. */
  finished(rows: number, ok: boolean): void {
    if (ok) this.observeRate(rows);
    void this.pump();
  }

  private observeRate(rows: number): void {
    const now = this.opts.timers.now();
    const dt = Math.max(1, now - this.rateAt) / 1000;
    const inst = rows / dt;
    this.rate = this.rateAt === 0 ? inst : 0.8 * this.rate + 0.2 * inst;
    this.rateAt = now;
  }

  private schedulePump(): void {
    if (this.pumpTimer !== undefined || this.opts.isClosing()) return;
    this.pumpTimer = this.opts.timers.setTimeout(() => {
      this.pumpTimer = undefined;
      void this.pump();
    }, PUMP_MS);
  }

  /** Admits parked submits that now fit, in line order, reserving their rows. */
  private async pump(): Promise<void> {
    if (this.pumping || !this.line.hasParked) return;
    this.pumping = true;
    try {
      const depth = (await this.opts.depth()) + this.reserved;
      this.reserved += this.line.grant(this.opts.maxQueuedRows - depth);
    } catch (err) {
      this.opts.health.failed(err, 'depth');
    } finally {
      this.pumping = false;
    }
    if (this.line.hasParked) this.schedulePump();
  }

  /** Shutdown: every parked submit is let go (it then sees the server closing). */
  close(): void {
    this.line.releaseAll();
    if (this.pumpTimer !== undefined) this.opts.timers.clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
  }
}
