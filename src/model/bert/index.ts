// Browser-safe entry for BERT-family models (Node-only helpers: generate.ts, bert-base-uncased-vocab.ts).
import type { ModelFiles } from '../sources/model-files';
import { createWordPieceTokenizer, type WordPieceOptions, type WordPieceTokenizer } from './wordpiece-tokenizer';

export { TokenizerFormatError } from './errors';
export { WordPieceTokenizer, createWordPieceTokenizer, type WordPieceOptions } from './wordpiece-tokenizer';
export { bertTokenizerJson, bertTokenizerConfig, BERT_SPECIAL_TOKENS_MAP } from './tokenizer-json';
export { SYNTHETIC_BERT_SHAPES, buildSyntheticBertOnnx, bertConfigJson, type BertShape, type SyntheticBertKind } from './synthetic-bert';

/** The tokenizer for a loaded model file set (max length from tokenizer_config / config). */
export function wordPieceFromModelFiles(files: ModelFiles, opts: Pick<WordPieceOptions, 'maxLength'> = {}): WordPieceTokenizer {
  return createWordPieceTokenizer(files.tokenizerJson, { tokenizerConfig: files.tokenizerConfig, config: files.config, ...opts });
}
