// The package entry: `import { Remote, LocalRuntime, defineFunction } from 'embedbook'`.
// Everything exported here is browser-safe (fetch, Arrow, the pure engine) except where noted;
// the server (`createServer`) and the CLI are Node-only and live behind their own modules
// (src/server, src/cli), never re-exported here, so bundlers do not pull node:* into a page.
export { Remote, RemoteFunction, embeddingType, type RemoteOptions, type RemoteFunctionOptions } from './remote';
export { AdaptiveLimiter, type Permit, type AdaptiveLimiterOptions } from './adaptive-limiter';
export type { FunctionInfo, HealthInfo, FetchLike } from './http-transport';
export {
  RemoteError, RemoteNetworkError, RemoteAuthError, UnknownFunctionError, QueueFullError, RateLimitedError,
  RemoteHttpError, RemoteProtocolError, RemoteCancelledError,
} from './errors';

// The engine: options, progress events, handles and errors are the same for every backend.
export * from '../core/index';

// Authoring a queue function (pure TypeScript, bundled by `embedbook deploy`).
export {
  defineFunction, type FunctionDefinition, type FunctionSpec, type HandlerContext, type ArgType, type OutputType, type Resources,
} from '../server/define-function';
