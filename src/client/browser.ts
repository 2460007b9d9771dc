// The browser entry (page or Web Worker): the same API as the Node entry (index.ts) with the
// onnxruntime-web LocalRuntime (WebGPU, else threaded WASM). No node:* imports anywhere below.
export { Remote, RemoteFunction, embeddingType, type RemoteOptions, type RemoteFunctionOptions } from './remote';
export { LocalRuntime, webBackend } from './local-runtime-web';
export { LocalFunction, TextColumnError, MissingBackendError, type LocalRuntimeOptions, type LocalBackend } from './local-runtime';
export { AdaptiveLimiter, type Permit, type AdaptiveLimiterOptions } from './adaptive-limiter';
export type { FunctionInfo, HealthInfo, FetchLike } from './http-transport';
export {
  RemoteError, RemoteNetworkError, RemoteAuthError, UnknownFunctionError, QueueFullError, RateLimitedError,
  RemoteHttpError, RemoteProtocolError,
} from './errors';
export * from '../core/index';

// Dataset I/O (same code in Node and the browser): CSV/Parquet → Arrow, embeddings → Parquet.
export * from '../io/index';
export {
  defineFunction, type FunctionDefinition, type FunctionSpec, type HandlerContext, type ArgType, type OutputType, type Resources,
} from '../server/define-function';
