// The package entry for Node: `import { Remote, LocalRuntime, defineFunction } from 'embedbook'`.
// Node-only through LocalRuntime (onnxruntime-node); everything else here is browser-safe. Pages
// and Web Workers import ./browser instead (same names, LocalRuntime on onnxruntime-web). The
// server (`createServer`) and the CLI are not re-exported: import src/server or run `embedbook`.
export * from './common-exports';
export { LocalRuntime, nodeBackend } from './local-runtime-node';
// Shadows common-exports' Remote (an explicit export wins over `export *`): same class, node:http.
export { Remote } from './remote-node';
export { createNodeHttpFetch, type NodeHttpFetchOptions } from './node-http-fetch';
