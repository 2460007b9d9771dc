// The tokenizer for a tokenizer.json: our fast WordPiece for BERT-style files it fully understands
// (7× faster than transformers.js, cheap on long cells), @huggingface/tokenizers for everything
// else (BPE, byte-level BPE, Unigram, WordPiece with normalisers ours does not implement).
import { TokenizerFormatError } from '../bert/errors';
import { createWordPieceTokenizer } from '../bert/wordpiece-tokenizer';
import type { Tokenizer } from '../types';
import { HfLibraryTokenizer, type HfTokenizerOptions } from './hf-tokenizer';

export function createTokenizer(tokenizerJson: unknown, opts: HfTokenizerOptions = {}): Tokenizer {
  const type = (tokenizerJson as { model?: { type?: unknown } } | null)?.model?.type;
  if (type === 'WordPiece') {
    try {
      return createWordPieceTokenizer(tokenizerJson, opts);
    } catch (err) {
      if (!(err instanceof TokenizerFormatError)) throw err;
      // A WordPiece variant our fast path does not cover: the library handles it.
    }
  }
  return new HfLibraryTokenizer(tokenizerJson, opts);
}
