// The built-in model handler (runs inside a worker): the embedding runtime's Node pipeline — model
// files via the model registry ('default' = public/models/default, or a Hugging Face-layout
// folder), one onnxruntime-node session per worker, the shared Embedder (sorted, token-budgeted
// sub-batches, per-row errors). Loaded once per worker and reused for every batch.
import { createNodeSession } from '../../model/node-session';
import { Embedder } from '../../model/pipeline/embedder';
import { loadNodeModel, modelSpecOf } from '../../model/registry-node';
import { promptText } from '../../model/sentence-transformers';
import type { ModelHandlerFactory } from './protocol';

export const createModelHandler: ModelHandlerFactory = async ({ model, source, device, threads }) => {
  const loaded = await loadNodeModel(source ?? modelSpecOf(model));
  // onnxruntime's defaults, spin-waiting intra-op threads included, as a direct loop has them: with
  // the next batch already in the worker (pool prefetch) the threads go straight on to it, and
  // turning spinning off cost about 8% of throughput with no gain in queue overhead (docs/server.md).
  const session = await createNodeSession(loaded.model, { device, threads, label: `${loaded.name}/${loaded.modelFile}`, pooling: loaded.sentenceTransformer.pooling, externalData: loaded.externalData });
  const embedder = new Embedder(loaded.tokenizer, session, { prompt: promptText(loaded.sentenceTransformer, undefined) });
  return (texts) => embedder.embed(texts);
};
