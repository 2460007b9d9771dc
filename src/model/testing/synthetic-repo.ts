// Test helper (Node): synthetic models in Hugging Face layout around any tokenizer.json — a small
// random-weight BERT (src/model/bert/synthetic-bert.ts) whose embedding table covers the
// tokenizer's ids — and a real Unigram tokenizer.json made from the default model's SentencePiece
// vocab. Deterministic; written once under the gitignored .cache/models/.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bertConfigJson, buildSyntheticBertOnnx, type BertShape } from '../bert/synthetic-bert';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface SyntheticRepo {
  dir: string;
  vocabSize: number;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Highest token id in a tokenizer.json (vocab and added tokens) + 1. */
function tokenizerVocabSize(tokenizerJson: { model: { vocab: unknown }; added_tokens?: Array<{ id: number }> }): number {
  const vocab = tokenizerJson.model.vocab;
  let size = Array.isArray(vocab) ? vocab.length : 0;
  if (!Array.isArray(vocab)) for (const id of Object.values(vocab as Record<string, number>)) size = Math.max(size, id + 1);
  for (const t of tokenizerJson.added_tokens ?? []) size = Math.max(size, t.id + 1);
  return size;
}

/**
 * Writes onnx/model.onnx (BERT, hidden 16, one layer), config.json, tokenizer.json and
 * tokenizer_config.json into .cache/models/synthetic-<name>, unless an identical one is there.
 */
export function ensureSyntheticRepo(name: string, tokenizerText: string, tokenizerConfig: Record<string, unknown>): SyntheticRepo {
  const dir = join(REPO_ROOT, '.cache', 'models', `synthetic-${name}`);
  const vocabSize = tokenizerVocabSize(JSON.parse(tokenizerText));
  const stamp = createHash('sha256').update(tokenizerText).update(JSON.stringify(tokenizerConfig)).update('v1').digest('hex');
  const stampFile = join(dir, 'stamp.txt');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return { dir, vocabSize };
  const shape: BertShape = { vocabSize, hidden: 16, layers: 1, heads: 2, intermediate: 32, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, seed: 7 };
  writeAtomic(join(dir, 'onnx', 'model.onnx'), buildSyntheticBertOnnx(shape));
  writeAtomic(join(dir, 'config.json'), JSON.stringify(bertConfigJson(shape), null, 2));
  writeAtomic(join(dir, 'tokenizer.json'), tokenizerText);
  writeAtomic(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 512, ...tokenizerConfig }, null, 2));
  writeAtomic(stampFile, stamp);
  return { dir, vocabSize };
}

/**
 * A Unigram tokenizer.json from a SentencePiece vocab ([piece, score] pairs, e.g. the default
 * model's vocab.json), laid out as `tokenizers`' SentencePiece converters write T5-style files:
 * NFKC, Metaspace pre-tokenizer, '</s>' appended.
 */
export function unigramTokenizerJson(vocab: Array<[string, number]>): Record<string, unknown> {
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, vocab[0][0]), special(1, '<s>'), special(2, '</s>')],
    normalizer: { type: 'NFKC' },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 0, vocab, byte_fallback: false },
  };
}
