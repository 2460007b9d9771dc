// SentencePiece (unigram) tokenizer of Universal Sentence Encoder lite, ported from
// @energetic-ai/embeddings@0.2.0 (itself from @tensorflow-models/universal-sentence-encoder).
// It reproduces that tokenizer id for id, quirks included, because the model was trained and is
// verified against exactly these ids:
//   - text is NFKC-normalised, prefixed with "▁", and only U+0020 spaces become "▁";
//   - the 6 reserved pieces (ids 0–5) are never matched; a later duplicate piece replaces an
//     earlier one; a null score counts as 0;
//   - Viterbi keeps the best score per end position with ties going to the later candidate, and
//     a position whose best score is exactly 0 (start, or unreached) is overwritten by any
//     candidate, as in the original;
//   - a code point no piece starts with becomes id 0, and runs of id 0 collapse into one.
// Differences, both for bounded cost: the original rescans the rest of the string at every
// position (quadratic); this port walks a trie at most 16 code points deep (linear). And encode()
// tokenises growing prefixes of a long text (8k, 64k, … code points, at most
// MAX_INPUT_CODE_POINTS) only until they yield comfortably more than maxLength ids; ids are then
// cut to maxLength.
import type { Encoding, Tokenizer } from '../types';
import { EmbedbookError } from '../../core/errors';

/** One vocabulary entry as vocab.json stores it: [piece, log-probability score]. */
export type VocabEntry = [string, number | null];

const SEPARATOR = '\u2581';
const RESERVED_PIECES = 6;
const UNKNOWN_ID = 0;
/**
 * The model itself drops positions ≥ 128 (its ClipToMaxLength step), so ids past 128 can never
 * change an embedding: 128 is both the tokenizer's and the model's maximum length.
 */
export const USE_MAX_LENGTH = 128;
/**
 * Hard cap on the code points ever tokenised (memory ~20 bytes each). Only text made almost
 * entirely of unknown characters (whose runs collapse into one id) gets near it before
 * yielding 128 ids.
 */
const MAX_INPUT_CODE_POINTS = 1 << 20;
/** Prefix sizes encode() tries, in code points, before the cap. */
const PREFIX_STEPS = [1 << 13, 1 << 16, MAX_INPUT_CODE_POINTS];
/**
 * Extra ids a prefix must yield beyond maxLength before its first maxLength ids are trusted to
 * equal the whole text's: Viterbi can only revise the segmentation near the cut.
 */
const PREFIX_MARGIN_IDS = 16;

/** vocab.json is not a list of [piece, score] pairs. */
export class VocabularyError extends EmbedbookError {
  override readonly name = 'VocabularyError';
}

interface TrieNode {
  children: Map<number, TrieNode>;
  /** Vocabulary id when a piece ends here, else -1. */
  id: number;
  score: number;
  /** Length of the piece ending here, in code points. */
  length: number;
}

const newNode = (): TrieNode => ({ children: new Map(), id: -1, score: 0, length: 0 });

function validate(vocab: unknown): asserts vocab is VocabEntry[] {
  if (!Array.isArray(vocab) || vocab.length <= RESERVED_PIECES) {
    throw new VocabularyError(
      `SentencePiece vocabulary must be an array of more than ${RESERVED_PIECES} [piece, score] pairs; got ${Array.isArray(vocab) ? `${vocab.length} entries` : typeof vocab}`,
    );
  }
  vocab.forEach((e, i) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || (e[1] !== null && typeof e[1] !== 'number')) {
      throw new VocabularyError(`vocabulary entry ${i} is ${JSON.stringify(e)}; expected [piece: string, score: number | null]`);
    }
  });
}

export interface SentencePieceOptions {
  /** Maximum ids returned per text (default 128, the model's own limit). */
  maxLength?: number;
}

export class SentencePieceTokenizer implements Tokenizer {
  readonly kind = 'sentencepiece' as const;
  readonly maxLength: number;
  /** Padding never reaches the model as an id: the attention mask removes it. 0 is a safe filler. */
  readonly padId = 0;
  readonly vocabSize: number;
  private readonly root = newNode();
  /** UTF-16 length of each piece: the original steps back by this when backtracking. */
  private readonly pieceLength: Int32Array;

  constructor(vocab: unknown, options: SentencePieceOptions = {}) {
    validate(vocab);
    this.maxLength = options.maxLength ?? USE_MAX_LENGTH;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 1) {
      throw new RangeError(`maxLength must be a positive integer, got ${String(options.maxLength)}`);
    }
    this.vocabSize = vocab.length;
    this.pieceLength = Int32Array.from(vocab, (e) => e[0].length);
    for (let id = RESERVED_PIECES; id < vocab.length; id++) {
      const [piece, score] = vocab[id];
      let node = this.root;
      let length = 0;
      for (const ch of piece) {
        const cp = ch.codePointAt(0) as number;
        let next = node.children.get(cp);
        if (!next) {
          next = newNode();
          node.children.set(cp, next);
        }
        node = next;
        length++;
      }
      if (length === 0) continue; // an empty piece can never match (the original skips it too)
      node.id = id;
      node.score = score ?? 0;
      node.length = length;
    }
  }

  /**
   * All ids of the text (no truncation to maxLength), as the original tokenizer returns them,
   * for texts up to MAX_INPUT_CODE_POINTS; longer ones are cut there (inputTruncated).
   */
  encodeAll(text: string): { ids: number[]; inputTruncated: boolean } {
    return this.tokenizePrefix(text, MAX_INPUT_CODE_POINTS);
  }

  /** Tokenise at most maxCodePoints code points of the (normalised, ▁-prefixed) text. */
  private tokenizePrefix(text: string, maxCodePoints: number): { ids: number[]; inputTruncated: boolean } {
    if (typeof text !== 'string') {
      throw new TypeError(`SentencePieceTokenizer.encode expects a string, got ${text === null ? 'null' : typeof text}`);
    }
    let input = text;
    let inputTruncated = false;
    // A generous raw cut (4 UTF-16 units per kept code point) bounds NFKC's cost on huge input;
    // the exact cut is made after normalisation, at a code point boundary.
    if (input.length > maxCodePoints * 4) {
      input = input.slice(0, maxCodePoints * 4);
      inputTruncated = true;
    }
    const normalized = input.normalize('NFKC');
    if (normalized.length === 0) return { ids: [], inputTruncated };
    const prepared = SEPARATOR + normalized.replace(/ /g, SEPARATOR);
    const symbols: number[] = [];
    for (const ch of prepared) {
      if (symbols.length === maxCodePoints) {
        inputTruncated = true;
        break;
      }
      symbols.push(ch.codePointAt(0) as number);
    }
    const n = symbols.length;
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      // Common prefix search from i, relaxing each end position in increasing piece length.
      let node = this.root.children.get(symbols[i]);
      let matched = false;
      for (let j = i; node; ) {
        if (node.id >= 0) {
          matched = true;
          this.relax(best, words, i, j + 1, node.score, node.id);
        }
        j++;
        node = j < n ? node.children.get(symbols[j]) : undefined;
      }
      if (!matched) this.relax(best, words, i, i + 1, 0, UNKNOWN_ID);
    }
    const reversed: number[] = [];
    for (let at = n; at > 0; at -= this.pieceLength[words[at]]) reversed.push(words[at]);
    const ids: number[] = [];
    for (let k = reversed.length - 1; k >= 0; k--) {
      const id = reversed[k];
      if (id === UNKNOWN_ID && ids.length > 0 && ids[ids.length - 1] === UNKNOWN_ID) continue;
      ids.push(id);
    }
    return { ids, inputTruncated };
  }

  private relax(best: Float64Array, words: Int32Array, start: number, end: number, score: number, id: number): void {
    const total = score + best[start];
    if (best[end] === 0 || total >= best[end]) {
      best[end] = total;
      words[end] = id;
    }
  }

  encode(text: string): Encoding {
    let r = { ids: [] as number[], inputTruncated: false };
    for (const step of PREFIX_STEPS) {
      r = this.tokenizePrefix(text, step);
      if (!r.inputTruncated || r.ids.length >= this.maxLength + PREFIX_MARGIN_IDS) break;
    }
    const { ids, inputTruncated } = r;
    const truncated = inputTruncated || ids.length > this.maxLength;
    return { ids: Int32Array.from(ids.length > this.maxLength ? ids.slice(0, this.maxLength) : ids), truncated };
  }
}
