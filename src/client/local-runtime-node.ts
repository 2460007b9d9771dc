// LocalRuntime for Node: model files from disk or URL, inference on onnxruntime-node (CPU, or
// CUDA when installed). The package's Node entry exports this LocalRuntime.
import { createNodeSession } from '../model/node-session';
import { loadNodeModel } from '../model/registry-node';
import { LocalRuntime as BaseLocalRuntime, type LocalBackend, type LocalRuntimeOptions } from './local-runtime';

export const nodeBackend: LocalBackend = {
  name: 'onnxruntime-node',
  // onnxruntime-node runs natively (CPU / CUDA): fp32 unless the user picks a dtype.
  loadModel: (spec, onProgress, o) => loadNodeModel(spec, onProgress, { dtype: o?.dtype, defaultDtype: 'fp32' }),
  createSession: (model, opts) => createNodeSession(model, opts),
};

export class LocalRuntime extends BaseLocalRuntime {
  constructor(opts: LocalRuntimeOptions = {}) {
    super({ backend: nodeBackend, ...opts });
  }
}
