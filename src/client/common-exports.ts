// What both package entries export: everything but LocalRuntime, whose runtime differs (index.ts:
// onnxruntime-node; browser.ts: onnxruntime-web). One list, so the two entries cannot drift apart.
export { Remote, RemoteFunction, embeddingType, type RemoteOptions, type RemoteFunctionOptions } from './remote';
export { LocalFunction, TextColumnError, MissingBackendError, type LocalRuntimeOptions, type LocalBackend } from './local-runtime';
export { AdaptiveLimiter, type Permit, type AdaptiveLimiterOptions } from './adaptive-limiter';
export type { FunctionInfo, HealthInfo, FetchLike, WireResponse } from './http-transport';
export {
  RemoteError, RemoteNetworkError, RemoteAuthError, UnknownFunctionError, QueueFullError, QueueStayedFullError,
  RemoteHttpError, RemoteProtocolError, StoreUnavailableError, ServerUnavailableError,
} from './errors';

// The engine: options, progress events, handles and errors are the same for every backend.
export * from '../core/index';

// Dataset I/O (same code in Node and the browser): CSV/Parquet → Arrow, embeddings → Parquet.
export * from '../io/index';

// Authoring a queue function (pure TypeScript, bundled by `embedbook deploy`).
export { defineFunction } from '../protocol/define-function';
export type { FunctionDefinition, FunctionSpec, HandlerContext, ArgType, OutputType, Resources } from '../protocol/function-types';
