// Chunk planning and option validation: pure functions, no I/O. Every bad option fails here, before
// any work starts, with an InvalidOptionError naming the parameter and the allowed values.
import { InvalidOptionError } from './errors';
import type { ChunkedCallOptions, ChunkingOptions, ChunkPlan, OnError } from './types';

const POSITIVE_INT = 'a positive integer (1, 2, 3, ...)';

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function given(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/**
 * Splits `rows` input rows into contiguous chunks, in order.
 * - `{ chunkSize }`: chunks of chunkSize rows, the last one possibly shorter.
 * - `{ numChunks }`: min(numChunks, rows) chunks whose sizes differ by at most one row (larger
 *   first); numChunks > rows gives one-row chunks, never empty ones.
 * Exactly one of the two must be given. rows = 0 gives [] (after validating the options).
 */
export function planChunks(rows: number, opts: ChunkingOptions): ChunkPlan[] {
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0) {
    throw new InvalidOptionError('rows', rows, 'a non-negative integer (the number of input rows)');
  }
  const { chunkSize, numChunks } = (opts ?? {}) as { chunkSize?: unknown; numChunks?: unknown };
  if (given(chunkSize) && given(numChunks)) {
    throw new InvalidOptionError(
      'chunkSize/numChunks',
      { chunkSize, numChunks },
      'exactly one of chunkSize or numChunks',
      'They are mutually exclusive: drop one of them.',
    );
  }
  if (!given(chunkSize) && !given(numChunks)) {
    throw new InvalidOptionError(
      'chunkSize/numChunks',
      undefined,
      'exactly one of chunkSize or numChunks',
      'Pass e.g. { chunkSize: 25 } or { numChunks: 8 }.',
    );
  }
  if (given(chunkSize)) {
    if (!isPositiveInt(chunkSize)) throw new InvalidOptionError('chunkSize', chunkSize, POSITIVE_INT);
    return bySize(rows, chunkSize);
  }
  if (!isPositiveInt(numChunks)) throw new InvalidOptionError('numChunks', numChunks, POSITIVE_INT);
  return byCount(rows, numChunks);
}

function bySize(rows: number, size: number): ChunkPlan[] {
  const plan: ChunkPlan[] = [];
  for (let offset = 0, index = 0; offset < rows; offset += size, index++) {
    plan.push({ index, offset, rows: Math.min(size, rows - offset) });
  }
  return plan;
}

function byCount(rows: number, count: number): ChunkPlan[] {
  const n = Math.min(count, rows);
  const base = Math.floor(rows / Math.max(n, 1));
  const extra = rows - base * n;
  const plan: ChunkPlan[] = [];
  for (let index = 0, offset = 0; index < n; index++) {
    const size = base + (index < extra ? 1 : 0);
    plan.push({ index, offset, rows: size });
    offset += size;
  }
  return plan;
}

const ON_ERROR: readonly OnError[] = ['row-status', 'raise'];

/** Timers overflow past 2^31 - 1 ms (and then fire at once), so longer timeouts are refused. */
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
export const TIMEOUT_ALLOWED =
  `a positive number of seconds up to ${MAX_TIMEOUT_SECONDS} (e.g. 120 or 0.5), or undefined to wait forever`;

export function isTimeoutSeconds(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_TIMEOUT_SECONDS;
}

/** Engine options with defaults applied (chunking and callbacks are kept as given). */
export interface ResolvedCallOptions {
  concurrentChunks: number;
  timeout: number | undefined;
  retries: number;
  backoffMs: number;
  onError: OnError;
}

/**
 * Validates every option except chunking (planChunks does that) and applies defaults:
 * concurrentChunks 1, timeout undefined (forever), retries 0, backoffMs 250, onError 'row-status'.
 */
export function validateCallOptions(opts: Partial<ChunkedCallOptions>): ResolvedCallOptions {
  const o = (opts ?? {}) as Record<string, unknown>;
  const concurrentChunks = o.concurrentChunks ?? 1;
  if (!isPositiveInt(concurrentChunks)) {
    throw new InvalidOptionError('concurrentChunks', concurrentChunks, POSITIVE_INT);
  }
  const timeout = o.timeout ?? undefined;
  if (timeout !== undefined && !isTimeoutSeconds(timeout)) {
    throw new InvalidOptionError('timeout', timeout, TIMEOUT_ALLOWED);
  }
  const retries = o.retries ?? 0;
  if (!(typeof retries === 'number' && Number.isSafeInteger(retries) && retries >= 0)) {
    throw new InvalidOptionError('retries', retries, 'a non-negative integer (0 = no retries)');
  }
  const backoffMs = o.backoffMs ?? 250;
  if (!(typeof backoffMs === 'number' && Number.isFinite(backoffMs) && backoffMs >= 0)) {
    throw new InvalidOptionError('backoffMs', backoffMs, 'a non-negative number of milliseconds');
  }
  const onError = o.onError ?? 'row-status';
  if (!ON_ERROR.includes(onError as OnError)) {
    throw new InvalidOptionError('onError', onError, ON_ERROR.map((v) => `'${v}'`).join(' or '));
  }
  if (given(o.onProgress) && typeof o.onProgress !== 'function') {
    throw new InvalidOptionError('onProgress', o.onProgress, 'a function (event) => void');
  }
  if (given(o.onChunkOutput) && typeof o.onChunkOutput !== 'function') {
    throw new InvalidOptionError('onChunkOutput', o.onChunkOutput, 'a function (chunk, output) => void');
  }
  if (given(o.signal) && !isAbortSignal(o.signal)) {
    throw new InvalidOptionError('signal', o.signal, 'an AbortSignal (from new AbortController().signal)');
  }
  return { concurrentChunks, timeout: timeout as number | undefined, retries, backoffMs, onError: onError as OnError };
}

function isAbortSignal(v: unknown): v is AbortSignal {
  return typeof v === 'object' && v !== null && 'aborted' in v && typeof (v as AbortSignal).addEventListener === 'function';
}
