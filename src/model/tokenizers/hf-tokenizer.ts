// Any Hugging Face tokenizer.json (BPE, byte-level BPE, Unigram, WordPiece…) through
// @huggingface/tokenizers — the library transformers.js itself runs, so ids are transformers.js'
// — behind our Tokenizer contract: truncation to the model's maximum length that keeps the
// special tokens around the cut text (as the Rust library and Python transformers do), flagged.
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { TokenizerFormatError } from '../bert/errors';
import type { Encoding, Tokenizer } from '../types';

export type HfTokenizerKind = 'bpe' | 'unigram' | 'wordpiece' | 'wordlevel';

export interface HfTokenizerOptions {
  tokenizerConfig?: unknown;
  config?: unknown;
  /** Explicit maximum (sentence_bert_config.json's max_seq_length); never past max_position_embeddings. */
  maxLength?: number;
}

const DEFAULT_MAX_LENGTH = 512;
const KINDS: Record<string, HfTokenizerKind> = { BPE: 'bpe', Unigram: 'unigram', WordPiece: 'wordpiece', WordLevel: 'wordlevel' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positiveInt = (v: unknown): number | undefined => (Number.isInteger(v) && (v as number) > 0 && (v as number) < 1e7 ? (v as number) : undefined);
const tokenName = (v: unknown): string | undefined => (typeof v === 'string' ? v : isRecord(v) && typeof v.content === 'string' ? v.content : undefined);

export class HfLibraryTokenizer implements Tokenizer {
  readonly kind: HfTokenizerKind;
  readonly maxLength: number;
  readonly padId: number;
  private readonly tok: HfTokenizer;

  constructor(tokenizerJson: unknown, opts: HfTokenizerOptions = {}) {
    const model = isRecord(tokenizerJson) && isRecord(tokenizerJson.model) ? tokenizerJson.model : undefined;
    const type = typeof model?.type === 'string' ? model.type : undefined;
    const kind = type ? KINDS[type] : undefined;
    if (!kind) {
      throw new TokenizerFormatError(
        `tokenizer.json has model type ${JSON.stringify(type ?? null)}; supported: ${Object.keys(KINDS).join(', ')} (a Hugging Face \`tokenizers\` file).`,
      );
    }
    this.kind = kind;
    const tc = isRecord(opts.tokenizerConfig) ? opts.tokenizerConfig : {};
    const cfg = isRecord(opts.config) ? opts.config : {};
    try {
      this.tok = new HfTokenizer(tokenizerJson as object, tc);
    } catch (err) {
      throw new TokenizerFormatError(`tokenizer.json (${type}) could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
    }
    const maxPos = positiveInt(cfg.max_position_embeddings);
    let maxLength = positiveInt(opts.maxLength) ?? positiveInt(tc.model_max_length) ?? maxPos ?? DEFAULT_MAX_LENGTH;
    if (maxPos !== undefined && maxLength > maxPos) maxLength = maxPos;
    this.maxLength = maxLength;
    const specials = this.tok.encode('').ids.length;
    if (maxLength <= specials) throw new TokenizerFormatError(`maximum length ${maxLength} leaves no room for text next to ${specials} special tokens.`);
    // transformers.js pads with pad_token, else eos_token; the id never matters under the mask.
    const pad = tokenName(tc.pad_token) ?? tokenName(tc.eos_token);
    this.padId = (pad !== undefined ? this.tok.token_to_id(pad) : undefined) ?? (typeof cfg.pad_token_id === 'number' ? cfg.pad_token_id : 0);
  }

  encode(text: string): Encoding {
    const full = this.tok.encode(text).ids;
    if (full.length <= this.maxLength) return { ids: Int32Array.from(full), truncated: false };
    // Cut the text's own ids and keep what the post-processor puts around them (e.g. <s> … </s>).
    const content = this.tok.encode(text, { add_special_tokens: false }).ids;
    const prefix = prefixLength(full, content);
    const suffix = full.length - prefix - content.length;
    const keep = this.maxLength - prefix - suffix;
    const ids = [...full.slice(0, prefix), ...content.slice(0, keep), ...full.slice(full.length - suffix)];
    return { ids: Int32Array.from(ids), truncated: true };
  }
}

/** How many ids the post-processor put before `content` in `full` (0 when they do not line up). */
function prefixLength(full: number[], content: number[]): number {
  const extra = full.length - content.length;
  for (let p = 0; p <= extra; p++) {
    let same = true;
    for (let i = 0; i < Math.min(content.length, 64) && same; i++) same = full[p + i] === content[i];
    if (same) return p;
  }
  return 0;
}
