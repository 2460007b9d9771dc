import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelSourceDir } from './build-default-model';
import { loadDefaultTokenizer } from './default-model';
import { FIDELITY_SENTENCES } from './fidelity-sentences';
import { SentencePieceTokenizer, USE_MAX_LENGTH, VocabularyError, type VocabEntry } from './sentencepiece';

const vocab = JSON.parse(readFileSync(path.join(defaultModelSourceDir(), 'vocab.json'), 'utf8')) as VocabEntry[];
const tok = loadDefaultTokenizer(vocab);
const idOf = (piece: string): number => {
  // The trie keeps the last of duplicate pieces, like the original.
  for (let i = vocab.length - 1; i >= 6; i--) if (vocab[i][0] === piece) return i;
  throw new Error(`no piece ${piece}`);
};

/** A small hand-made vocabulary: reserved ids 0–5, then pieces with scores. */
function tinyVocab(pieces: [string, number | null][]): VocabEntry[] {
  return [['<unk>', 0], ['<s>', 0], ['</s>', 0], ['r1', 0], ['r2', 0], ['r3', 0], ...pieces];
}

describe('SentencePieceTokenizer (USE lite vocabulary)', () => {
  it('implements the Tokenizer contract', () => {
    expect(tok.kind).toBe('sentencepiece');
    expect(tok.maxLength).toBe(USE_MAX_LENGTH);
    expect(tok.padId).toBe(0);
  });

  it('prefixes ▁ and maps spaces to ▁', () => {
    const ids = Array.from(tok.encode('the cat').ids);
    expect(ids).toEqual([idOf('▁the'), idOf('▁cat')]);
  });

  it('encodes the empty string to no ids', () => {
    expect(tok.encode('')).toEqual({ ids: new Int32Array(0), truncated: false });
  });

  it('NFKC-normalises before matching (fullwidth letters = ASCII)', () => {
    expect(Array.from(tok.encode('Ｈｅｌｌｏ').ids)).toEqual(Array.from(tok.encode('Hello').ids));
  });

  it('collapses a run of unknown code points into one id 0', () => {
    const ids = Array.from(tok.encode('\u4e00\u4e01\u4e02').ids);
    expect(ids.filter((x) => x === 0)).toHaveLength(1);
    expect(ids[ids.length - 1]).toBe(0);
  });

  it('truncates to maxLength ids and flags it', () => {
    const e = tok.encode('word '.repeat(200));
    expect(e.ids).toHaveLength(USE_MAX_LENGTH);
    expect(e.truncated).toBe(true);
    expect(tok.encode('word '.repeat(10)).truncated).toBe(false);
  });

  it('cuts a 100k-character text to 128 ids with truncated = true', () => {
    const text = 'The history of the city spans two millennia. '.repeat(2300);
    expect(text.length).toBeGreaterThan(100_000);
    const e = tok.encode(text);
    expect(e.ids).toHaveLength(USE_MAX_LENGTH);
    expect(e.truncated).toBe(true);
    // The first ids equal the ids of a short prefix: truncation cuts the end, never shifts.
    expect(Array.from(e.ids.slice(0, 20))).toEqual(Array.from(tok.encode(text.slice(0, 200)).ids.slice(0, 20)));
  });

  it('reads further into a long text when its start yields few ids (unknown-character runs)', () => {
    // Each 3,000-character run of unknown CJK collapses into one id: 8k code points give ~6 ids.
    const text = ('\u4e00\u4e01'.repeat(1500) + ' word ').repeat(60);
    expect(text.length).toBeGreaterThan(100_000);
    const full = tok.encodeAll(text);
    expect(full.inputTruncated).toBe(false);
    expect(full.ids.length).toBeGreaterThan(USE_MAX_LENGTH);
    const e = tok.encode(text);
    expect(Array.from(e.ids)).toEqual(full.ids.slice(0, USE_MAX_LENGTH));
    expect(e.truncated).toBe(true);
  });

  it('rejects a non-string with a clear TypeError', () => {
    expect(() => tok.encode(null as unknown as string)).toThrow(/expects a string, got null/);
    expect(() => tok.encode(42 as unknown as string)).toThrow(/got number/);
  });

  it('honours a custom maxLength', () => {
    const short = loadDefaultTokenizer(vocab, { maxLength: 4 });
    expect(short.encode('one two three four five').ids).toHaveLength(4);
    expect(() => loadDefaultTokenizer(vocab, { maxLength: 0 })).toThrow(RangeError);
  });

  it('rejects a vocabulary that is not [piece, score] pairs', () => {
    expect(() => new SentencePieceTokenizer({ a: 1 })).toThrow(VocabularyError);
    expect(() => new SentencePieceTokenizer(tinyVocab([['a', -1], [3 as unknown as string, -1]]))).toThrow(/entry 7/);
  });
});

describe('Viterbi over scores', () => {
  it('picks the segmentation with the highest total score', () => {
    const v = tinyVocab([['▁', -1], ['a', -1], ['b', -1], ['ab', -1.5], ['▁a', -3]]);
    const t = new SentencePieceTokenizer(v);
    // ▁|ab = -2.5 beats ▁a|b = -4 and ▁|a|b = -3.
    expect(Array.from(t.encode('ab').ids)).toEqual([6, 9]);
  });

  it('lets the later candidate win a tie, as the original does', () => {
    const v = tinyVocab([['▁', -1], ['a', -5], ['b', -1], ['ab', -2], ['▁a', -2]]);
    // ▁|ab (last piece starts at 1) and ▁a|b (starts at 2) both total -3; the later start wins.
    expect(Array.from(new SentencePieceTokenizer(v).encode('ab').ids)).toEqual([10, 8]);
  });

  it('treats a null score as 0, as the original does', () => {
    const v = tinyVocab([['▁', -1], [':', null], ['x', -1]]);
    expect(Array.from(new SentencePieceTokenizer(v).encode('x:').ids)).toEqual([6, 8, 7]);
  });

  it('uses the last of duplicate pieces', () => {
    const v = tinyVocab([['▁', -1], ['q', -1], ['q', -2]]);
    expect(Array.from(new SentencePieceTokenizer(v).encode('q').ids)).toEqual([6, 8]);
  });
});

describe('parity with @energetic-ai/embeddings tokenizer', () => {
  it(`gives identical ids for all ${FIDELITY_SENTENCES.length} fixture sentences`, async () => {
    const { EmbeddingsModel } = await import('@energetic-ai/embeddings');
    // The original tokenizer needs no model; only the vocabulary.
    const original = new EmbeddingsModel({ vocabulary: vocab as [string, number][], model: undefined as never }).tokenizer;
    expect(FIDELITY_SENTENCES.length).toBeGreaterThanOrEqual(200);
    let longer = 0;
    for (const s of FIDELITY_SENTENCES) {
      const want = original.encode(s);
      const got = tok.encodeAll(s).ids;
      expect(got, JSON.stringify(s)).toEqual(want);
      const enc = tok.encode(s);
      expect(Array.from(enc.ids)).toEqual(want.slice(0, USE_MAX_LENGTH));
      expect(enc.truncated).toBe(want.length > USE_MAX_LENGTH);
      if (want.length > USE_MAX_LENGTH) longer++;
    }
    expect(longer).toBeGreaterThan(0); // the set does exercise truncation
  });
});
