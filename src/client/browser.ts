// The browser entry (page or Web Worker): the same API as the Node entry (index.ts) with the
// onnxruntime-web LocalRuntime (WebGPU, else threaded WASM). No node:* imports anywhere below.
export * from './common-exports';
export { LocalRuntime, webBackend } from './local-runtime-web';
