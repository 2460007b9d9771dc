// Text normalisation and pre-tokenisation with the semantics of Hugging Face `tokenizers` (Rust):
// BertNormalizer (clean_text → handle_chinese_chars → strip_accents → lowercase) and
// BertPreTokenizer (split on whitespace, isolate every punctuation character).
// Implemented with whole-string Unicode regexes instead of per-character loops: much faster in V8.
import { TokenizerFormatError } from './errors';

export type Normalize = (text: string) => string;

interface BertNormalizerConfig {
  clean_text?: boolean;
  handle_chinese_chars?: boolean;
  /** null/undefined: follow `lowercase` (the Rust default). */
  strip_accents?: boolean | null;
  lowercase?: boolean;
}

// Rust's `is_control` = Unicode "Other" (Cc, Cf, Cn, Co, Cs) except \t \n \r, plus NUL and U+FFFD.
const CONTROL = /(?![\t\n\r])[\p{C}\uFFFD]/gu;
const WHITESPACE = /\p{White_Space}/gu;
// The CJK Unified Ideograph blocks BERT isolates (tokenizers/src/normalizers/bert.rs).
const CHINESE =
  /[\u{4E00}-\u{9FFF}\u{3400}-\u{4DBF}\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B920}-\u{2CEAF}\u{F900}-\u{FAFF}\u{2F800}-\u{2FA1F}]/gu;
const NONSPACING_MARK = /\p{Mn}/gu;

function bertNormalizer(cfg: BertNormalizerConfig): Normalize {
  const clean = cfg.clean_text ?? true;
  const chinese = cfg.handle_chinese_chars ?? true;
  const lowercase = cfg.lowercase ?? true;
  const strip = cfg.strip_accents ?? lowercase;
  return (text) => {
    let t = text;
    if (clean) t = t.replace(CONTROL, '').replace(WHITESPACE, ' ');
    if (chinese) t = t.replace(CHINESE, ' $& ');
    if (strip) t = t.normalize('NFD').replace(NONSPACING_MARK, '');
    if (lowercase) t = t.toLowerCase();
    return t;
  };
}

interface NormalizerJson {
  type?: string;
  normalizers?: NormalizerJson[];
  [k: string]: unknown;
}

/** Build a normaliser from tokenizer.json's `normalizer` section (null → identity). */
export function normalizerFromJson(json: unknown): Normalize {
  if (json === null || json === undefined) return (t) => t;
  const n = json as NormalizerJson;
  switch (n.type) {
    case 'BertNormalizer':
      return bertNormalizer(n as BertNormalizerConfig);
    case 'Lowercase':
      return (t) => t.toLowerCase();
    case 'StripAccents':
      return (t) => t.replace(NONSPACING_MARK, '');
    case 'NFD':
    case 'NFC':
    case 'NFKD':
    case 'NFKC': {
      const form = n.type;
      return (t) => t.normalize(form);
    }
    case 'Sequence': {
      const parts = (n.normalizers ?? []).map(normalizerFromJson);
      return (t) => parts.reduce((acc, f) => f(acc), t);
    }
    default:
      throw new TokenizerFormatError(
        `tokenizer.json normalizer type "${String(n.type)}" is not supported; supported: ` +
          'BertNormalizer, Lowercase, StripAccents, NFD, NFC, NFKD, NFKC, Sequence.',
      );
  }
}

// ASCII punctuation (Rust's is_ascii_punctuation includes symbols like $ + < = > ^ ` | ~) and
// every Unicode P* category character.
const PUNCT = String.raw`\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E`;

/** Splits normalised text into words. Uses a global regex: iterate with `exec` to stop early. */
export type PreTokenizerPattern = RegExp;

/** Pattern for tokenizer.json's `pre_tokenizer` section. */
export function preTokenizerFromJson(json: unknown): PreTokenizerPattern {
  const type = json === null || json === undefined ? 'null' : String((json as { type?: unknown }).type);
  switch (type) {
    case 'BertPreTokenizer':
      return new RegExp(`[^\\p{White_Space}${PUNCT}]+|[${PUNCT}]`, 'gu');
    case 'WhitespaceSplit':
      return /[^\p{White_Space}]+/gu;
    case 'Whitespace':
      // Rust: \w+|[^\w\s]+
      return /[\p{L}\p{N}\p{M}\p{Pc}]+|[^\p{L}\p{N}\p{M}\p{Pc}\p{White_Space}]+/gu;
    default:
      throw new TokenizerFormatError(
        `tokenizer.json pre_tokenizer type "${type}" is not supported; supported: ` +
          'BertPreTokenizer, WhitespaceSplit, Whitespace.',
      );
  }
}
