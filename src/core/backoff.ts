// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
// delay = random() * min(cap, base * 2^(failedAttempt - 1)). Full jitter spreads retries from many
// chunks that failed together (e.g. a restarted server) instead of retrying them in lockstep.

/** Upper bound for any single backoff delay, so a long retry chain never stalls for minutes. */
export const MAX_BACKOFF_MS = 30_000;

/** The ceiling of the delay after the `failedAttempt`-th attempt (1-based) failed. */
export function backoffCeilingMs(failedAttempt: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, failedAttempt - 1));
}

/** A delay in [0, ceiling): `random` is uniform [0, 1). */
export function backoffDelayMs(failedAttempt: number, baseMs: number, random: () => number): number {
  return Math.floor(random() * backoffCeilingMs(failedAttempt, baseMs));
}
