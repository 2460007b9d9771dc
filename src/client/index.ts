// The package entry for Node: `import { Remote, LocalRuntime, defineFunction } from 'embedbook'`.
// Node-only through LocalRuntime (onnxruntime-node); everything else here is browser-safe. Pages
// and Web Workers import ./browser instead (same names, LocalRuntime on onnxruntime-web). The
// server (`createServer`) and the CLI are not re-exported: import src/server or run `embedbook`.
export { Remote, RemoteFunction, embeddingType, type RemoteOptions, type RemoteFunctionOptions } from './remote';
export { LocalRuntime, nodeBackend } from './local-runtime-node';
export { LocalFunction, TextColumnError, MissingBackendError, type LocalRuntimeOptions, type LocalBackend } from './local-runtime';
export { AdaptiveLimiter, type Permit, type AdaptiveLimiterOptions } from './adaptive-limiter';
export type { FunctionInfo, HealthInfo, FetchLike } from './http-transport';
export {
  RemoteError, RemoteNetworkError, RemoteAuthError, UnknownFunctionError, QueueFullError, RateLimitedError,
  RemoteHttpError, RemoteProtocolError,
} from './errors';

// The engine: options, progress events, handles and errors are the same for every backend.
export * from '../core/index';

// Dataset I/O (same code in Node and the browser): CSV/Parquet → Arrow, embeddings → Parquet.
export * from '../io/index';

// Authoring a queue function (pure TypeScript, bundled by `embedbook deploy`).
export {
  defineFunction, type FunctionDefinition, type FunctionSpec, type HandlerContext, type ArgType, type OutputType, type Resources,
} from '../server/define-function';
