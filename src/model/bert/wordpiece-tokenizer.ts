// WordPiece tokenizer built from a Hugging Face tokenizer.json (BERT family), with the same ids as
// the Rust `tokenizers` library. Long texts are processed window by window and tokenisation stops
// once the length budget is exceeded, so a 100k-character cell costs about as much as a short one.
import type { Encoding, Tokenizer } from '../types';
import { TokenizerFormatError } from './errors';
import { normalizerFromJson, preTokenizerFromJson, type Normalize } from './bert-normalizer';

export interface WordPieceOptions {
  /** tokenizer_config.json (model_max_length, pad_token). */
  tokenizerConfig?: unknown;
  /** config.json (max_position_embeddings, pad_token_id). */
  config?: unknown;
  /** Explicit maximum length including special tokens; overrides the configs. */
  maxLength?: number;
}

interface AddedTokenJson {
  id: number;
  content: string;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

interface WordPieceModelJson {
  type?: string;
  vocab?: Record<string, number>;
  unk_token?: string;
  continuing_subword_prefix?: string;
  max_input_chars_per_word?: number;
}

const DEFAULT_MAX_LENGTH = 512;
// HF writes model_max_length = 1e30 when a tokenizer has no limit: treat absurd values as unset.
const SANE_MAX_LENGTH = 1_000_000;
/** Characters per window before cutting at the next whitespace (see `encode`). */
const WINDOW_CHARS = 2048;
const WORD_CACHE_LIMIT = 100_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v < SANE_MAX_LENGTH ? v : undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Ids the post-processor puts around a single sequence, e.g. [CLS] … [SEP]. */
interface SpecialFrame {
  prefix: number[];
  suffix: number[];
}

function specialFrame(json: unknown, vocab: Map<string, number>): SpecialFrame {
  if (json === null || json === undefined) return { prefix: [], suffix: [] };
  if (!isRecord(json)) throw new TokenizerFormatError('tokenizer.json post_processor must be an object or null.');
  const type = String(json.type);
  if (type === 'BertProcessing' || type === 'RobertaProcessing') {
    const cls = json.cls as [string, number] | undefined;
    const sep = json.sep as [string, number] | undefined;
    if (!Array.isArray(cls) || !Array.isArray(sep)) {
      throw new TokenizerFormatError(`tokenizer.json post_processor ${type} needs "cls" and "sep" as [token, id].`);
    }
    return { prefix: [cls[1]], suffix: [sep[1]] };
  }
  if (type === 'TemplateProcessing') {
    const single = json.single;
    const specials = isRecord(json.special_tokens) ? json.special_tokens : {};
    if (!Array.isArray(single)) {
      throw new TokenizerFormatError('tokenizer.json TemplateProcessing needs a "single" template array.');
    }
    const frame: SpecialFrame = { prefix: [], suffix: [] };
    let seenSequence = false;
    for (const piece of single as unknown[]) {
      if (isRecord(piece) && isRecord(piece.Sequence)) {
        seenSequence = true;
        continue;
      }
      const tokenName = isRecord(piece) && isRecord(piece.SpecialToken) ? String(piece.SpecialToken.id) : undefined;
      if (tokenName === undefined) {
        throw new TokenizerFormatError(`tokenizer.json TemplateProcessing: unknown template piece ${JSON.stringify(piece)}.`);
      }
      const spec = specials[tokenName];
      const ids = isRecord(spec) && Array.isArray(spec.ids) ? (spec.ids as number[]) : undefined;
      const resolved = ids ?? (vocab.has(tokenName) ? [vocab.get(tokenName)!] : undefined);
      if (!resolved) {
        throw new TokenizerFormatError(`tokenizer.json TemplateProcessing: special token "${tokenName}" has no id.`);
      }
      (seenSequence ? frame.suffix : frame.prefix).push(...resolved);
    }
    return frame;
  }
  throw new TokenizerFormatError(
    `tokenizer.json post_processor type "${type}" is not supported; supported: TemplateProcessing, BertProcessing, RobertaProcessing, null.`,
  );
}

export class WordPieceTokenizer implements Tokenizer {
  readonly kind = 'wordpiece' as const;
  readonly maxLength: number;
  readonly padId: number;
  readonly unkId: number;
  readonly vocabSize: number;
  /** Ids added around every text ([CLS] / [SEP] for BERT). */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];

  private readonly vocab: Map<string, number>;
  private readonly normalize: Normalize;
  private readonly words: RegExp;
  private readonly prefix: string;
  private readonly maxCharsPerWord: number;
  /** Longest vocab entry in UTF-16 units (continuation pieces without their prefix): bounds the search. */
  private readonly maxPieceUnits: number;
  private readonly addedRaw: RegExp | undefined;
  private readonly addedNormalized: RegExp | undefined;
  private readonly added: Map<string, AddedTokenJson>;
  private readonly wordCache = new Map<string, number[]>();

  constructor(tokenizerJson: unknown, opts: WordPieceOptions = {}) {
    if (!isRecord(tokenizerJson)) {
      throw new TokenizerFormatError('tokenizer.json must be a JSON object (Hugging Face tokenizers format).');
    }
    if (!isRecord(tokenizerJson.model)) {
      throw new TokenizerFormatError('tokenizer.json has no "model" section: is this a Hugging Face tokenizer.json?');
    }
    const model = tokenizerJson.model as WordPieceModelJson;
    const modelType = model.type ?? (isRecord(model.vocab) && 'continuing_subword_prefix' in model ? 'WordPiece' : undefined);
    if (modelType !== 'WordPiece') {
      throw new TokenizerFormatError(
        `tokenizer.json model type is "${String(modelType)}", but this loader supports only "WordPiece" ` +
          '(BERT-family models such as all-MiniLM-L6-v2). BPE and Unigram tokenizers are not supported.',
      );
    }
    if (!isRecord(model.vocab)) throw new TokenizerFormatError('tokenizer.json WordPiece model has no "vocab" object.');

    this.vocab = new Map(Object.entries(model.vocab as Record<string, number>));
    this.vocabSize = this.vocab.size;
    this.prefix = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##';
    this.maxCharsPerWord = positiveInt(model.max_input_chars_per_word) ?? 100;
    const unkToken = typeof model.unk_token === 'string' ? model.unk_token : '[UNK]';
    const unk = this.vocab.get(unkToken);
    if (unk === undefined) throw new TokenizerFormatError(`tokenizer.json unk_token "${unkToken}" is not in the vocab.`);
    this.unkId = unk;
    let maxUnits = 1;
    for (const piece of this.vocab.keys()) {
      const units = piece.startsWith(this.prefix) ? piece.length - this.prefix.length : piece.length;
      if (units > maxUnits) maxUnits = units;
    }
    this.maxPieceUnits = maxUnits;

    this.normalize = normalizerFromJson(tokenizerJson.normalizer);
    this.words = preTokenizerFromJson(tokenizerJson.pre_tokenizer ?? { type: 'BertPreTokenizer' });
    const frame = specialFrame(tokenizerJson.post_processor, this.vocab);
    this.prefixIds = frame.prefix;
    this.suffixIds = frame.suffix;

    const addedList = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as AddedTokenJson[]) : [];
    this.added = new Map(addedList.map((t) => [t.content, t]));
    const alternation = (list: AddedTokenJson[]): RegExp | undefined =>
      list.length === 0
        ? undefined
        : new RegExp(
            [...list]
              .sort((a, b) => b.content.length - a.content.length)
              .map((t) => escapeRegExp(t.content))
              .join('|'),
            'gu',
          );
    this.addedRaw = alternation(addedList.filter((t) => t.normalized === false || (t.normalized === undefined && t.special)));
    this.addedNormalized = alternation(addedList.filter((t) => t.normalized === true || (t.normalized === undefined && !t.special)));

    const tc = isRecord(opts.tokenizerConfig) ? opts.tokenizerConfig : {};
    const cfg = isRecord(opts.config) ? opts.config : {};
    const maxPos = positiveInt(cfg.max_position_embeddings);
    let maxLength = positiveInt(opts.maxLength) ?? positiveInt(tc.model_max_length) ?? maxPos ?? DEFAULT_MAX_LENGTH;
    if (maxPos !== undefined && maxLength > maxPos) maxLength = maxPos; // never index past the position table
    const specials = this.prefixIds.length + this.suffixIds.length;
    if (maxLength <= specials) {
      throw new TokenizerFormatError(`maximum length ${maxLength} leaves no room for text next to ${specials} special tokens.`);
    }
    this.maxLength = maxLength;

    const padToken = typeof tc.pad_token === 'string' ? tc.pad_token : '[PAD]';
    const padding = isRecord(tokenizerJson.padding) ? tokenizerJson.padding : undefined;
    this.padId =
      (typeof padding?.pad_id === 'number' ? padding.pad_id : undefined) ??
      this.vocab.get(padToken) ??
      (typeof cfg.pad_token_id === 'number' ? cfg.pad_token_id : 0);
  }

  /** Token id of a vocab piece or added token, if any. */
  tokenToId(token: string): number | undefined {
    return this.added.get(token)?.id ?? this.vocab.get(token);
  }

  /** Normalised, pre-tokenised words of `text` (added tokens are not split out): for inspection. */
  preTokenize(text: string): string[] {
    return this.normalize(text).match(this.words) ?? [];
  }

  encode(text: string): Encoding {
    const budget = this.maxLength - this.prefixIds.length - this.suffixIds.length;
    const content: number[] = [];
    // Cut the text into windows ending at whitespace. Normalisation and splitting never look
    // across whitespace (it is a word separator and a Unicode starter), so per-window results
    // concatenate to the whole-text result; we stop as soon as one id more than the budget exists.
    const ws = /\p{White_Space}/gu;
    let pos = 0;
    while (pos < text.length && content.length <= budget) {
      let end = text.length;
      if (text.length - pos > WINDOW_CHARS) {
        ws.lastIndex = pos + WINDOW_CHARS;
        const m = ws.exec(text);
        end = m ? m.index + 1 : text.length;
      }
      this.encodeSegment(pos === 0 && end === text.length ? text : text.slice(pos, end), content, budget + 1);
      pos = end;
    }
    const truncated = content.length > budget;
    if (truncated) content.length = budget;
    const ids = new Int32Array(this.prefixIds.length + content.length + this.suffixIds.length);
    ids.set(this.prefixIds, 0);
    ids.set(content, this.prefixIds.length);
    ids.set(this.suffixIds, this.prefixIds.length + content.length);
    return { ids, truncated };
  }

  /** Appends ids for `raw` to `out`, stopping once `out` holds `limit` ids. */
  private encodeSegment(raw: string, out: number[], limit: number): void {
    this.splitAdded(raw, this.addedRaw, out, limit, (piece) => {
      const normalized = this.normalize(piece);
      this.splitAdded(normalized, this.addedNormalized, out, limit, (norm) => this.encodeWords(norm, out, limit));
    });
  }

  /** Emits added-token ids for matches of `re` in `s`, passing the text between them to `rest`. */
  private splitAdded(s: string, re: RegExp | undefined, out: number[], limit: number, rest: (text: string) => void): void {
    if (!re) {
      rest(s);
      return;
    }
    re.lastIndex = 0;
    let last = 0;
    let m: RegExpExecArray | null;
    let pendingLstrip = false;
    while ((m = re.exec(s)) !== null && out.length < limit) {
      const tok = this.added.get(m[0])!;
      let before = s.slice(last, m.index);
      if (pendingLstrip) before = before.trimStart();
      if (tok.lstrip) before = before.trimEnd();
      if (before) rest(before);
      if (out.length >= limit) return;
      out.push(tok.id);
      last = m.index + m[0].length;
      pendingLstrip = tok.rstrip === true;
    }
    if (out.length >= limit) return;
    let tail = s.slice(last);
    if (pendingLstrip) tail = tail.trimStart();
    if (tail) rest(tail);
  }

  private encodeWords(normalized: string, out: number[], limit: number): void {
    const re = this.words;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (out.length < limit && (m = re.exec(normalized)) !== null) {
      const word = m[0];
      let ids = this.wordCache.get(word);
      if (!ids) {
        ids = this.wordPiece(word);
        if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
        this.wordCache.set(word, ids);
      }
      for (let i = 0; i < ids.length && out.length < limit; i++) out.push(ids[i]);
    }
  }

  /** Greedy longest-match-first WordPiece over one word (code points, not UTF-16 units). */
  private wordPiece(word: string): number[] {
    // Code-point boundaries, so a piece never splits a surrogate pair.
    const bounds: number[] = [0];
    for (let i = 0; i < word.length; ) {
      const c = word.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < word.length ? 2 : 1;
      bounds.push(i);
    }
    const nChars = bounds.length - 1;
    if (nChars > this.maxCharsPerWord) return [this.unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < nChars) {
      let end = nChars;
      // No piece is longer than the longest vocab entry: skip hopeless long substrings.
      while (end > start && bounds[end] - bounds[start] > this.maxPieceUnits) end--;
      let found = -1;
      while (end > start) {
        const sub = word.slice(bounds[start], bounds[end]);
        const id = this.vocab.get(start > 0 ? this.prefix + sub : sub);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }
}

/** Parse tokenizer.json (object or JSON text) into a WordPiece tokenizer. */
export function createWordPieceTokenizer(tokenizerJson: unknown, opts: WordPieceOptions = {}): WordPieceTokenizer {
  let json = tokenizerJson;
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      throw new TokenizerFormatError(`tokenizer.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  return new WordPieceTokenizer(json, opts);
}
