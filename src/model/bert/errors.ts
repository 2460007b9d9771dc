// Error classes for BERT-family tokenizers and model files. Each has a stable `name`.
import { EmbedbookError } from '../../core/errors';

/** tokenizer.json (or its config) is of a kind this loader does not support, or is malformed. */
export class TokenizerFormatError extends EmbedbookError {
  override readonly name = 'TokenizerFormatError';
}
