import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { env, pipeline } from '@huggingface/transformers';
import { decodeModel } from '../onnx/builder';
import { meanPoolNormalize } from '../pooling';
import { loadModelFromFolder } from '../sources/node-folder-source';
import { generateSyntheticBert } from './generate';
import { createWordPieceTokenizer } from './wordpiece-tokenizer';

// Pinned: the benchmark model must be the same bytes everywhere.
const MINILM_SHA256 = '48dbbb1e26a22686c4e46374d037551d86dee112fec98db54bd3be5a8541b99b';

describe('MiniLM-L6-shaped synthetic BERT', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'embedbook-minilm-'));
    generateSyntheticBert('minilm', join(root, 'minilm'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('has the all-MiniLM-L6-v2 shape and pinned bytes', () => {
    const bytes = readFileSync(join(root, 'minilm', 'onnx', 'model.onnx'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(MINILM_SHA256);
    const g = decodeModel(bytes).graph!;
    const weights = (g.initializer ?? []).filter((t) => t.dataType === 1 && t.dims!.length > 0);
    const params = weights.reduce((n, t) => n + t.dims!.reduce((a, b) => a * Number(b), 1), 0);
    // all-MiniLM-L6-v2 has 22,713,216 parameters, of which the pooler (384×384 + 384 = 147,840)
    // is not part of a last_hidden_state export.
    expect(params).toBe(22_713_216 - 147_840);
    expect(g.node!.filter((n) => n.opType === 'Softmax').length).toBe(6);
    const word = g.initializer!.find((t) => t.name === 'embeddings.word_embeddings.weight')!;
    expect(word.dims!.map(Number)).toEqual([30522, 384]);
  });

  it('loads in transformers.js feature-extraction from the local folder and matches onnxruntime-node + our pooling', async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = root;
    const extractor = await pipeline('feature-extraction', 'minilm', { dtype: 'fp32' });
    const texts = ['The cat sat on the mat.', 'Embeddings for every row of a dataset, in the browser.'];
    const hf = await extractor(texts, { pooling: 'mean', normalize: true });
    expect(hf.dims).toEqual([2, 384]);
    await extractor.dispose();

    const files = await loadModelFromFolder(join(root, 'minilm'));
    const tok = createWordPieceTokenizer(files.tokenizerJson, { tokenizerConfig: files.tokenizerConfig, config: files.config });
    const encs = texts.map((t) => Array.from(tok.encode(t).ids));
    const S = Math.max(...encs.map((e) => e.length));
    const pad = (e: number[], v: (x: number) => number): bigint[] => [...e.map((x) => BigInt(v(x))), ...new Array<bigint>(S - e.length).fill(0n)];
    const ids = BigInt64Array.from(encs.flatMap((e) => pad(e, (x) => x)));
    const mask = BigInt64Array.from(encs.flatMap((e) => pad(e, () => 1)));
    const session = await ort.InferenceSession.create(files.modelBytes);
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, [2, S]),
      attention_mask: new ort.Tensor('int64', mask, [2, S]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(2 * S), [2, S]),
    });
    const ours = meanPoolNormalize(out.last_hidden_state.data as Float32Array, mask, 2, S, 384);
    const theirs = hf.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    await session.release();
  });
});
