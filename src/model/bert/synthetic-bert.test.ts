import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { env, pipeline } from '@huggingface/transformers';
import { decodeModel, floatData } from '../onnx/builder';
import { meanPoolNormalize } from '../pooling';
import { generateSyntheticBert, ensureSyntheticBert } from './generate';
import { SYNTHETIC_BERT_SHAPES, buildSyntheticBertOnnx, type BertShape } from './synthetic-bert';
import { createWordPieceTokenizer } from './wordpiece-tokenizer';

const TINY = SYNTHETIC_BERT_SHAPES.tiny;
// Pinned: the generator must give these exact bytes on every run and machine.
const TINY_SHA256 = 'f87054037cc29d1b5a699dd4122b05d8f148ff3c2eb09b09f054c7b464579e61';

/** Plain-JS BERT forward pass over the model's own initializers: the reference for the graph. */
function referenceForward(model: Uint8Array, s: BertShape, ids: number[][], mask: number[][]): Float32Array[] {
  const w = new Map<string, Float32Array>();
  for (const t of decodeModel(model).graph?.initializer ?? []) if (t.dataType === 1) w.set(t.name!, floatData(t));
  const W = (n: string): Float32Array => w.get(n)!;
  const H = s.hidden;
  const hd = H / s.heads;
  const ln = (x: number[], p: string): number[] => {
    const mean = x.reduce((a, b) => a + b, 0) / H;
    const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / H;
    return x.map((t, i) => ((t - mean) / Math.sqrt(v + s.layerNormEps)) * W(`${p}.weight`)[i] + W(`${p}.bias`)[i]);
  };
  const lin = (x: number[], p: string, out: number): number[] => {
    const m = W(`${p}.weight`);
    const b = W(`${p}.bias`);
    const r = Array.from(b.slice(0, out));
    for (let i = 0; i < x.length; i++) for (let j = 0; j < out; j++) r[j] += x[i] * m[i * out + j];
    return r;
  };
  return ids.map((row, bi) => {
    const S = row.length;
    let x = row.map((id, p) => {
      const e: number[] = [];
      for (let d = 0; d < H; d++) {
        e.push(W('embeddings.word_embeddings.weight')[id * H + d] + W('embeddings.position_embeddings.weight')[p * H + d] + W('embeddings.token_type_embeddings.weight')[d]);
      }
      return ln(e, 'embeddings.LayerNorm');
    });
    for (let l = 0; l < s.layers; l++) {
      const p = `encoder.layer.${l}`;
      const q = x.map((t) => lin(t, `${p}.attention.self.query`, H));
      const k = x.map((t) => lin(t, `${p}.attention.self.key`, H));
      const v = x.map((t) => lin(t, `${p}.attention.self.value`, H));
      const ctx = x.map(() => new Array<number>(H).fill(0));
      for (let h = 0; h < s.heads; h++) {
        for (let i = 0; i < S; i++) {
          const scores = k.map((kj, j) => {
            if (!mask[bi][j]) return -Infinity;
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += q[i][h * hd + d] * kj[h * hd + d];
            return dot / Math.sqrt(hd);
          });
          const mx = Math.max(...scores);
          const ex = scores.map((t) => Math.exp(t - mx));
          const z = ex.reduce((a, b) => a + b, 0);
          for (let j = 0; j < S; j++) for (let d = 0; d < hd; d++) ctx[i][h * hd + d] += (ex[j] / z) * v[j][h * hd + d];
        }
      }
      const a = ctx.map((c, i) => ln(lin(c, `${p}.attention.output.dense`, H).map((t, d) => t + x[i][d]), `${p}.attention.output.LayerNorm`));
      x = a.map((t) => {
        const f = lin(t, `${p}.intermediate.dense`, s.intermediate).map((u) => 0.5 * u * (1 + erf(u / Math.SQRT2)));
        return ln(lin(f, `${p}.output.dense`, H).map((u, d) => u + t[d]), `${p}.output.LayerNorm`);
      });
    }
    return Float32Array.from(x.flat());
  });
}

/** Abramowitz–Stegun 7.1.26 is too coarse; use a series/continued fraction accurate to ~1e-12. */
function erf(x: number): number {
  const t = Math.abs(x);
  if (t < 3) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 60; n++) {
      term *= (-t * t) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - Math.exp(-t * t) / (t * Math.sqrt(Math.PI)) * (1 - 1 / (2 * t * t)));
}

function feeds(ids: number[][], mask: number[][]): Record<string, ort.Tensor> {
  const S = ids[0].length;
  const flat = (a: number[][]): BigInt64Array => BigInt64Array.from(a.flat().map(BigInt));
  return {
    input_ids: new ort.Tensor('int64', flat(ids), [ids.length, S]),
    attention_mask: new ort.Tensor('int64', flat(mask), [ids.length, S]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length * S), [ids.length, S]),
  };
}

describe('synthetic BERT generator', () => {
  let dir: string;
  let model: Uint8Array;
  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'embedbook-synth-')), 'tiny-bert');
    generateSyntheticBert('tiny', dir);
    model = new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx')));
  });
  afterAll(() => rmSync(dirname(dir), { recursive: true, force: true }));

  it('writes the same bytes every run (pinned sha256)', () => {
    expect(createHash('sha256').update(model).digest('hex')).toBe(TINY_SHA256);
    expect(createHash('sha256').update(buildSyntheticBertOnnx(TINY)).digest('hex')).toBe(TINY_SHA256);
    const again = ensureSyntheticBert('tiny', dir);
    expect(again.generated).toBe(false);
    expect(again.modelSha256).toBe(TINY_SHA256);
  });

  it('has the HF BertModel ONNX signature', async () => {
    const session = await ort.InferenceSession.create(model);
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(session.outputNames).toEqual(['last_hidden_state']);
    await session.release();
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ model_type: 'bert', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, vocab_size: 30522 });
  });

  it('computes a standard BERT forward pass (vs a plain-JS reference), ignoring padding', async () => {
    const ids = [
      [101, 7592, 2088, 999, 102, 0],
      [101, 2023, 2003, 1037, 2936, 102],
    ];
    const mask = [
      [1, 1, 1, 1, 1, 0],
      [1, 1, 1, 1, 1, 1],
    ];
    const session = await ort.InferenceSession.create(model);
    const out = (await session.run(feeds(ids, mask))).last_hidden_state;
    expect(out.dims).toEqual([2, 6, 32]);
    const got = out.data as Float32Array;
    const ref = referenceForward(model, TINY, ids, mask);
    let maxDiff = 0;
    for (let b = 0; b < 2; b++) {
      const tokens = b === 0 ? 5 : 6; // padded positions' outputs are unused
      for (let i = 0; i < tokens * 32; i++) maxDiff = Math.max(maxDiff, Math.abs(got[b * 6 * 32 + i] - ref[b][i]));
    }
    expect(maxDiff).toBeLessThan(1e-4);
    // The padded row alone, unpadded, gives the same token states.
    const alone = (await session.run(feeds([ids[0].slice(0, 5)], [mask[0].slice(0, 5)]))).last_hidden_state.data as Float32Array;
    for (let i = 0; i < 5 * 32; i++) expect(Math.abs(alone[i] - got[i])).toBeLessThan(1e-5);
    await session.release();
  });

  it('loads in @huggingface/transformers feature-extraction from the local folder and matches our pooling', async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = dirname(dir);
    const extractor = await pipeline('feature-extraction', basename(dir), { dtype: 'fp32' });
    const texts = ['Hello world!', 'A somewhat longer sentence, with punctuation and café.', ''];
    const hf = await extractor(texts, { pooling: 'mean', normalize: true });
    expect(hf.dims).toEqual([3, 32]);

    const tok = createWordPieceTokenizer(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    const encs = texts.map((t) => Array.from(tok.encode(t).ids));
    const S = Math.max(...encs.map((e) => e.length));
    const ids = encs.map((e) => [...e, ...new Array<number>(S - e.length).fill(tok.padId)]);
    const mask = encs.map((e) => [...e.map(() => 1), ...new Array<number>(S - e.length).fill(0)]);
    const session = await ort.InferenceSession.create(model);
    const hidden = (await session.run(feeds(ids, mask))).last_hidden_state.data as Float32Array;
    const ours = meanPoolNormalize(hidden, mask.flat(), 3, S, 32);
    const theirs = hf.data as Float32Array;
    for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i] - theirs[i])).toBeLessThan(1e-5);
    await session.release();
    await extractor.dispose();
  });
});
