// The one message protocol between the server thread and its worker threads. Rows cross as plain
// arrays (structured clone); float vectors come back packed in one transferred Float32Array.
import type { SerializedError } from '../../core/errors';
import type { RowError } from '../../core/types';
import type { ArgType } from '../../protocol/define-function';

/** Everything a worker needs to load and call one function version. */
export interface FnRef {
  /** name@version: the handler cache key. */
  key: string;
  name: string;
  version: number;
  input: 'columns' | 'table';
  args: Record<string, ArgType>;
  /** file: URL of the uploaded bundle (user handlers). */
  bundleUrl?: string;
  /** Built-in model name and the module that builds its handler (model functions). */
  model?: string;
  modelModuleUrl?: string;
  /** Where the built-in model module reads the model from (default: by model name). */
  modelSource?: ModelSource;
  /** The declared result type: decides which output checks apply (none for 'json' and 'utf8'). */
  output?: string;
}

/** 'default' (public/models/default), a Hugging Face-layout folder on this machine, or a hub id (HF_ENDPOINT). */
export type ModelSource = 'default' | { folder: string } | { id: string };

/** Where a worker's model handlers run (the pool decides: worker-device.ts). */
export type WorkerDevice = 'cpu' | 'cuda' | 'webgpu';

export interface WorkerInit {
  index: number;
  device: WorkerDevice;
  gpu?: string;
  /** Intra-op threads a model handler may use (cores / workers). */
  threads: number;
  /** JavaScript heap limit of this worker (MiB): resources.memory of the functions it runs. */
  memoryMb: number;
}

export type ToWorker =
  /**
   * `fn` is the whole FnRef the first time this worker hears of the function version, then its key
   * only (the worker keeps the ref): nothing on the per-batch path is sent twice.
   */
  | { type: 'run'; id: number; fn: FnRef | string; columns: unknown[][]; rows: number; attempt: number }
  | { type: 'inspect'; id: number; fn: FnRef }
  | { type: 'unload'; key: string }
  /** A batch handed over behind the running one was cancelled: skip it (answered with an error). */
  | { type: 'skip'; id: number };

/** Equal-length float vectors, packed row-major: row i = data[i*dim, (i+1)*dim). */
export interface PackedVectors {
  data: Float32Array;
  dim: number;
  /** Rows whose value is null (not in data: their slot holds zeros). */
  nulls: number[];
}

export type FromWorker =
  | { type: 'ready' }
  /**
   * The batch had to load its handler first (import a bundle, load a model) and starts now: the
   * batch deadline counts from here. Not sent when the handler was loaded already; the pool then
   * counts the deadline from the moment the batch became the worker's current one.
   */
  | { type: 'started'; id: number }
  | {
      type: 'result';
      id: number;
      values?: unknown[];
      packed?: PackedVectors;
      errors?: (RowError | null)[];
      /** Time inside the handler, measured in the worker. */
      handlerMs: number;
    }
  /** serializeError's output: deserializeError on the server rebuilds the class (registered ones) or name + code + message. */
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'inspected'; id: number; arity: number };

/**
 * A handler module built by a model's `modelModuleUrl` exports this: given the worker's device and
 * threads, it returns a batch function from texts to vectors (one per row) and per-row errors.
 */
export type ModelHandlerFactory = (opts: { model: string; source?: ModelSource; device: WorkerDevice; threads: number; gpu?: string }) => Promise<
  (texts: unknown[]) => Promise<{ values: ReadonlyArray<Float32Array | null>; errors?: ReadonlyArray<string | RowError | null> }>
>;
