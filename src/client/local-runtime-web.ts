// LocalRuntime for the browser (page or Web Worker): model files by URL or dropped files,
// inference on onnxruntime-web (WebGPU when an adapter exists, else threaded WASM).
import { createWebSession, type WebSessionOptions } from '../model/web-session';
import { loadWebModel } from '../model/registry-web';
import { defaultDtype, type Dtype } from '../model/dtype';
import type { Device } from '../model/types';
import { LocalRuntime as BaseLocalRuntime, type LocalBackend, type LocalRuntimeOptions } from './local-runtime';

/** `defaultModelUrl`: where 'default' is served (default /models/default/ on this origin). */
/** q8 on WASM, fp32 on WebGPU; 'auto' guesses WebGPU from navigator.gpu (the session decides for sure). */
function webDefaultDtype(device: Device | undefined): Dtype {
  if (device === 'webgpu') return 'fp32';
  if (device === 'wasm') return 'q8';
  return (globalThis.navigator as { gpu?: unknown } | undefined)?.gpu ? 'fp32' : defaultDtype('auto-web');
}

export function webBackend(opts: { defaultModelUrl?: string; wasmPaths?: string; threads?: number } = {}): LocalBackend {
  return {
    name: 'onnxruntime-web',
    loadModel: (spec, onProgress, o) =>
      loadWebModel(spec, onProgress, opts.defaultModelUrl, { dtype: o?.dtype, defaultDtype: webDefaultDtype(o?.device) }),
    createSession: (model, o) => createWebSession(model, { ...o, wasmPaths: opts.wasmPaths, threads: opts.threads } satisfies WebSessionOptions),
  };
}

export class LocalRuntime extends BaseLocalRuntime {
  constructor(opts: LocalRuntimeOptions = {}) {
    super({ backend: webBackend(), ...opts });
  }
}
