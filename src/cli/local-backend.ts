// The CLI's local backend: LocalRuntime on onnxruntime-node with the built-in default model (or a
// BERT-family folder / URL given with --model). Loaded lazily so `embed --remote` never loads ORT.
import { LocalRuntime } from '../client/local-runtime-node';
import { modelSpecOf } from '../model/registry-node';
import { modelDownloadPrinter } from './model-progress';
import type { Dtype } from '../model/dtype';
import type { Device } from '../model/types';
import type { EmbedBackend } from './embed-command';

export async function openLocalBackend(local: { model: string; device: string; prompt?: string; dtype?: Dtype }): Promise<EmbedBackend> {
  const runtime = new LocalRuntime({
    model: modelSpecOf(local.model),
    device: local.device as Device,
    prompt: local.prompt,
    dtype: local.dtype,
    onProgress: modelDownloadPrinter((line) => void process.stderr.write(line)),
  });
  const info = await runtime.info(); // load now: model errors surface before the progress bar starts
  return {
    fn: runtime.function('embed'),
    label: `local ${info.model.replace(/ \(.*\)$/, '')} model on ${info.device}`,
    detail: `${info.model}, ${info.dimension}-d, ${info.device}: ${info.deviceReason}`,
    dispose: () => runtime.dispose(),
  };
}
