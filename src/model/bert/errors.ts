// Error classes for BERT-family tokenizers and model files. Each has a stable `name`.

/** tokenizer.json (or its config) is of a kind this loader does not support, or is malformed. */
export class TokenizerFormatError extends Error {
  override readonly name = 'TokenizerFormatError';
}
