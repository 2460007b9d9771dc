// sentence-transformers semantics: pooling modes from 1_Pooling/config.json, Normalize from
// modules.json, max_seq_length, prompts — each served from a local hub mirror and compared with
// transformers.js (feature-extraction on the same files, offline) to ≤ 1e-5.
import { join } from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalRuntime } from '../client/local-runtime-node';
import { ensureSyntheticBert } from './bert/generate';
import { poolTokens } from './pooling';
import { loadNodeModel } from './registry-node';
import { POOLING_CONFIG_KEYS, POOLING_MODES, readSentenceTransformerConfig, type PoolingMode } from './sentence-transformers';
import { startHubServer, type HubServer } from './testing/hub-server';


const modules = (normalize: boolean) =>
  JSON.stringify([
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ...(normalize ? [{ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' }] : []),
  ]);
const poolingConfig = (modes: PoolingMode[]) =>
  JSON.stringify({ word_embedding_dimension: 32, ...Object.fromEntries(POOLING_MODES.map((m) => [POOLING_CONFIG_KEYS[m], modes.includes(m)])), include_prompt: true });

// Models loaded by id are cached: keep this file's cache out of ~/.cache.
process.env.EMBEDBOOK_CACHE = mkdtempSync(join(tmpdir(), 'eb-cache-'));

const TEXTS = [
  'hello world',
  'A longer sentence, with punctuation; and several words of different lengths!',
  'x',
  'Embeddings for every row of a dataset, in the browser or on a server.',
  'résumé naïve café — accents and dashes',
];

/** Reference pooling for one unpadded row of token states (what sentence-transformers computes). */
function refPool(h: Float32Array, seq: number, dim: number, mode: PoolingMode): number[] {
  const tok = (s: number) => Array.from(h.subarray(s * dim, (s + 1) * dim));
  const sum = (w: (s: number) => number) => {
    const acc = new Array<number>(dim).fill(0);
    for (let s = 0; s < seq; s++) tok(s).forEach((v, d) => (acc[d] += v * w(s)));
    return acc;
  };
  switch (mode) {
    case 'cls':
      return tok(0);
    case 'lasttoken':
      return tok(seq - 1);
    case 'max':
      return Array.from({ length: dim }, (_, d) => Math.max(...Array.from({ length: seq }, (_, s) => h[s * dim + d])));
    case 'mean':
      return sum(() => 1).map((v) => v / seq);
    case 'mean_sqrt_len':
      return sum(() => 1).map((v) => v / Math.sqrt(seq));
    case 'weightedmean': {
      const total = (seq * (seq + 1)) / 2;
      return sum((s) => s + 1).map((v) => v / total);
    }
  }
}

const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => x / Math.max(n, 1e-12));
};

describe('sentence-transformers files', () => {
  test('modes, Normalize, max_seq_length and prompts are read; what we cannot run is refused by file', () => {
    const c = readSentenceTransformerConfig({
      modules: JSON.parse(modules(false)),
      pooling: JSON.parse(poolingConfig(['cls', 'mean'])),
      sentenceBert: { max_seq_length: 256, do_lower_case: false },
      stConfig: { prompts: { query: 'query: ', passage: 'passage: ' }, default_prompt_name: null },
    });
    expect(c).toEqual({ pooling: { modes: ['cls', 'mean'], normalize: false }, maxSeqLength: 256, prompts: { query: 'query: ', passage: 'passage: ' } });
    expect(readSentenceTransformerConfig({})).toEqual({ pooling: { modes: ['mean'], normalize: true }, prompts: {} });
    expect(() => readSentenceTransformerConfig({ modules: [{ type: 'sentence_transformers.models.Dense', path: '2_Dense' }] })).toThrow(/modules\.json: modules sentence_transformers\.models\.Dense are not supported/);
    expect(() => readSentenceTransformerConfig({ pooling: { pooling_mode_mean_tokens: false } })).toThrow(/no pooling mode is switched on/);
    expect(() => readSentenceTransformerConfig({ pooling: { pooling_mode_mean_tokens: true, include_prompt: false } })).toThrow(/include_prompt: false/);
    expect(() => readSentenceTransformerConfig({ sentenceBert: { max_seq_length: -1 } })).toThrow(/max_seq_length must be an integer/);
    expect(() => readSentenceTransformerConfig({ stConfig: { prompts: { q: 'q: ' }, default_prompt_name: 'x' } })).toThrow(/default_prompt_name "x" is not among its prompts/);
  });

  test('poolTokens: padding never changes a row; all-padding rows pool to zeros; modes concatenate', () => {
    // Two rows of 3 tokens, dim 2; row 1 has one padding position holding garbage.
    const h = new Float32Array([1, 2, 3, 4, 5, 6, /* row 1 */ 7, -8, 9, 10, 1e6, -1e6]);
    const mask = [1, 1, 1, 1, 1, 0];
    const out = poolTokens(h, mask, 2, 3, 2, ['cls', 'max', 'mean', 'mean_sqrt_len', 'weightedmean', 'lasttoken']);
    const row1 = Array.from(out.subarray(12, 24));
    expect(row1).toEqual([7, -8, 9, 10, 8, 1, 16 / Math.sqrt(2), 2 / Math.sqrt(2), (7 + 18) / 3, (-8 + 20) / 3, 9, 10].map((x) => Math.fround(x)));
    const empty = poolTokens(h, [0, 0, 0, 1, 1, 1], 2, 3, 2, ['max', 'lasttoken', 'weightedmean']);
    expect(Array.from(empty.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('pooling modes vs transformers.js on the same files (local hub mirror)', () => {
  let hub: HubServer;
  let extractor: FeatureExtractionPipeline;
  const tiny = ensureSyntheticBert('tiny');
  const repos: Record<string, { files: Record<string, string> }> = {};
  for (const mode of POOLING_MODES) repos[`st/${mode}`] = { files: { 'modules.json': modules(true), '1_Pooling/config.json': poolingConfig([mode]) } };
  repos['st/mean-raw'] = { files: { 'modules.json': modules(false), '1_Pooling/config.json': poolingConfig(['mean']) } };
  repos['st/cls-max'] = { files: { 'modules.json': modules(true), '1_Pooling/config.json': poolingConfig(['cls', 'max']) } };
  repos['st/e5-like'] = {
    files: {
      'modules.json': modules(true),
      '1_Pooling/config.json': poolingConfig(['mean']),
      'sentence_bert_config.json': JSON.stringify({ max_seq_length: 12, do_lower_case: false }),
      'config_sentence_transformers.json': JSON.stringify({ prompts: { query: 'query: ', passage: 'passage: ' }, default_prompt_name: null }),
    },
  };

  beforeAll(async () => {
    hub = await startHubServer(Object.fromEntries(Object.entries(repos).map(([k, v]) => [k, { ...v, dir: tiny.dir }])));
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = join(tiny.dir, '..');
    extractor = await pipeline('feature-extraction', 'synthetic-bert-tiny', { dtype: 'fp32' });
  });
  afterAll(async () => {
    await extractor?.dispose();
    await hub?.close();
  });

  /** transformers.js token states of one text (batch 1, no padding) pooled by the reference. */
  async function reference(text: string, modes: PoolingMode[], normalize: boolean): Promise<number[]> {
    const t = await extractor(text, { pooling: 'none' });
    const [, seq, dim] = t.dims as number[];
    const v = modes.flatMap((m) => refPool(t.data as Float32Array, seq, dim, m));
    return normalize ? unit(v) : v;
  }

  const cases: Array<[string, PoolingMode[], boolean]> = [
    ...POOLING_MODES.map((m) => [`st/${m}`, [m], true] as [string, PoolingMode[], boolean]),
    ['st/mean-raw', ['mean'], false],
    ['st/cls-max', ['cls', 'max'], true],
  ];
  test.each(cases)('%s: our batched embeddings equal transformers.js + sentence-transformers pooling to ≤ 1e-5', async (id, modes, normalize) => {
    const rt = new LocalRuntime({ model: { id, endpoint: hub.endpoint }, device: 'cpu' });
    try {
      const ours = await rt.embedTexts(TEXTS);
      expect((await rt.info()).dimension).toBe(32 * modes.length);
      let worst = 0;
      for (let i = 0; i < TEXTS.length; i++) {
        const ref = await reference(TEXTS[i], modes, normalize);
        const row = ours.values[i]!;
        expect(row.length).toBe(ref.length);
        ref.forEach((x, d) => (worst = Math.max(worst, Math.abs(x - row[d]))));
      }
      expect(worst).toBeLessThanOrEqual(1e-5);
      // transformers.js' own pooled outputs where it has the mode (mean / cls / last token).
      const own = { mean: 'mean', cls: 'cls', lasttoken: 'last_token' } as const;
      if (modes.length === 1 && modes[0] in own) {
        for (let i = 0; i < TEXTS.length; i++) {
          const t = await extractor(TEXTS[i], { pooling: own[modes[0] as keyof typeof own], normalize });
          Array.from(t.data as Float32Array).forEach((x, d) => expect(Math.abs(x - ours.values[i]![d])).toBeLessThanOrEqual(1e-5));
        }
      }
    } finally {
      await rt.dispose();
    }
  });

  test('prompts: --prompt query puts "query: " before each text; max_seq_length cuts and flags the row', async () => {
    const spec = { id: 'st/e5-like', endpoint: hub.endpoint };
    const loaded = await loadNodeModel(spec);
    expect(loaded.tokenizer.maxLength).toBe(12);
    const withPrompt = new LocalRuntime({ model: spec, device: 'cpu', prompt: 'query' });
    const plain = new LocalRuntime({ model: spec, device: 'cpu' });
    try {
      const a = await withPrompt.embedTexts(['hello world', TEXTS[3]]);
      const b = await plain.embedTexts(['query: hello world', `query: ${TEXTS[3]}`]);
      expect(a.values).toEqual(b.values);
      expect(a.truncated).toEqual([false, true]);
      await expect(new LocalRuntime({ model: spec, device: 'cpu', prompt: 'search' }).info()).rejects.toMatchObject({
        name: 'UnknownPromptError',
        message: expect.stringContaining('use one of "query", "passage"'),
      });
    } finally {
      await Promise.all([withPrompt.dispose(), plain.dispose()]);
    }
  });
});
