// The default TimerApi. Every engine module takes a TimerApi instead of touching globals, so tests
// can drive time with fake timers and make jitter deterministic.
import type { TimerApi } from './types';
import { CancelledError } from './errors';

/**
 * Reads globalThis lazily on each call (not at import), so a test that installs fake timers after
 * importing the engine still controls it.
 */
export const defaultTimers: TimerApi = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  random: () => Math.random(),
};

/**
 * Lets a timer not keep the process alive (Node's `unref`), for graces and heartbeats. Runtimes
 * whose handles have no `unref` (browsers: a number) and fake timers are left as they are.
 */
export function unrefTimer(handle: unknown): void {
  if (typeof handle === 'object' && handle !== null && 'unref' in handle && typeof handle.unref === 'function') handle.unref();
}

/** Waits `ms`, or rejects with the signal's reason (a CancelledError by default) when aborted. */
export function sleep(ms: number, timers: TimerApi, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      timers.clearTimeout(handle);
      reject(abortReason(signal as AbortSignal));
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The error an aborted signal stands for: its reason when that is a meaningful Error (our
 * TimeoutError, a caller's own error), else CancelledError (a bare abort() gives a DOMException
 * named AbortError, which tells the caller nothing the engine's own class does not).
 */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error && r.name !== 'AbortError' ? r : new CancelledError();
}
