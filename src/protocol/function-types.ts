// The types of a queue function's definition (`defineFunction`, define-function.ts), shared by the
// server (which validates an uploaded definition), the CLI (which uploads one) and the client (which
// re-exports them for authors). Types and constant lists only: no runtime checks here.

/** One Arrow column per argument; each handler argument is the WHOLE column of the batch. */
export type ArgType = 'string[]' | 'number[]' | 'number[][]' | 'boolean[]' | 'json[]';
/** Scalar argument types exist only to be refused with a clear error (one row per call defeats batching). */
export type ScalarArgType = 'string' | 'number' | 'boolean' | 'json';
export const ARG_TYPES: readonly ArgType[] = ['string[]', 'number[]', 'number[][]', 'boolean[]', 'json[]'];

/** The Arrow type of the `result` column. Omitted: inferred from the values of each call. */
export type OutputType = 'float32[]' | 'float64[]' | 'float32' | 'float64' | 'int32' | 'utf8' | 'bool' | 'json';
export const OUTPUT_TYPES: readonly OutputType[] = ['float32[]', 'float64[]', 'float32', 'float64', 'int32', 'utf8', 'bool', 'json'];

export interface Resources {
  cpu?: number;
  /**
   * Kubernetes-style quantity, e.g. "4Gi" (default "1Gi"): the JavaScript heap limit of the worker
   * threads that run the handler (worker_threads resourceLimits). A handler that exhausts it fails
   * its batch's rows; the worker is replaced.
   */
  memory?: string;
  /** A GPU kind, e.g. "nvidia-l4", or "any". Must match a worker's GPU unless CPU fallback is on. */
  gpu?: string;
}

/** What a handler gets after its column arguments. */
export interface HandlerContext {
  functionName: string;
  version: number;
  /** 1 for the first try of this batch. */
  attempt: number;
  rows: number;
  device: 'cpu' | 'cuda' | 'webgpu';
  /** The GPU kind of the worker, when it has one. */
  gpu?: string;
}

/** The JSON-safe part of a definition: what POST /functions carries as `definition`. */
export interface FunctionSpec {
  name: string;
  /** Argument name → column type, in handler parameter order. Default `{ text: 'string[]' }`. */
  args: Record<string, ArgType>;
  /** 'columns' (default): handler(col1, col2, …, ctx). 'table': handler(arrowTable, ctx). */
  input: 'columns' | 'table';
  maxBatchingSize: number;
  /** ms after the oldest buffered row at which a partial batch is sent anyway. */
  maxBufferDuration: number;
  retries: number;
  resources: Resources;
  /** A built-in handler ('default' = the default embedding model); excludes `handler`. */
  model?: string;
  output?: OutputType;
  /** Per-batch deadline in ms: a worker that takes longer is treated as hung and replaced. */
  batchTimeoutMs?: number;
}

/** The authoring form: a spec (defaults filled in) plus, for user code, the batch handler. */
export interface FunctionDefinition extends Partial<Omit<FunctionSpec, 'name' | 'args'>> {
  name: string;
  args?: Record<string, ArgType | ScalarArgType>;
  /** Must stay true (or absent): `batch: false` declares a one-row handler and is refused. */
  batch?: boolean;
  /**
   * Receives one array per declared argument (the whole batch), then a HandlerContext; returns
   * one value per row (array or typed arrays), or `{ values, errors }` for per-row failures.
   * Declared as a method so handlers with precise parameter types (`text: string[]`) fit.
   */
  handler?(...columnsThenContext: unknown[]): unknown;
}
