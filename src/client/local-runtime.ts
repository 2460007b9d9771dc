// LocalRuntime: embeddings computed in this process (Node: onnxruntime-node; browser/worker:
// onnxruntime-web) behind the same chunkedCall / deferBatch as Remote. Runtime-neutral: the
// runtime-specific parts (reading model files, creating the onnxruntime session) come in as a
// LocalBackend, so a browser bundle never pulls in onnxruntime-node. Use
// local-runtime-node.ts (Node) or local-runtime-web.ts (browser, worker) for a ready backend.
import type { DataType, RecordBatch, Table } from 'apache-arrow';
import { chunkedCall } from '../core/chunked-call';
import { isTable } from '../core/chunk-source';
import { deferBatch, type DeferBatchOptions } from '../core/defer-batch';
import { EmbedbookError, InvalidOptionError } from '../core/errors';
import { planChunks, validateCallOptions } from '../core/plan-chunks';
import type { EmbedFunction } from '../core/embed-function';
import type { BatchContext, BatchFunction, BatchHandle, BatchOutput, CallInput, ChunkedCallOptions, ChunkedCallResult, TimerApi } from '../core/types';
import { Embedder, type EmbedderOptions } from '../model/pipeline/embedder';
import { UnknownDeviceError } from '../model/pipeline/errors';
import { checkSpec, type LoadedModel, type ModelSpec } from '../model/registry';
import { promptText, type PoolingSpec } from '../model/sentence-transformers';
import { checkDtype, type Dtype } from '../model/dtype';
import { DEVICES, type Device, type EmbedderInfo, type EmbeddingSession, type ModelLoadProgress } from '../model/types';
import { embeddingType } from './remote';

export interface LocalBackend {
  /** Short name for messages, e.g. 'onnxruntime-node'. */
  readonly name: string;
  /** `device` is the runtime's (before 'auto' is resolved): it picks the default dtype. */
  loadModel(spec: ModelSpec, onProgress?: (p: ModelLoadProgress) => void, opts?: { dtype?: Dtype; device?: Device }): Promise<LoadedModel>;
  createSession(model: Uint8Array, opts: { device: Device; label: string; onProgress?: (p: ModelLoadProgress) => void; pooling?: PoolingSpec; externalData?: LoadedModel['externalData'] }): Promise<EmbeddingSession>;
}

export interface LocalRuntimeOptions {
  /** 'default' (built-in USE lite, 512-d), a hub id 'org/name[@revision]' or a Hugging Face-layout model elsewhere. Default 'default'. */
  model?: ModelSpec;
  /** Default 'auto': CUDA→CPU in Node, WebGPU→WASM in the browser. */
  device?: Device;
  backend?: LocalBackend;
  /** Sub-batching of each chunk (token budget, rows per inference). */
  embedder?: EmbedderOptions;
  /**
   * A prompt name from the model's config_sentence_transformers.json (e.g. 'query' for e5 / bge,
   * 'search_query' for nomic), put before every text. Default: the model's default prompt, if any.
   */
  prompt?: string;
  /**
   * Which ONNX file of a Hugging Face repo: fp32 (onnx/model.onnx), fp16 (model_fp16.onnx), q8
   * (model_quantized.onnx) or q4 (model_q4.onnx). Default: q8 on WASM, fp32 on WebGPU/CPU/CUDA,
   * falling back to another file when the repo lacks it.
   */
  dtype?: Dtype;
  onProgress?: (p: ModelLoadProgress) => void;
  timers?: TimerApi;
}

/** The table handed to an embed function has no usable text column. */
export class TextColumnError extends EmbedbookError {
  override readonly name = 'TextColumnError';
  constructor(readonly columns: readonly string[]) {
    super(
      `embed needs one text column: a column named 'text', or a table with exactly one column; got ${columns.length ? columns.map((c) => `'${c}'`).join(', ') : 'no columns'}. Rename or select the column to embed.`,
    );
  }
}

/** The runtime needs a backend (Node or browser) and was given none. */
export class MissingBackendError extends EmbedbookError {
  override readonly name = 'MissingBackendError';
  constructor() {
    super("LocalRuntime has no backend: in Node use LocalRuntime from 'embedbook' (local-runtime-node), in a browser or worker the one from local-runtime-web, or pass { backend }.");
  }
}

/** The column of `args` that holds the texts. */
function textColumn(args: Table): string {
  const names = args.schema.fields.map((f) => f.name);
  if (names.includes('text')) return 'text';
  if (names.length === 1) return names[0];
  throw new TextColumnError(names);
}

interface Loaded {
  model: LoadedModel;
  session: EmbeddingSession;
  embedder: Embedder;
}

export class LocalRuntime {
  readonly model: ModelSpec;
  readonly device: Device;
  private readonly backend: LocalBackend;
  private loading: Promise<Loaded> | undefined;
  private disposed = false;
  /** Rows cut to the model's maximum length so far (across calls). */
  truncatedRows = 0;

  constructor(private readonly opts: LocalRuntimeOptions = {}) {
    this.model = opts.model ?? 'default';
    checkSpec(this.model);
    this.device = opts.device ?? 'auto';
    if (!DEVICES.includes(this.device)) throw new UnknownDeviceError(this.device, DEVICES);
    checkDtype(opts.dtype);
    if (!opts.backend) throw new MissingBackendError();
    this.backend = opts.backend;
  }

  /** Loads the model and creates the session once; later calls share it. */
  load(): Promise<Loaded> {
    if (this.disposed) return Promise.reject(new InvalidOptionError('runtime', 'disposed', 'a live LocalRuntime', 'Create a new LocalRuntime after dispose().'));
    this.loading ??= (async () => {
      const onProgress = this.opts.onProgress;
      const model = await this.backend.loadModel(this.model, onProgress, { dtype: this.opts.dtype, device: this.device });
      const prompt = promptText(model.sentenceTransformer, this.opts.prompt);
      const session = await this.backend.createSession(model.model, {
        device: this.device,
        label: `${model.name}/${model.modelFile}`,
        onProgress,
        pooling: model.sentenceTransformer.pooling,
        externalData: model.externalData,
      });
      return { model, session, embedder: new Embedder(model.tokenizer, session, { ...this.opts.embedder, prompt }) };
    })();
    // A failed load may be retried by the next call (e.g. after fixing a URL).
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }

  async info(): Promise<EmbedderInfo> {
    const { model, session } = await this.load();
    return { model: model.name === 'default' ? `default (${describeModel(model)})` : model.name, dimension: session.dimension, device: session.device, deviceReason: session.deviceReason };
  }

  /** Embeds plain strings (outside the chunk engine): one vector or error per text. */
  async embedTexts(texts: readonly unknown[], signal?: AbortSignal): Promise<BatchOutput<Float32Array> & { truncated: boolean[] }> {
    const { embedder } = await this.load();
    const out = await embedder.embed(texts, { signal });
    this.truncatedRows += out.truncated.filter(Boolean).length;
    return out;
  }

  /** The engine-facing backend: embed the text column of one batch. */
  readonly batchFunction: BatchFunction<Float32Array> = async (args: Table, ctx: BatchContext) => {
    const col = args.getChild(textColumn(args));
    const texts: unknown[] = col ? Array.from(col as Iterable<unknown>) : [];
    return this.embedTexts(texts, ctx.signal);
  };

  function(name: string, opts: { outputType?: DataType } = {}): LocalFunction {
    if (name !== 'embed') {
      throw new InvalidOptionError('name', name, "'embed'", 'LocalRuntime runs the built-in embedding function only; deploy other functions to a Remote.');
    }
    return new LocalFunction(this, opts.outputType ?? embeddingType(), this.opts.timers);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const loading = this.loading;
    this.loading = undefined;
    if (!loading) return;
    const loaded = await loading.catch(() => undefined);
    await loaded?.session.dispose();
  }
}

function describeModel(m: LoadedModel): string {
  // The file says which precision ran (model.onnx fp32, model.int8.onnx int8).
  return m.kind === 'use' ? `Universal Sentence Encoder lite, ${m.modelFile}` : m.modelFile;
}

export class LocalFunction implements EmbedFunction<Float32Array> {
  readonly name = 'embed';
  readonly batchFunction: BatchFunction<Float32Array>;

  constructor(
    readonly runtime: LocalRuntime,
    readonly outputType: DataType,
    private readonly timers: TimerApi | undefined,
  ) {
    this.batchFunction = runtime.batchFunction;
  }

  /** Same contract as RemoteFunction.chunkedCall: row i of `result` answers input row i. */
  async chunkedCall(args: CallInput, opts: ChunkedCallOptions): Promise<ChunkedCallResult> {
    // Validate options and the column, then load the model, before the first chunk: bad input is
    // one clear error at once (not after a model download), a bad model one error, not N chunks.
    if (isTable(args)) {
      validateCallOptions(opts);
      planChunks(args.numRows, opts);
      textColumn(args);
    }
    await this.runtime.load();
    return chunkedCall(args, this.batchFunction, { timers: this.timers, ...opts, outputType: this.outputType });
  }

  /** Submits one batch now and returns a handle at once (see core deferBatch). */
  deferBatch(batch: Table | RecordBatch, opts: Omit<DeferBatchOptions, 'outputType'> = {}): BatchHandle<Float32Array> {
    return deferBatch(batch, this.batchFunction, { timers: this.timers, ...opts, outputType: this.outputType });
  }
}
