// A bounded worker pool over chunks: at most `concurrency` runs in flight, chunks started in index
// order. It stops taking new chunks as soon as the signal is aborted, and the first real failure
// aborts the signal so the other in-flight chunks stop too.
import { CancelledError } from './errors';
import type { ChunkPlan } from './types';

export interface ScheduleSpec<R> {
  chunks: readonly ChunkPlan[];
  concurrency: number;
  signal: AbortSignal;
  /** Aborts `signal`; called once with the first failure. */
  abort: (reason: Error) => void;
  run: (chunk: ChunkPlan) => Promise<R>;
}

export interface ScheduleOutcome<R> {
  results: Map<number, R>;
  /** Chunks that were aborted in flight or never started, in index order. */
  cancelled: ChunkPlan[];
  /** The first error that was not a cancellation. */
  failure?: unknown;
}

/** Resolves (never rejects) once every started run has settled. */
export async function schedule<R>(s: ScheduleSpec<R>): Promise<ScheduleOutcome<R>> {
  const results = new Map<number, R>();
  const cancelled: ChunkPlan[] = [];
  let failure: unknown;
  let failed = false;
  let next = 0;
  const worker = async () => {
    while (!s.signal.aborted && next < s.chunks.length) {
      const chunk = s.chunks[next++];
      try {
        results.set(chunk.index, await s.run(chunk));
      } catch (e) {
        if (e instanceof CancelledError) {
          cancelled.push(chunk); // cancelled by the caller, or stopped because another chunk failed
        } else if (!failed) {
          failed = true;
          failure = e;
          s.abort(new CancelledError('chunk'));
        }
      }
    }
  };
  const n = Math.min(s.concurrency, s.chunks.length);
  await Promise.all(Array.from({ length: n }, worker));
  cancelled.push(...s.chunks.slice(next));
  cancelled.sort((a, b) => a.index - b.index);
  return { results, cancelled, failure };
}
