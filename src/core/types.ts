// Shared contracts of the chunked-call engine. Everything here is runtime-neutral: it runs in
// Node, in a Web Worker and in the page alike. Backends only know how to run ONE batch; the
// engine plans, schedules, retries, isolates failures and reassembles.
import type { RecordBatch, Table } from 'apache-arrow';

/** Exactly one of chunkSize / numChunks must be given (validated by planChunks). */
export type ChunkingOptions =
  | { chunkSize: number; numChunks?: undefined }
  | { numChunks: number; chunkSize?: undefined };

/** A contiguous slice of the input: rows [offset, offset + rows). */
export interface ChunkPlan {
  index: number;
  offset: number;
  rows: number;
}

/** What a batch function sees besides its rows. */
export interface BatchContext {
  /** Aborted on cancel or per-chunk timeout; a well-behaved function stops promptly. */
  signal: AbortSignal;
  chunkIndex: number;
  /** 1 for the first try. */
  attempt: number;
}

/**
 * A failed row's status: `code` is stable (switch on it: the code of the error class that failed
 * the row, e.g. TIMEOUT, or ROW_ERROR for a plain text, NULL_TEXT, OUTPUT_TYPE — core/row-error.ts);
 * `message` says what happened, for people. The result table carries them as `error_code` and `status`.
 */
export interface RowError {
  code: string;
  message: string;
}

/**
 * The result of running one batch: one entry per input row, in input order.
 * `errors[i]` non-null marks row i as failed (its value is ignored): a `{ code, message }`, or a
 * plain message (its code is then ROW_ERROR).
 */
export interface BatchOutput<T> {
  values: ReadonlyArray<T | null>;
  errors?: ReadonlyArray<string | RowError | null>;
}

/** Runs one batch of rows (a slice of the args table, one column per argument). */
export type BatchFunction<T> = (args: Table, ctx: BatchContext) => Promise<BatchOutput<T>>;

/** Progress is a union keyed on `status`, one event per chunk state change. */
export type ChunkProgressEvent =
  | { status: 'queued'; chunk: number; offset: number; rows: number }
  | { status: 'running'; chunk: number; offset: number; rows: number; attempt: number }
  | { status: 'retrying'; chunk: number; offset: number; rows: number; attempt: number; error: string; delayMs: number }
  | { status: 'done'; chunk: number; offset: number; rows: number; attempt: number; latencyMs: number; failedRows: number }
  | { status: 'failed'; chunk: number; offset: number; rows: number; attempt: number; latencyMs: number; error: string }
  | { status: 'cancelled'; chunk: number; offset: number; rows: number };

export type ChunkStatus = ChunkProgressEvent['status'];

/** Injected so tests can drive time with fake timers (TanStack's timeoutManager idea). */
export interface TimerApi {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Uniform [0, 1): injected for deterministic jitter in tests. */
  random(): number;
}

export type OnError = 'row-status' | 'raise';

export type ChunkedCallOptions = ChunkingOptions & {
  /** Max chunks in flight at once (default 1). */
  concurrentChunks?: number;
  /** Per-chunk timeout in SECONDS; undefined waits forever. */
  timeout?: number;
  /** Extra attempts for a failed or timed-out chunk (default 0). */
  retries?: number;
  /** Base backoff in ms for retries (default 250); doubles each attempt, with full jitter. */
  backoffMs?: number;
  signal?: AbortSignal;
  onProgress?: (event: ChunkProgressEvent) => void;
  /** 'row-status' (default): failed rows get a status and a null result. 'raise': reject. */
  onError?: OnError;
  timers?: TimerApi;
  /**
   * Resume: outputs of chunks finished by an earlier run with the same input and chunking
   * (e.g. CancelledError.completedChunks), keyed by chunk index. Those chunks are not run again.
   */
  completed?: ReadonlyMap<number, BatchOutput<unknown>>;
  /**
   * Called with each chunk's output as soon as it finishes (right after its 'done' or 'failed'
   * event), so a caller can persist it and resume later, even after a reload, via `completed`.
   */
  onChunkOutput?: (chunk: ChunkPlan, output: BatchOutput<unknown>) => void;
  /**
   * Streams the results instead of returning them: `write` gets `{ offset, table }` (rows
   * [offset, offset + table.numRows), `result` + `status`) in input order, as soon as they are
   * contiguous, and is awaited (backpressure). Chunks are only started within a window of
   * `concurrentChunks` chunks past the first undelivered one, so memory stays
   * O(concurrentChunks × chunk size) whatever the input size. The returned `table` is then empty.
   */
  sink?: ResultSink;
  /**
   * Rows of an AsyncIterable input, when known (needed with `numChunks`, which has to know the
   * row count up front; optional with `chunkSize`, where it is checked against the rows read).
   */
  totalRows?: number;
  /**
   * Resume after a sink run: the first `skipChunks` chunks were delivered by an earlier run with
   * the same input and chunking. Their rows are read past, not run and not delivered again.
   */
  skipChunks?: number;
};

/** Where streamed results go (see ChunkedCallOptions.sink). */
export interface ResultSink {
  write(part: { offset: number; table: Table }): void | Promise<void>;
}

/** What chunkedCall takes as input: a Table, or record batches read incrementally. */
export type CallInput = Table | AsyncIterable<RecordBatch>;

/** Per-row status: 'ok' or the error message. */
export const ROW_OK = 'ok';

/**
 * The engine's answer: an Arrow Table with `result` (the requested output type), `status` (utf8:
 * 'ok' or the error message) and `error_code` (utf8, null for ok rows) columns; row i always
 * corresponds to input row i.
 */
export interface ChunkedCallResult {
  /** Every result row; empty (right schema) when the results went to a `sink`. */
  table: Table;
  /** Input rows processed (the table's rows, or the rows delivered to the sink incl. skipped ones). */
  rows?: number;
  failedRows: number;
  chunks: number;
}

export type BatchHandleStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/** A submitted batch: returned at once by deferBatch. */
export interface BatchHandle<T> {
  readonly id: string;
  readonly status: BatchHandleStatus;
  /** Resolves with the batch output; rejects with TimeoutError after `timeout` seconds. */
  get(opts?: { timeout?: number }): Promise<BatchOutput<T>>;
  cancel(): void;
}

