// LocalRuntime for the browser (page or Web Worker): model files by URL or dropped files,
// inference on onnxruntime-web (WebGPU when an adapter exists, else threaded WASM).
import { createWebSession, type WebSessionOptions } from '../model/web-session';
import { loadWebModel } from '../model/registry-web';
import { LocalRuntime as BaseLocalRuntime, type LocalBackend, type LocalRuntimeOptions } from './local-runtime';

/** `defaultModelUrl`: where 'default' is served (default /models/default/ on this origin). */
export function webBackend(opts: { defaultModelUrl?: string; wasmPaths?: string; threads?: number } = {}): LocalBackend {
  return {
    name: 'onnxruntime-web',
    loadModel: (spec, onProgress) => loadWebModel(spec, onProgress, opts.defaultModelUrl),
    createSession: (model, o) => createWebSession(model, { ...o, wasmPaths: opts.wasmPaths, threads: opts.threads } satisfies WebSessionOptions),
  };
}

export class LocalRuntime extends BaseLocalRuntime {
  constructor(opts: LocalRuntimeOptions = {}) {
    super({ backend: webBackend(), ...opts });
  }
}
