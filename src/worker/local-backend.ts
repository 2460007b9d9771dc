// Local backend: the model runs here, in the worker, on onnxruntime-web (WebGPU or threaded
// WASM). The session is created once per model + device and reused across runs and searches.
import type { BatchFunction } from '../core/types';
import { Embedder } from '../model/pipeline/embedder';
import type { ModelSpec } from '../model/registry';
import { loadWebModel } from '../model/registry-web';
import { createWebSession } from '../model/web-session';
import type { BackendSpec } from './api';
import type { EmbedBackend, ModelProgressSink } from './embed-backend';

type LocalSpec = Extract<BackendSpec, { kind: 'local' }>;

export function localBackendKey(spec: LocalSpec): string {
  const m = spec.model;
  const model = m.kind === 'default' ? 'default' : m.kind === 'url' ? `url:${m.url}` : `files:${m.files.map((f) => `${f.name}/${f.size}/${f.lastModified}`).join(',')}`;
  return `local|${spec.device}|${model}`;
}

function modelSpec(spec: LocalSpec): ModelSpec {
  const m = spec.model;
  return m.kind === 'default' ? 'default' : m.kind === 'url' ? { url: m.url } : { files: m.files };
}

export async function createLocalBackend(spec: LocalSpec, onProgress: ModelProgressSink): Promise<EmbedBackend> {
  const loaded = await loadWebModel(modelSpec(spec), onProgress);
  const session = await createWebSession(loaded.model, { device: spec.device, onProgress, label: loaded.modelFile });
  const embedder = new Embedder(loaded.tokenizer, session);
  const embedBatch: BatchFunction<Float32Array> = async (args, ctx) => {
    const col = args.getChild('text');
    const texts: unknown[] = col ? col.toArray() : [];
    const out = await embedder.embed(texts, { signal: ctx.signal });
    return { values: out.values, errors: out.errors };
  };
  const name = loaded.kind === 'use' ? 'default model (USE lite, 512-d)' : `BERT ${loaded.name}`;
  return {
    label: `Local · ${session.device === 'webgpu' ? 'WebGPU' : 'WASM'} · ${name}`,
    device: session.device,
    reason: session.deviceReason,
    embedBatch,
    async embedTexts(texts, signal) {
      const out = await embedder.embed(texts, { signal });
      return out.values.map((v, i) => v ?? (() => { throw Object.assign(new Error(out.errors[i] ?? 'no embedding'), { name: 'EmbedError' }); })());
    },
    dispose: () => session.dispose(),
  };
}
