// Browser-safe entry for BERT-family models (Node-only helpers: generate.ts, bert-base-uncased-vocab.ts).
import type { ModelFiles } from '../sources/model-files';
import { createWordPieceTokenizer, type WordPieceOptions, type WordPieceTokenizer } from './wordpiece-tokenizer';

export { WordPieceTokenizer, type WordPieceOptions } from './wordpiece-tokenizer';

/** The tokenizer for a loaded model file set (max length from tokenizer_config / config). */
export function wordPieceFromModelFiles(files: ModelFiles, opts: Pick<WordPieceOptions, 'maxLength'> = {}): WordPieceTokenizer {
  return createWordPieceTokenizer(files.tokenizerJson, { tokenizerConfig: files.tokenizerConfig, config: files.config, ...opts });
}
