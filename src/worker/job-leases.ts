// Which jobs' saved chunks a live tab still uses. Storage (IndexedDB) is shared by every tab of
// the origin, and a tab deletes the chunks of jobs other than its own ("one job's results at a
// time") — which once deleted the finished results another open tab was showing. Each tab's
// worker now holds a lease on the job it runs or shows, and only jobs no live tab holds are
// garbage. In the browser a lease is a Web Lock (shared mode): the browser releases it when the
// tab (its worker) goes away, crashes included, so a closed tab's chunks become garbage again.

export interface JobLeases {
  /** This tab now uses `jobKey` (and stops using the job it held before); null: none. */
  hold(jobKey: string | null): Promise<void>;
  /** Every job some live tab holds, this one included. */
  live(): Promise<Set<string>>;
}

const PREFIX = 'embedbook-job:';

/** Leases as Web Locks (`navigator.locks`): held by this worker until released or the tab goes. */
export function webLockLeases(locks: LockManager): JobLeases {
  let current: { key: string; release: () => void } | undefined;
  return {
    async hold(jobKey) {
      if (current?.key === jobKey) return;
      current?.release();
      current = undefined;
      if (jobKey === null) return;
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      // Resolves once granted (shared mode: at once), so live() in any tab sees it from then on.
      await new Promise<void>((granted) => {
        void locks.request(PREFIX + jobKey, { mode: 'shared' }, () => {
          granted();
          return held;
        });
      });
      current = { key: jobKey, release };
    },
    async live() {
      const { held = [] } = await locks.query();
      return new Set(held.flatMap((l) => (l.name?.startsWith(PREFIX) ? [l.name.slice(PREFIX.length)] : [])));
    },
  };
}

/**
 * Leases in memory: tabs made from one `shared` registry see each other's (unit tests); a lone
 * one is what a browser without Web Locks gets (then only this tab's job is known to be live).
 */
export function memoryLeases(shared: Map<string, number> = new Map()): JobLeases {
  let current: string | null = null;
  return {
    async hold(jobKey) {
      if (current === jobKey) return;
      if (current !== null) {
        const n = (shared.get(current) ?? 1) - 1;
        if (n > 0) shared.set(current, n);
        else shared.delete(current);
      }
      current = jobKey;
      if (jobKey !== null) shared.set(jobKey, (shared.get(jobKey) ?? 0) + 1);
    },
    async live() {
      return new Set(shared.keys());
    },
  };
}
