// Run cell state: one tile per chunk, folded from the worker's batched progress events.
import { create } from 'zustand';
import type { ChunkPlan, ChunkStatus } from '../../core/types';
import type { PlainError, RunEvent, RunSummary } from '../../worker/api';

export type RunStatus = 'idle' | 'loading-model' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'error';

export interface Tile {
  status: ChunkStatus;
  offset: number;
  rows: number;
  attempt: number;
  latencyMs: number | null;
  error: string | null;
  /** Served from the saved chunks of an earlier, interrupted run. */
  cached: boolean;
}

interface BackendInfo {
  label: string;
  device: string;
  reason: string;
}

interface RunState {
  status: RunStatus;
  tiles: Tile[];
  totalRows: number;
  doneRows: number;
  /** Rows computed in this run (not from the cache): the basis of rows/s. */
  computedRows: number;
  startedAt: number;
  lastEventAt: number;
  modelMessage: string | null;
  backend: BackendInfo | null;
  summary: RunSummary | null;
  error: PlainError | null;
  /** Bumped each time a run completes, so result views refetch. */
  completed: number;
  /** What the last run was started with (lib/stale.ts runIdentity): results are stale when it differs. */
  ranWith: string | null;
  begin(ranWith?: string): void;
  apply(events: RunEvent[]): void;
  finish(summary: RunSummary): void;
  fail(error: PlainError): void;
  cancelling(): void;
  reset(): void;
}

const idle = {
  status: 'idle' as RunStatus,
  tiles: [] as Tile[],
  totalRows: 0,
  doneRows: 0,
  computedRows: 0,
  startedAt: 0,
  lastEventAt: 0,
  modelMessage: null,
  backend: null,
  summary: null,
  error: null,
};

function tileFromPlan(c: ChunkPlan, cached: boolean): Tile {
  return { status: cached ? 'done' : 'queued', offset: c.offset, rows: c.rows, attempt: 0, latencyMs: null, error: null, cached };
}

export const useRun = create<RunState>()((set) => ({
  ...idle,
  completed: 0,
  ranWith: null,
  begin: (ranWith) => set({ ...idle, status: 'loading-model', startedAt: Date.now(), ranWith: ranWith ?? null }),
  reset: () => set({ ...idle, ranWith: null }),
  cancelling: () => set({ status: 'cancelling' }),
  fail: (error) => set({ status: 'error', error }),
  finish: (summary) => set((s) => ({ status: summary.cancelled ? 'cancelled' : 'done', summary, completed: summary.cancelled ? s.completed : s.completed + 1 })),
  apply: (events) =>
    set((s) => {
      let { tiles, doneRows, computedRows, status, backend, modelMessage, totalRows, startedAt, lastEventAt } = s;
      let copied = false;
      const tile = (i: number) => {
        if (!copied) {
          tiles = tiles.slice();
          copied = true;
        }
        return tiles[i];
      };
      for (const e of events) {
        if (e.type === 'plan') {
          const cached = new Set(e.cachedChunks);
          tiles = e.chunks.map((c) => tileFromPlan(c, cached.has(c.index)));
          copied = true;
          totalRows = e.chunks.reduce((n, c) => n + c.rows, 0);
          doneRows = e.chunks.reduce((n, c) => n + (cached.has(c.index) ? c.rows : 0), 0);
          computedRows = 0;
        } else if (e.type === 'model') {
          const p = e.progress;
          modelMessage =
            p.status === 'download'
              ? `Downloading ${p.file}${p.total ? ` (${Math.round((100 * p.loaded) / p.total)}%)` : ''}`
              : p.status === 'compile'
                ? `Compiling ${p.file}`
                : `Model ready on ${p.device}`;
        } else if (e.type === 'backend') {
          backend = { label: e.label, device: e.device, reason: e.reason };
          if (status === 'loading-model') {
            status = 'running';
            startedAt = Date.now();
          }
        } else {
          const ev = e.event;
          lastEventAt = e.at;
          const t = tile(ev.chunk);
          if (!t) continue;
          if (t.cached && ev.status !== 'cancelled') continue;
          const next: Tile = { ...t, status: ev.status };
          if ('attempt' in ev) next.attempt = ev.attempt;
          if (ev.status === 'done' || ev.status === 'failed') next.latencyMs = ev.latencyMs;
          if (ev.status === 'failed' || ev.status === 'retrying') next.error = ev.error;
          if (ev.status === 'done' && t.status !== 'done') {
            doneRows += t.rows;
            computedRows += t.rows;
          }
          if (ev.status === 'cancelled' && t.cached) continue;
          tiles[ev.chunk] = next;
        }
      }
      return { tiles, doneRows, computedRows, status, backend, modelMessage, totalRows, startedAt, lastEventAt };
    }),
}));

/** Counts per tile status for the legend. */
export function countByStatus(tiles: Tile[]): Record<ChunkStatus, number> {
  const out: Record<ChunkStatus, number> = { queued: 0, running: 0, retrying: 0, done: 0, failed: 0, cancelled: 0 };
  for (const t of tiles) out[t.status]++;
  return out;
}
