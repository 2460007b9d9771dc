// What the job runner needs from a backend: run ONE batch of texts. Local (onnxruntime-web in
// this worker) and remote (the queue server over HTTP) both adapt to this.
import type { BatchFunction } from '../core/types';
import type { ModelLoadProgress, ResolvedDevice } from '../model/types';

export interface EmbedBackend {
  /** Human label, e.g. "Local · WebGPU" or "Remote · embed @ http://…". */
  readonly label: string;
  readonly device: ResolvedDevice | 'remote';
  /** Why this device runs (adapter found, fallback reason, server version…). */
  readonly reason: string;
  /** One batch of the args table (column `text`) → one Float32Array per row. */
  readonly embedBatch: BatchFunction<Float32Array>;
  /**
   * Optional whole-call guard: wraps the batch function so an error every chunk would hit (a
   * wrong API key, say) aborts the call, and `translate` turns the engine's CancelledError back
   * into that error.
   */
  guard?(fn: BatchFunction<Float32Array>, signal: AbortSignal): CallGuard;
  /** Embeds a few texts outside a job (nearest-neighbour queries). */
  embedTexts(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export interface CallGuard {
  fn: BatchFunction<Float32Array>;
  signal: AbortSignal;
  translate(err: unknown): unknown;
  dispose(): void;
}

export type ModelProgressSink = (p: ModelLoadProgress) => void;
