// Real timers (defaultTimers) that also keep a record of which are armed: a test passes them to
// the server (QueueOptions.timers) and waits until, say, a long-poll's 57 s timer is armed (the
// request reached the server and is waiting) instead of sleeping and hoping it has.
import { defaultTimers } from '../../core/timers';
import type { TimerApi } from '../../core/types';

interface ArmedTimers extends TimerApi {
  /** How many timers of exactly `ms` are armed now (set, not yet fired or cleared). */
  armed(ms: number): number;
}

export function armedTimers(base: TimerApi = defaultTimers): ArmedTimers {
  const live = new Map<unknown, number>();
  return {
    now: () => base.now(),
    random: () => base.random(),
    setTimeout(fn, ms) {
      const handle: unknown = base.setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.set(handle, ms);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      base.clearTimeout(handle);
    },
    armed: (ms) => [...live.values()].filter((m) => m === ms).length,
  };
}
