// Browser-safe entry for the default model: its config and tokenizer. The converter and the
// builder read files and live in build-default-model.ts / convert.ts (Node).
export { DEFAULT_MODEL, loadDefaultTokenizer, type DefaultModelConfig, type DefaultModelInfo } from './default-model';
export {
  SentencePieceTokenizer,
  VocabularyError,
  USE_MAX_LENGTH,
  type SentencePieceOptions,
  type VocabEntry,
} from './sentencepiece';
