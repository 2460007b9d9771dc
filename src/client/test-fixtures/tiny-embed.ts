// The tiny embedding model both contract subjects run: the pipeline's deterministic pooled ONNX
// model (src/model/pipeline/test-models.ts) behind a character tokenizer, on a real
// onnxruntime-node session — the same model the server's test fixture (src/server/test-fixtures/
// tiny-model.ts) loads in its worker threads, so local, remote and reference vectors must agree.
import { createNodeSession } from '../../model/node-session';
import { Embedder } from '../../model/pipeline/embedder';
import { buildTinyModel, charTokenizer } from '../../model/pipeline/test-models';
import type { LoadedModel } from '../../model/registry';
import { DEFAULT_POOLING } from '../../model/sentence-transformers';

const TINY_MAX_LENGTH = 32;

function tinyModelBytes(): Uint8Array {
  return buildTinyModel({ output: 'pooled' });
}

/** The tiny model as a model loader hands it to LocalRuntime. */
export function loadedTinyModel(): LoadedModel {
  return {
    name: 'tiny',
    kind: 'bert',
    modelFile: 'tiny.onnx',
    model: tinyModelBytes(),
    tokenizer: charTokenizer(TINY_MAX_LENGTH),
    sentenceTransformer: { pooling: { ...DEFAULT_POOLING, modes: [...DEFAULT_POOLING.modes] }, prompts: {} },
  };
}

/** The model run directly (no engine, no client): the reference vectors. */
export async function tinyReference(): Promise<{ embed(texts: string[]): Promise<Float32Array[]>; dispose(): Promise<void> }> {
  const session = await createNodeSession(tinyModelBytes(), { device: 'cpu', threads: 1 });
  const embedder = new Embedder(charTokenizer(TINY_MAX_LENGTH), session);
  return {
    async embed(texts) {
      const out = await embedder.embed(texts);
      return out.values.map((v, i) => {
        if (!v) throw new Error(`reference: text ${i} did not embed: ${out.errors[i]}`);
        return v;
      });
    },
    dispose: () => session.dispose(),
  };
}
