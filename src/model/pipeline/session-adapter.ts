// The runtime-neutral body of an EmbeddingSession: feeds, the one-token warm-up that learns the
// output width, pooling/normalising and dispose-once. node-session.ts and web-session.ts (the only
// files that import onnxruntime) supply how to build a tensor and run the graph.
import type { DenseBatch, EmbeddingSession, ResolvedDevice } from '../types';
import { SessionDisposedError } from './errors';
import { toFeeds, type MakeTensor } from './feeds';
import { toSentenceEmbeddings } from './postprocess';
import type { ModelSignature } from './signature';
import { DEFAULT_POOLING, type PoolingSpec } from '../sentence-transformers';

/** The model output tensor, as the runtime hands it back. */
export interface RawOutput {
  readonly dims: readonly number[];
  /** The values (onnxruntime-web may have to copy them back from the GPU). */
  read(): Promise<Float32Array>;
  /** Frees the tensor once read (GPU buffers); a no-op where the runtime needs none. */
  dispose(): void;
}

export interface SessionRuntime<T> {
  /** The runtime's Tensor constructor. */
  makeTensor: MakeTensor<T>;
  /** Runs the graph on `feeds`, fetching only `output`. */
  runRaw(feeds: Record<string, T>, output: string): Promise<RawOutput>;
  release(): Promise<void>;
}

export interface SessionAdapterOptions {
  device: ResolvedDevice;
  deviceReason: string;
  /**
   * 'always': init() runs a one-token batch even when the metadata states the width (WebGPU
   * compiles its shaders on the first run); 'if-needed': only when the width is unknown.
   */
  warmUp: 'always' | 'if-needed';
  /** Token id of the warm-up batch. */
  warmUpId: bigint;
  /** How token states become one vector (sentence-transformers' Pooling + Normalize); default mean + L2. */
  pooling?: PoolingSpec;
  /** See EmbeddingSession.yieldTurn. */
  yieldTurn?: () => Promise<void>;
}

/** The first line of an error's message (runtimes append long native stack traces). */
export function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

export class SessionAdapter<T> implements EmbeddingSession {
  dimension = 0;
  readonly device: ResolvedDevice;
  readonly deviceReason: string;
  private disposed = false;

  constructor(
    private readonly runtime: SessionRuntime<T>,
    private readonly sig: ModelSignature,
    private readonly opts: SessionAdapterOptions,
  ) {
    this.device = opts.device;
    this.deviceReason = opts.deviceReason;
    if (opts.yieldTurn) this.yieldTurn = opts.yieldTurn;
  }

  yieldTurn?: () => Promise<void>;

  /** Learns the output width: from metadata when stated, else from a one-token warm-up run. */
  async init(): Promise<void> {
    // Concatenated pooling modes give one block of the hidden width per mode.
    const blocks = this.sig.outputKind === 'token' ? this.pooling.modes.length : 1;
    if (this.opts.warmUp === 'if-needed' && this.sig.dimension) {
      this.dimension = this.sig.dimension * blocks;
      return;
    }
    const one = { inputIds: new BigInt64Array([this.opts.warmUpId]), attentionMask: new BigInt64Array([1n]), batch: 1, seqLen: 1 };
    const t = await this.raw(one);
    this.dimension = (this.sig.dimension ?? t.dims.at(-1) ?? 0) * blocks;
  }

  private get pooling(): PoolingSpec {
    return this.opts.pooling ?? DEFAULT_POOLING;
  }

  private async raw(batch: DenseBatch): Promise<RawOutput> {
    if (this.disposed) throw new SessionDisposedError();
    return this.runtime.runRaw(toFeeds(this.sig, batch, this.runtime.makeTensor), this.sig.output);
  }

  async run(batch: DenseBatch): Promise<Float32Array> {
    const t = await this.raw(batch);
    const out = toSentenceEmbeddings(this.sig, batch, await t.read(), t.dims, this.pooling);
    t.dispose();
    return out;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.runtime.release();
  }
}
