// A built-in-model handler for tests: the pipeline's deterministic tiny pooled ONNX model behind a
// character tokenizer, run by the real onnxruntime-node session and Embedder inside the worker.
import { createNodeSession } from '../../model/node-session';
import { Embedder } from '../../model/pipeline/embedder';
import { buildTinyModel, charTokenizer } from '../../model/pipeline/test-models';
import type { ModelHandlerFactory } from '../worker/protocol';

export const createModelHandler: ModelHandlerFactory = async ({ threads }) => {
  const session = await createNodeSession(buildTinyModel({ output: 'pooled' }), { device: 'cpu', threads });
  const embedder = new Embedder(charTokenizer(32), session);
  return (texts) => embedder.embed(texts);
};
