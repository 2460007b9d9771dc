// The embedding pipeline, runtime-neutral: texts → tokenizer → sorted, token-budgeted sub-batches
// → one EmbeddingSession (one inference at a time) → vectors back in input order.
import { NOT_TEXT_CODE, NULL_TEXT_CODE, TOKENIZER_FAILED_CODE } from '../../core/row-error';
import type { BatchOutput, RowError } from '../../core/types';
import type { EmbeddingSession, Encoding, Tokenizer } from '../types';
import { DEFAULT_SUB_BATCH, GPU_SUB_BATCH, packDenseBatch, planSubBatches, type SubBatchOptions } from './batching';
import { SerialQueue } from './serial-queue';

export interface EmbedOutput extends BatchOutput<Float32Array> {
  values: Array<Float32Array | null>;
  /** errors[i] non-null: row i was not embedded: NULL_TEXT (a null cell), NOT_TEXT, TOKENIZER_FAILED. */
  errors: Array<RowError | null>;
  /** truncated[i]: row i was longer than the model's maximum length and was cut to it. */
  truncated: boolean[];
}

export interface EmbedderOptions extends Partial<SubBatchOptions> {
  /**
   * Texts longer than this many UTF-16 code units are cut before tokenizing (and flagged), so a
   * 100k-character cell costs no more than the model could ever read. Default: 32 × maxLength.
   */
  maxChars?: number;
  /** Text put before every input (a sentence-transformers prompt such as e5's 'query: '). */
  prompt?: string;
}

const queues = new WeakMap<EmbeddingSession, SerialQueue>();

/** The one inference queue of a session, shared by every embedder using it. */
function sessionQueue(session: EmbeddingSession): SerialQueue {
  let q = queues.get(session);
  if (!q) queues.set(session, (q = new SerialQueue(sessionWidth(session))));
  return q;
}

function sessionWidth(session: EmbeddingSession): number {
  return Math.max(1, Math.floor(session.concurrency ?? 1));
}

export class Embedder {
  private readonly sub: SubBatchOptions;
  private readonly maxChars: number;
  private readonly prompt: string;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly session: EmbeddingSession,
    opts: EmbedderOptions = {},
  ) {
    // A GPU call costs far more than a CPU call: fewer, larger sub-batches there, in a few shapes.
    const defaults = session.device === 'webgpu' || session.device === 'cuda' ? GPU_SUB_BATCH : DEFAULT_SUB_BATCH;
    // Buckets past the model's maximum would pad beyond what its position table holds.
    const buckets = (opts.lengthBuckets ?? defaults.lengthBuckets)?.filter((b) => b <= tokenizer.maxLength);
    this.sub = {
      tokenBudget: opts.tokenBudget ?? defaults.tokenBudget,
      maxBatchRows: opts.maxBatchRows ?? defaults.maxBatchRows,
      overheadTokens: opts.overheadTokens ?? defaults.overheadTokens,
      ...(buckets?.length ? { lengthBuckets: buckets } : {}),
    };
    // Budget below the longest possible row would make that row unrunnable.
    this.sub.tokenBudget = Math.max(this.sub.tokenBudget, tokenizer.maxLength);
    this.maxChars = opts.maxChars ?? 32 * tokenizer.maxLength;
    this.prompt = opts.prompt ?? '';
  }

  get dimension(): number {
    return this.session.dimension;
  }

  async embed(texts: ReadonlyArray<unknown>, opts: { signal?: AbortSignal } = {}): Promise<EmbedOutput> {
    const n = texts.length;
    const values: Array<Float32Array | null> = new Array(n).fill(null);
    const errors: Array<RowError | null> = new Array(n).fill(null);
    const truncated: boolean[] = new Array(n).fill(false);

    // Tokenize everything first, outside the session queue: while another chunk's inference holds
    // the session, this chunk's tokenization proceeds (and sorting needs every length anyway).
    const rows: number[] = [];
    const encodings: Int32Array[] = [];
    for (let i = 0; i < n; i++) {
      const cell = texts[i];
      if (typeof cell !== 'string') {
        const code = cell === null || cell === undefined ? NULL_TEXT_CODE : NOT_TEXT_CODE;
        errors[i] = { code, message: `row ${i}: expected a string, got ${describe(cell)}` };
        continue;
      }
      const text = this.prompt + cell;
      let enc: Encoding;
      try {
        enc = this.tokenizer.encode(text.length > this.maxChars ? cutText(text, this.maxChars) : text);
      } catch (err) {
        errors[i] = { code: TOKENIZER_FAILED_CODE, message: `row ${i}: tokenizer failed: ${err instanceof Error ? err.message : String(err)}` };
        continue;
      }
      truncated[i] = enc.truncated || text.length > this.maxChars;
      rows.push(i);
      encodings.push(enc.ids);
    }
    opts.signal?.throwIfAborted();

    const plan = planSubBatches(
      encodings.map((e) => e.length),
      this.sub,
    );
    const queue = sessionQueue(this.session);
    const withTypes = true; // sessions ignore token types when their model has none
    // Up to the session's width of sub-batches in flight (a pool of inference workers: two per
    // worker; a single session: one), and sub-batch k+1 packed while k runs: packing stays off the
    // critical path.
    const width = sessionWidth(this.session);
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    let next = plan.length ? packDenseBatch(encodings, plan[0], this.tokenizer.padId, withTypes) : undefined;
    for (let k = 0; k < plan.length && !failure && !opts.signal?.aborted; k++) {
      const dense = next!;
      const sub = plan[k];
      const running = queue
        .run(async () => {
          // A turn of the event loop first, so a cancel that arrived meanwhile is seen right here.
          await this.session.yieldTurn?.();
          opts.signal?.throwIfAborted();
          return this.session.run(dense);
        })
        .then(
          (out) => {
            const dim = this.session.dimension;
            if (out.length !== dense.batch * dim) {
              throw new Error(`session returned ${out.length} floats for ${dense.batch} rows × ${dim} dims`);
            }
            sub.rows.forEach((local, r) => {
              values[rows[local]] = out.slice(r * dim, (r + 1) * dim);
            });
          },
        )
        .catch((err: unknown) => {
          failure ??= { err };
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
      next = k + 1 < plan.length ? packDenseBatch(encodings, plan[k + 1], this.tokenizer.padId, withTypes) : undefined;
      if (inFlight.size >= width) await Promise.race(inFlight);
    }
    // Sub-batches already running finish (one call each, short) before this chunk answers: a
    // cancelled or failed chunk leaves no inference behind it in the session's queue.
    await Promise.all(inFlight);
    opts.signal?.throwIfAborted();
    if (failure) throw failure.err;
    return { values, errors, truncated };
  }
}

/** Cuts to `max` code units without splitting a surrogate pair. */
function cutText(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined (missing cell)';
  if (typeof v === 'bigint') return `bigint ${v}`;
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch {
    json = undefined; // cyclic objects
  }
  return `${typeof v} ${json?.slice(0, 40) ?? ''}`.trim();
}
