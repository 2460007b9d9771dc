// What both package entries export: everything but LocalRuntime, whose runtime differs (index.ts:
// onnxruntime-node; browser.ts: onnxruntime-web). One list, so the two entries cannot drift apart.
export { Remote, RemoteFunction, embeddingType, type RemoteOptions, type RemoteFunctionOptions } from './remote';
export { LocalFunction, TextColumnError, MissingBackendError, type LocalRuntimeOptions, type LocalBackend } from './local-runtime';
// The one interface LocalFunction and RemoteFunction implement (and a BatchFunction wrapped as one).
export { functionFromBatch, type EmbedFunction, type FunctionFromBatchOptions } from '../core/embed-function';
export { AdaptiveLimiter, type Permit, type AdaptiveLimiterOptions } from './adaptive-limiter';
export type { FunctionInfo, HealthInfo, FetchLike, WireResponse } from './http-transport';
export {
  RemoteError, RemoteNetworkError, RemoteAuthError, UnknownFunctionError, QueueFullError, QueueStayedFullError,
  RemoteHttpError, RemoteProtocolError, StoreUnavailableError, ServerUnavailableError,
} from './errors';

// The engine, as a user of the package sees it: call options, progress events, handles, results
// and errors, and chunkedCall / deferBatch over a BatchFunction of one's own. Planning, assembly,
// timers and backoff stay inside src/core (import them from there inside this repository).
export type {
  BatchContext, BatchFunction, BatchHandle, BatchHandleStatus, BatchOutput, CallInput, ChunkPlan, ChunkProgressEvent,
  ChunkStatus, ChunkedCallOptions, ChunkedCallResult, ChunkingOptions, OnError, ResultSink, RowError, TimerApi,
} from '../core/types';
export { ROW_OK } from '../core/types';
// A failed row is `{ code, message }`: the codes the engine and the embedder give (switch on them).
export { ROW_ERROR_CODE, OUTPUT_TYPE_CODE, NULL_TEXT_CODE, NOT_TEXT_CODE, TOKENIZER_FAILED_CODE } from '../core/row-error';
export {
  EmbedbookError, InvalidOptionError, TimeoutError, CancelledError, ChunkFailedError, BatchOutputError, type SerializedError,
} from '../core/errors';
export { chunkedCall, type EngineCallOptions } from '../core/chunked-call';
export { deferBatch, type DeferBatchOptions } from '../core/defer-batch';
export { MAX_TIMEOUT_SECONDS } from '../core/plan-chunks';
export { SUPPORTED_OUTPUT_TYPES } from '../core/output-type';

// Dataset I/O (same code in Node and the browser): CSV/JSONL/Parquet → Arrow, embeddings → Parquet.
export type { ByteSource } from '../io/byte-source';
export { readCsv, type CsvReadOptions } from '../io/csv-read';
export { readJsonl, type JsonlReadOptions } from '../io/jsonl-read';
export { CSV_DELIMITERS, type CsvDelimiter } from '../io/csv-delimiter';
export { readParquet, type ParquetReadOptions, type ParquetSource } from '../io/parquet-read';
export { readDataset, detectFormat, type ReadDatasetOptions, type DatasetFormat } from '../io/read-dataset';
export { writeParquetChunks, writeParquetBuffer, type ParquetWriteOptions, type WriteProgress } from '../io/parquet-write';
export {
  writeEmbeddingsParquet, embeddingsFromResult, type EmbeddingColumns, type EmbeddingValues, type EmbeddingOutputOptions,
} from '../io/embedding-output';
export { setParquetWasmSource, type ParquetWasmSource } from '../io/parquet-wasm';
export type { DatasetReadResult, ReadProgress } from '../io/dataset-summary';
// "Text from several columns": `{package}: {description}` rendered per row (null when every cell is null).
export { parseTextTemplate, renderTextTemplate, type TextTemplate } from '../io/text-template';
export {
  DatasetError, EmptyFileError, InvalidUtf8Error, CsvUnterminatedQuoteError, CsvMalformedError, CsvRaggedRowError,
  UnknownColumnError, NonTextColumnError, AllNullColumnError, ColumnConflictError, NotParquetError, ParquetTruncatedError,
  ParquetReadError, ParquetWriteError, EmbeddingShapeError, ReadAbortedError, JsonlLineError, TextTemplateError,
} from '../io/errors';

// Authoring a queue function (pure TypeScript, bundled by `embedbook deploy`).
export { defineFunction } from '../protocol/define-function';
export type { FunctionDefinition, FunctionSpec, HandlerContext, ArgType, OutputType, Resources } from '../protocol/function-types';
