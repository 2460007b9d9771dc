// Public surface of the function-queue server.
export { createServer, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_BODY_LIMIT, type ServerOptions, type EmbedbookServer } from './create-server';
export { queueRoutes, type QueueRoutesOptions } from './routes';
export { FunctionQueue, BUILTIN_MODELS, MODEL_MODULE_URL, type QueueOptions, type FunctionInfo, type ModelEntry } from './function-queue';
export { defineFunction, toFunctionSpec, validateSpec, type FunctionDefinition, type FunctionSpec, type ArgType, type OutputType, type HandlerContext, type Resources } from '../protocol/define-function';
export { MemoryQueueStore } from './memory-store';
export { MemoryRegistryStore } from './registry/memory-registry-store';
export { RedisRegistryStore } from './registry/redis-registry-store';
export { MissingBundleError, type RegistryStore, type DeployRecord } from './registry/registry-store';
export { startWorkerNode, type WorkerNode, type WorkerNodeOptions } from './worker-node';
export type { QueueStore, QueuedRow, RowOutcome, CallRecord, NewCall, PendingInfo } from './store';
export * from './errors';
export { RedisStreamsQueueStore, RedisUnavailableError, DEFAULT_REDIS_PREFIX, type RedisStoreOptions } from './redis-store';
export { openQueueStore, InvalidStoreSpecError, type OpenedStore } from './redis/open-store';
