// A bounded pool over chunks pulled from a ChunkSource: at most `concurrency` runs in flight,
// chunks started in index order, and never more than `window` chunks pulled but not yet released
// (delivered to a sink) — the reorder window that keeps a streaming call's memory
// O(window × chunk size). It stops taking new chunks as soon as the signal is aborted, and the first
// real failure (a chunk's, the input's or the sink's) aborts the signal so in-flight chunks stop too.
import type { ChunkSource, SourcedChunk } from './chunk-source';
import { CancelledError } from './errors';
import type { ChunkPlan } from './types';

export interface ScheduleSpec {
  source: ChunkSource;
  concurrency: number;
  /** Max chunks pulled but not released; Infinity when nothing is streamed. */
  window: number;
  signal: AbortSignal;
  /** Aborts `signal`; called once with the first failure. */
  abort: (reason: Error) => void;
  /**
   * Prepares a pulled chunk: returns false when it needs no run (resumed from earlier output);
   * true to run it.
   */
  accept: (chunk: SourcedChunk) => boolean;
  run: (chunk: SourcedChunk) => Promise<void>;
  /** Hands finished outputs on (awaited: backpressure); returns how many chunks are released so far. */
  release: () => Promise<number>;
}

export interface ScheduleOutcome {
  /** Chunks that were aborted in flight or never started (of those pulled, or planned), in index order. */
  cancelled: ChunkPlan[];
  /** The first error that was not a cancellation. */
  failure?: unknown;
  /** Chunks pulled from the source. */
  pulled: number;
  /** The source was read to its end. */
  exhausted: boolean;
}

/** Resolves (never rejects) once every started run has settled and outputs were released. */
export async function schedule(s: ScheduleSpec): Promise<ScheduleOutcome> {
  const cancelled: ChunkPlan[] = [];
  const running = new Set<Promise<void>>();
  let failure: unknown;
  let failed = false;
  let exhausted = false;
  let pulled = 0;
  let released = 0;
  const fail = (e: unknown) => {
    if (failed) return;
    failed = true;
    failure = e;
    s.abort(new CancelledError('chunk'));
  };
  const start = (chunk: SourcedChunk) => {
    const p: Promise<void> = s.run(chunk).then(
      () => undefined,
      (e: unknown) => {
        if (e instanceof CancelledError) cancelled.push(chunk.plan); // cancelled, or stopped by another failure
        else fail(e);
      },
    ).finally(() => running.delete(p));
    running.add(p);
  };

  for (;;) {
    while (!s.signal.aborted && !exhausted && running.size < s.concurrency && pulled - released < s.window) {
      let chunk: SourcedChunk | undefined;
      try {
        chunk = await s.source.next();
      } catch (e) {
        fail(e);
        break;
      }
      if (chunk === undefined) {
        exhausted = true;
        break;
      }
      pulled++;
      if (s.signal.aborted) cancelled.push(chunk.plan);
      else if (s.accept(chunk)) start(chunk);
    }
    try {
      released = await s.release();
    } catch (e) {
      fail(e);
    }
    if (running.size === 0) {
      // Chunks that finished while release() awaited the sink: nothing else can finish now.
      try {
        released = await s.release();
      } catch (e) {
        fail(e);
      }
      if (exhausted || s.signal.aborted) break;
      if (pulled - released >= s.window) {
        // Every pulled chunk is finished, so release() must have made room; a bug otherwise.
        fail(new Error(`embedbook engine: ${pulled - released} finished chunks could not be released`));
        break;
      }
      continue;
    }
    await Promise.race(running);
  }
  if (!exhausted) await s.source.close().catch(() => undefined);
  // Planned chunks never pulled were cancelled too (a stream's unread rows have no plan).
  for (const c of s.source.plan?.slice(pulled) ?? []) cancelled.push(c);
  cancelled.sort((a, b) => a.index - b.index);
  return { cancelled, failure, pulled, exhausted };
}
