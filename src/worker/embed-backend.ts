// What the worker runs jobs and queries on: an EmbedFunction (src/core/embed-function.ts — the
// same interface the CLI and library users run), plus what the page shows about it. Local
// (onnxruntime-web in this worker) and remote (the queue server over HTTP) differ only in how
// they build the function; call-level guards (e.g. a wrong API key failing the whole run) live in
// the function itself (RemoteFunction), not here.
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { EmbedFunction } from '../core/embed-function';
import { EmbedbookError } from '../core/errors';
import { toRowError } from '../core/row-error';
import type { ModelLoadProgress, ResolvedDevice } from '../model/types';

export interface EmbedBackend {
  /** Human label, e.g. "Local · WebGPU" or "Remote · embed @ http://…". */
  readonly label: string;
  readonly device: ResolvedDevice | 'remote';
  /** Why this device runs (adapter found, fallback reason, server version…). */
  readonly reason: string;
  /** What jobs run: `fn.chunkedCall(args, { completed, sink, … })` with args = one column `text`. */
  readonly fn: EmbedFunction<Float32Array>;
  /** Embeds a few texts outside a job (nearest-neighbour queries, estimates): see embedTexts. */
  embedTexts(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** One of a few texts given to embedTexts got no embedding. */
class EmbedTextError extends EmbedbookError {
  override readonly name = 'EmbedTextError';
  constructor(readonly row: number, readonly reason: string) {
    super(`Text ${row + 1} could not be embedded: ${reason}`);
  }
  override details(): Record<string, unknown> {
    return { row: this.row, reason: this.reason };
  }
}

/** A few texts as one batch of `fn` (one call, no chunking): one vector per text, or the first row's error. */
export async function embedTexts(fn: EmbedFunction<Float32Array>, texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
  const out = await fn.deferBatch(new Table({ text: vectorFromArray(texts, new Utf8()) }), { signal }).get();
  return out.values.map((v, i) => {
    if (!v) throw new EmbedTextError(i, toRowError(out.errors?.[i])?.message ?? 'no embedding came back');
    return v;
  });
}

export type ModelProgressSink = (p: ModelLoadProgress) => void;
