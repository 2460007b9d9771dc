// The engine's public surface. Runtime-neutral: Node, Web Worker and page alike.
export * from './types';
export {
  EmbedbookError, InvalidOptionError, TimeoutError, CancelledError, ChunkFailedError, BatchOutputError,
  serializeError, deserializeError, describeError, formatValue, type SerializedError,
} from './errors';
export { planChunks, validateCallOptions, MAX_TIMEOUT_SECONDS, type ResolvedCallOptions } from './plan-chunks';
export { defaultTimers, sleep } from './timers';
export { retry, withDeadline, backoffCeilingMs, backoffDelayMs, MAX_BACKOFF_MS, type RetryPolicy, type BackoffPolicy, type RetryDecision, type RetryOptions } from './retry';
export { isolateFailures, type IsolateOptions, type SplitMode } from './isolate';
export { sliceRows, asTable } from './arrow';
export { outputKind, valueProblem, SUPPORTED_OUTPUT_TYPES, type OutputKind } from './output-type';
export { assembleTable, emptyResultTable, resultSchema, DEFAULT_BATCH_ROWS, ERROR_CODE_COLUMN } from './assemble';
export { toRowError, rowErrorFrom, isRowError, ROW_ERROR_CODE, OUTPUT_TYPE_CODE, NULL_TEXT_CODE, NOT_TEXT_CODE, TOKENIZER_FAILED_CODE } from './row-error';
export { chunkedCall, type EngineCallOptions } from './chunked-call';
export { openChunkSource, type ChunkSource, type SourcedChunk } from './chunk-source';
export { deferBatch, type DeferBatchOptions } from './defer-batch';
export { functionFromBatch, type EmbedFunction, type FunctionFromBatchOptions } from './embed-function';
