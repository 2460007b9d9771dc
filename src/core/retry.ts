// The one retry loop of the project: the engine's chunk tries, the server batcher's batch tries and
// store calls, and the remote client's 429/503 waits all run through `retry`. Time comes from a
// TimerApi (fake timers in tests, deterministic jitter), a wait ends at once when the signal aborts.
//
// Backoff is exponential with full jitter (AWS architecture blog, "Exponential Backoff And
// Jitter"): delay = minMs + random() * min(capMs, baseMs * 2^(failures - 1)). Full jitter spreads
// retries from many callers that failed together (e.g. a restarted server) instead of retrying
// them in lockstep.
import { sleep } from './timers';
import type { TimerApi } from './types';

/** Upper bound for any single backoff delay, so a long retry chain never stalls for minutes. */
export const MAX_BACKOFF_MS = 30_000;

export interface BackoffPolicy {
  /** Ceiling of the first delay; doubles per failure. */
  baseMs: number;
  /** Largest ceiling (default MAX_BACKOFF_MS). */
  capMs?: number;
  /** Added to every jittered delay (default 0): a floor, so a retry never comes back at once. */
  minMs?: number;
}

export interface RetryPolicy extends BackoffPolicy {
  /** Tries after the first one (0: no retry; Infinity: until it succeeds or is stopped). */
  retries: number;
}

/** The ceiling of the jittered part of the delay after the `failures`-th failure (1-based). */
export function backoffCeilingMs(failures: number, baseMs: number, capMs = MAX_BACKOFF_MS): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
}

/** The delay after the `failures`-th failure: minMs + a uniform draw below the ceiling. */
export function backoffDelayMs(failures: number, policy: BackoffPolicy, random: () => number): number {
  return (policy.minMs ?? 0) + Math.floor(random() * backoffCeilingMs(failures, policy.baseMs, policy.capMs));
}

/**
 * What to do about one failure: 'retry' waits the policy's backoff, `{ delayMs }` waits what the
 * other side asked for (a Retry-After) without counting against `retries`, 'stop' rethrows now.
 */
type RetryDecision = 'retry' | 'stop' | { delayMs: number };

export interface RetryOptions {
  policy: RetryPolicy;
  timers: TimerApi;
  /** Aborts a wait at once (rejects with the signal's reason, see abortReason). */
  signal?: AbortSignal;
  /**
   * Classifies a failure (default 'retry'). `failures` counts every failure so far, this one
   * included. Throwing replaces the error (e.g. a "gave up after N waits" error).
   */
  decide?(error: unknown, failures: number): RetryDecision;
  /** Called before each wait: `attempt` is the number of the try that follows it (2 = first retry). */
  onRetry?(info: { attempt: number; error: unknown; delayMs: number }): void;
}

/**
 * Runs `op(attempt)` (attempt 1, 2, …) until it resolves. A failure is retried while the decision
 * says so and the backoff retries are not spent; otherwise the last error is rethrown.
 */
export async function retry<T>(op: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  let backoffs = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (error) {
      const decision = opts.decide ? opts.decide(error, attempt) : 'retry';
      if (decision === 'stop') throw error;
      let delayMs: number;
      if (decision === 'retry') {
        if (backoffs >= opts.policy.retries) throw error;
        backoffs++;
        delayMs = backoffDelayMs(backoffs, opts.policy, opts.timers.random);
      } else {
        delayMs = Math.max(0, decision.delayMs);
      }
      opts.onRetry?.({ attempt: attempt + 1, error, delayMs });
      await sleep(delayMs, opts.timers, opts.signal);
    }
  }
}

/**
 * `p`, or a rejection with `onTimeout()` once `ms` pass first (p keeps running; its later outcome
 * is ignored). `ms` ≤ 0 waits for p however long it takes.
 */
export async function withDeadline<T>(p: Promise<T>, ms: number, timers: TimerApi, onTimeout: () => Error): Promise<T> {
  if (!(ms > 0)) return p;
  let handle: unknown;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        handle = timers.setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    timers.clearTimeout(handle);
  }
}
