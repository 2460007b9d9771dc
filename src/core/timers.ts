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

/** The error an aborted signal stands for: its reason when it is an Error, else CancelledError. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError();
}
