import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { loadBertBaseUncasedVocab, bertTokenizerVocabPath } from './bert-base-uncased-vocab';
import { bertTokenizerConfig, bertTokenizerJson } from './tokenizer-json';
import { createWordPieceTokenizer, WordPieceTokenizer } from './wordpiece-tokenizer';
import { TokenizerFormatError } from './errors';
import { plainFixtureSentences, tokenizerFixtureSentences } from './testing/sentences';

const vocab = loadBertBaseUncasedVocab();
const tokenizerJson = bertTokenizerJson(vocab);
const tokenizerConfig = bertTokenizerConfig(512);
const sentences = tokenizerFixtureSentences();
const ours = createWordPieceTokenizer(tokenizerJson, { tokenizerConfig });
const unlimited = createWordPieceTokenizer(tokenizerJson, { maxLength: 100_000 });

// bert-tokenizer is CommonJS without types.
interface BertTokenizerCtor {
  new (vocabPath: string, lowercase: boolean): { tokenize(text: string): number[]; tokenizer: { tokenize(text: string): number[] } };
}
const { BertTokenizer } = createRequire(import.meta.url)('bert-tokenizer') as { BertTokenizer: BertTokenizerCtor };

describe('WordPiece tokenizer on the real bert-base-uncased vocab', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'embedbook-bert-tok-'));
    mkdirSync(join(dir, 'bert-uncased'));
    writeFileSync(join(dir, 'bert-uncased', 'tokenizer.json'), JSON.stringify(tokenizerJson));
    writeFileSync(join(dir, 'bert-uncased', 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds the 30,522-entry vocab with the known ids', () => {
    expect(vocab.length).toBe(30522);
    expect(ours.vocabSize).toBe(30522);
    expect([vocab[0], vocab[100], vocab[101], vocab[102], vocab[103]]).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(vocab[1996]).toBe('the');
    expect(vocab[2015]).toBe('##s');
    expect(ours.maxLength).toBe(512);
    expect(ours.padId).toBe(0);
  });

  it('uses a fixture of at least 200 varied sentences, some past 512 tokens', () => {
    expect(sentences.length).toBeGreaterThanOrEqual(200);
    expect(sentences).toContain('');
    expect(sentences.filter((s) => ours.encode(s).truncated).length).toBeGreaterThanOrEqual(3);
  });

  it('gives the documented ids for a known sentence', () => {
    // From bert-tokenizer's README (bert-base-uncased): "i like strawberries".
    expect(Array.from(ours.encode('i like strawberries').ids)).toEqual([101, 1045, 2066, 13137, 20968, 102]);
    expect(Array.from(ours.encode('').ids)).toEqual([101, 102]);
  });

  it('matches @huggingface/transformers AutoTokenizer (local folder) id for id', async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = dir;
    const hf = await AutoTokenizer.from_pretrained('bert-uncased');
    const mismatches: string[] = [];
    for (const s of sentences) {
      const expected = hf(s, { truncation: true, max_length: 512, return_tensor: false }).input_ids as number[];
      const got = ours.encode(s);
      expect(got.truncated).toBe(hf.encode(s).length > 512);
      // transformers.js truncates by slicing after adding specials, so a cut text loses its final
      // [SEP]; Rust `tokenizers` (and we) cut the text and keep [SEP]. Compare up to that id.
      if (got.truncated) {
        expect(expected.length).toBe(512);
        expect(got.ids[511]).toBe(102);
        expected[511] = 102;
      }
      if (JSON.stringify(Array.from(got.ids)) !== JSON.stringify(expected)) mismatches.push(JSON.stringify(s).slice(0, 60));
    }
    expect(mismatches).toEqual([]);
  });

  it('matches @huggingface/tokenizers (untruncated) id for id', () => {
    const ref = new HfTokenizer(tokenizerJson, tokenizerConfig);
    let long = 0;
    for (const s of sentences) {
      const full = ref.encode(s).ids;
      expect(Array.from(unlimited.encode(s).ids)).toEqual(full);
      if (full.length > 512) long++;
    }
    expect(long).toBeGreaterThan(0);
  });

  it('matches @huggingface/tokenizers on random Unicode strings (property)', () => {
    const ref = new HfTokenizer(tokenizerJson, tokenizerConfig);
    // Skip the two documented divergences (unassigned code points, astral CJK ideographs).
    const diverges = /[\p{Cn}\u{20000}-\u{3FFFF}]/u;
    const tricky = fc.constantFrom(...['a', 'é', 'e\u0301', 'ß', 'İ', 'Σ', 'ς', '.', ',', '-', '#', '[', ']', '[SEP]', '[CLS]', ' ', '中', '😀', '\u200d', '\t', '\n', '\u00a0', '\u0000', '##', 'ing', 'un']);
    for (const arb of [fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.array(tricky, { maxLength: 30 }).map((a) => a.join(''))]) {
      fc.assert(
        fc.property(arb, (s) => {
          fc.pre(!diverges.test(s));
          expect(Array.from(unlimited.encode(s).ids)).toEqual(ref.encode(s).ids);
        }),
        { numRuns: 500, seed: 42 },
      );
    }
  });

  it("matches bert-tokenizer's WordPiece step on our pre-tokenised words", () => {
    // bert-tokenizer's WordPiece step (its `tokenizer` field) is the plain greedy longest-match over
    // space-separated words, plus NFKC and without the 100-char limit. Feed it the words our
    // BertNormalizer + BertPreTokenizer produce. Skipped (counted): words NFKC would change
    // (ligatures, fullwidth, superscripts), words over 100 chars, literal "[SEP]"-style added tokens.
    const ref = new BertTokenizer(bertTokenizerVocabPath(), true);
    let compared = 0;
    for (const s of sentences) {
      if (/\[(CLS|SEP|MASK|UNK|PAD)\]/.test(s)) continue;
      const words = ours.preTokenize(s);
      if (words.length === 0 || words.some((w) => w.normalize('NFKC') !== w || [...w].length > 100)) continue;
      const enc = unlimited.encode(s);
      expect(ref.tokenizer.tokenize(words.join(' '))).toEqual(Array.from(enc.ids.slice(1, -1)));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(150);
  });

  it("matches bert-tokenizer's full tokenize() on plain sentences", () => {
    // Its own normaliser is faithful only on "plain" text: it turns a leading punctuation mark,
    // leading/trailing whitespace and whitespace runs into empty words → spurious [UNK]; it does
    // not isolate CJK ideographs; it strips only the first occurrence of each accent mark and then
    // re-composes with NFKC (so "résumé" → [UNK]); it has no 100-character word limit; and it does
    // not split the ASCII symbols $ + < = > ^ ` | ~ (BERT treats every ASCII non-alphanumeric as
    // punctuation). Sentences free of those (checked below) must give identical ids.
    const ref = new BertTokenizer(bertTokenizerVocabPath(), true);
    const plain = (s: string): boolean =>
      s.length > 0 &&
      s.normalize('NFKC') === s &&
      !/^[\s\p{P}\p{S}]|\s$|\s\s|[^\S ]|[\u3000-\u9fff\uac00-\ud7af\u{20000}-\u{2ffff}]|\p{M}|\p{C}|\[(CLS|SEP|MASK|UNK|PAD)\]|[$+<=>^`|~]/u.test(s) &&
      s.normalize('NFD') === s &&
      !/[^\s\p{P}]{101}/u.test(s); // no 100-char word limit in bert-tokenizer
    let compared = 0;
    for (const s of [...sentences.filter(plain), ...plainFixtureSentences()]) {
      expect(plain(s), s).toBe(true);
      const enc = ours.encode(s);
      if (enc.truncated) continue;
      expect(ref.tokenize(s), s).toEqual(Array.from(enc.ids.slice(1, -1)));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(120);
  });
});

describe('WordPiece tokenizer behaviour', () => {
  it('cuts a 100k-character text early and flags it', () => {
    const text = 'lorem ipsum dolor sit amet, '.repeat(4000); // 112k chars
    const enc = ours.encode(text);
    expect(enc.truncated).toBe(true);
    expect(enc.ids.length).toBe(512);
    expect(enc.ids[0]).toBe(101);
    expect(enc.ids[511]).toBe(102);
    // The same prefix tokenised in full gives the same first 511 ids.
    const prefix = createWordPieceTokenizer(tokenizerJson, { maxLength: 100_000 }).encode(text.slice(0, 5000));
    expect(Array.from(enc.ids.slice(0, 511))).toEqual(Array.from(prefix.ids.slice(0, 511)));
  });

  it('handles a 100k-character text without whitespace', () => {
    const enc = ours.encode('a.'.repeat(50_000));
    expect(enc.truncated).toBe(true);
    expect(enc.ids.length).toBe(512);
    expect(ours.encode('z'.repeat(100_000)).ids.length).toBe(3); // one over-long word → [UNK]
  });

  it('truncates to tokenizer_config model_max_length, capped by max_position_embeddings', () => {
    const t128 = createWordPieceTokenizer(tokenizerJson, { tokenizerConfig: bertTokenizerConfig(128) });
    expect(t128.maxLength).toBe(128);
    expect(t128.encode('word '.repeat(300)).ids.length).toBe(128);
    const capped = createWordPieceTokenizer(tokenizerJson, {
      tokenizerConfig: bertTokenizerConfig(1e30),
      config: { max_position_embeddings: 256 },
    });
    expect(capped.maxLength).toBe(256);
    expect(createWordPieceTokenizer(tokenizerJson).maxLength).toBe(512);
    const short = t128.encode('short text');
    expect(short.truncated).toBe(false);
  });

  it('isolates CJK Extension B ideographs like the Rust tokenizers library', () => {
    // transformers.js / @huggingface/tokenizers only isolate BMP ideographs; Rust isolates all.
    expect(ours.preTokenize('a\u{20000}b')).toEqual(['a', '\u{20000}', 'b']);
  });

  it('rejects a BPE tokenizer.json, naming the type found and what is supported', () => {
    const bpe = { model: { type: 'BPE', vocab: {}, merges: [] } };
    expect(() => createWordPieceTokenizer(bpe)).toThrow(TokenizerFormatError);
    expect(() => createWordPieceTokenizer(bpe)).toThrow(/"BPE".*supports only "WordPiece"/);
    expect(() => createWordPieceTokenizer({ model: { type: 'Unigram', vocab: [] } })).toThrow(/"Unigram"/);
  });

  it('rejects malformed input with specific errors', () => {
    expect(() => createWordPieceTokenizer('{not json')).toThrow(/not valid JSON/);
    expect(() => createWordPieceTokenizer({})).toThrow(/no "model" section/);
    expect(() =>
      createWordPieceTokenizer({ ...tokenizerJson, normalizer: { type: 'Precompiled' } }),
    ).toThrow(/normalizer type "Precompiled" is not supported/);
    expect(() =>
      createWordPieceTokenizer({ ...tokenizerJson, pre_tokenizer: { type: 'Metaspace' } }),
    ).toThrow(/pre_tokenizer type "Metaspace"/);
    expect(() => createWordPieceTokenizer(tokenizerJson, { maxLength: 2 })).toThrow(/no room for text/);
  });

  it('supports the older BertProcessing post-processor', () => {
    const t = new WordPieceTokenizer({ ...tokenizerJson, post_processor: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] } });
    expect(Array.from(t.encode('hello').ids)).toEqual(Array.from(ours.encode('hello').ids));
  });
});
