// Contracts between tokenizers, ONNX session adapters and the embedding pipeline.
// Only files named *-session.ts (one per runtime backend) may import onnxruntime.

/** Every device a LocalRuntime takes (each runtime accepts its own subset: node-device.ts, web-session.ts). */
export const DEVICES = ['auto', 'webgpu', 'wasm', 'cpu', 'cuda'] as const;
/** Where the model actually runs. 'auto' is resolved to one of the others at load time. */
export type Device = (typeof DEVICES)[number];
export type ResolvedDevice = Exclude<Device, 'auto'>;

export interface Encoding {
  /** Token ids including any special tokens the model expects. */
  ids: Int32Array;
  /** True when the text was cut to the model's maximum length. */
  truncated: boolean;
}

export interface Tokenizer {
  readonly kind: 'sentencepiece' | 'wordpiece' | 'bpe' | 'unigram' | 'wordlevel';
  readonly maxLength: number;
  readonly padId: number;
  encode(text: string): Encoding;
}

/** A dense batch ready for a session: row-major [batch, seqLen]. */
export interface DenseBatch {
  inputIds: BigInt64Array | Int32Array;
  attentionMask: BigInt64Array | Int32Array;
  tokenTypeIds?: BigInt64Array | Int32Array;
  batch: number;
  seqLen: number;
}

/** One runtime adapter (onnxruntime-node or onnxruntime-web) holding one reused session. */
export interface EmbeddingSession {
  readonly device: ResolvedDevice;
  /** Why this device was chosen (e.g. "WebGPU adapter found", "no adapter: WASM, 4 threads"). */
  readonly deviceReason: string;
  readonly dimension: number;
  /** Returns [batch, dimension] pooled embeddings, row-major (L2-normalised unless the model has no Normalize module). */
  run(batch: DenseBatch): Promise<Float32Array>;
  /**
   * How many run() calls it takes at once (default 1): a pool of inference workers takes two per
   * worker (one running, the next waiting in the worker), and the embedder keeps that many
   * sub-batches in flight.
   */
  readonly concurrency?: number;
  /**
   * Lets the host's event loop take a turn before the next inference (browser: a cancel message,
   * an IndexedDB commit). Absent where runs already yield (onnxruntime-node runs off-thread).
   */
  yieldTurn?(): Promise<void>;
  dispose(): Promise<void>;
}

export type ModelLoadProgress =
  | { status: 'download'; file: string; loaded: number; total?: number; /** Served from the local model cache, not the network. */ cached?: boolean }
  | { status: 'compile'; file: string }
  | { status: 'ready'; device: ResolvedDevice; deviceReason: string };

/** Info reported to users about the model that ran. */
export interface EmbedderInfo {
  model: string;
  dimension: number;
  device: ResolvedDevice;
  deviceReason: string;
}
