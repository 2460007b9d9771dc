// One error class per meaning, each with a stable `name` (safe to switch on after the error has
// crossed a worker or HTTP boundary) and a message that names the bad value and how to fix it.
import type { BatchOutput } from './types';

/**
 * The one root of every error class in the project. Each subclass has a stable `name` (safe to
 * switch on after the error has crossed a worker or HTTP boundary) and so a stable `code`; its
 * plain-data fields (`details()`) travel with it through serializeError / deserializeError.
 */
export abstract class EmbedbookError extends Error {
  abstract override readonly name: string;
  /** Stable machine-readable code: the name in UPPER_SNAKE without "Error" (QueueFullError → QUEUE_FULL). */
  get code(): string {
    return errorCode(this.name);
  }
  /**
   * Plain, JSON-safe fields that describe this error (what serializeError sends). By default the
   * instance's own fields that are plain data (strings, numbers, booleans, null, arrays of them).
   */
  details(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'name' || k === 'message' || k === 'stack' || k === 'cause') continue;
      if (isPlain(v) || (Array.isArray(v) && v.every(isPlain))) out[k] = Array.isArray(v) ? [...v] : v;
    }
    return out;
  }
}

function isPlain(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** The stable code for an error name: UPPER_SNAKE without the "Error" suffix ("Error" → "ERROR"). */
export function errorCode(name: string): string {
  const base = name.endsWith('Error') && name.length > 5 ? name.slice(0, -5) : name;
  return base.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toUpperCase();
}

type ErrorClass = abstract new (...args: never[]) => EmbedbookError;
const registered = new Map<string, ErrorClass>();

/**
 * Makes classes rebuildable by deserializeError, keyed by their stable `name` (written out: a
 * minifier may rename the class itself). Each errors module registers its own classes on import.
 */
export function registerErrorClasses(classes: Record<string, ErrorClass>): void {
  for (const [name, cls] of Object.entries(classes)) registered.set(name, cls);
}

/** Renders a bad value for a message: NaN, -0, strings quoted, objects shortened. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === undefined || value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `array(${value.length})`;
  const ctor = (value as object).constructor?.name;
  if (ctor && ctor !== 'Object') return ctor;
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    json = '[object]';
  }
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** An option has a bad value, or options conflict. Names the parameter and the allowed values. */
export class InvalidOptionError extends EmbedbookError {
  override readonly name = 'InvalidOptionError';
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    readonly allowed: string,
    readonly hint?: string,
    /** How the value is shown; kept as-is when the error crosses a boundary. */
    readonly valueText: string = formatValue(value),
  ) {
    super(
      `Invalid option \`${parameter}\`: got ${valueText}; allowed: ${allowed}.` +
        (hint ? ` ${hint}` : ''),
    );
  }
  override details(): Record<string, unknown> {
    return { parameter: this.parameter, value: this.valueText, allowed: this.allowed, hint: this.hint };
  }
}

/** Something did not finish within its `timeout` (seconds). */
export class TimeoutError extends EmbedbookError {
  override readonly name = 'TimeoutError';
  /**
   * @param subject what timed out, e.g. "chunk 3 (rows 75-99)"
   * @param seconds the timeout that elapsed
   * @param hint how to fix or what happens next
   */
  constructor(
    readonly subject: string,
    readonly seconds: number,
    readonly hint = 'Raise `timeout`, lower `chunkSize`, or leave `timeout` undefined to wait forever.',
  ) {
    super(`${subject} timed out after ${seconds} s (timeout: ${seconds}). ${hint}`);
  }
  override details(): Record<string, unknown> {
    return { subject: this.subject, seconds: this.seconds, hint: this.hint };
  }
}

/**
 * The call was cancelled through its AbortSignal (or handle.cancel()). Finished chunks are kept:
 * pass `completedChunks` back as the `completed` option with the same input and chunking to resume.
 */
export class CancelledError<T = unknown> extends EmbedbookError {
  override readonly name = 'CancelledError';
  constructor(
    readonly subject = 'call',
    readonly completedChunks: ReadonlyMap<number, BatchOutput<T>> = new Map(),
    readonly totalChunks = 0,
    /** Indices of the finished chunks; survives crossing a boundary (the outputs do not). */
    readonly completedChunkIndices: readonly number[] = sortedKeys(completedChunks),
  ) {
    super(
      totalChunks > 0
        ? `${subject} cancelled with ${completedChunks.size} of ${totalChunks} chunks finished; ` +
            'pass `completed: err.completedChunks` with the same input and chunking to resume.'
        : `${subject} cancelled.`,
    );
  }
  override details(): Record<string, unknown> {
    return { subject: this.subject, totalChunks: this.totalChunks, completedChunkIndices: [...this.completedChunkIndices] };
  }
}

/** A chunk failed under onError: 'raise'. Names the chunk, the rows and the cause. */
export class ChunkFailedError<T = unknown> extends EmbedbookError {
  override readonly name = 'ChunkFailedError';
  constructor(
    readonly chunk: number,
    /** First input row of the chunk. */
    readonly offset: number,
    /** Rows in the chunk. */
    readonly rows: number,
    /** Text of the cause (also kept as `cause` when it was an Error). */
    readonly reason: string,
    /** Input rows that failed (absolute indices); empty when the whole chunk failed. */
    readonly failedRowIndices: readonly number[] = [],
    readonly completedChunks: ReadonlyMap<number, BatchOutput<T>> = new Map(),
    cause?: unknown,
    /** Indices of the finished chunks; survives crossing a boundary (the outputs do not). */
    readonly completedChunkIndices: readonly number[] = sortedKeys(completedChunks),
  ) {
    const where = failedRowIndices.length > 0 ? `rows ${listRows(failedRowIndices)} of ` : '';
    super(
      `chunk ${chunk} (${where}rows ${offset}-${offset + rows - 1}) failed: ${reason}. ` +
        "Use onError: 'row-status' to keep the good rows, or raise `retries`/`timeout`.",
      cause === undefined ? undefined : { cause },
    );
  }
  override details(): Record<string, unknown> {
    return {
      chunk: this.chunk,
      offset: this.offset,
      rows: this.rows,
      reason: this.reason,
      failedRowIndices: [...this.failedRowIndices],
      completedChunkIndices: [...this.completedChunkIndices],
    };
  }
}

/** A batch function broke its contract (wrong number of values or errors). */
export class BatchOutputError extends EmbedbookError {
  override readonly name = 'BatchOutputError';
  constructor(
    readonly field: 'values' | 'errors',
    /** null when the function returned no array at all. */
    readonly got: number | null,
    readonly expected: number,
  ) {
    super(
      (got === null
        ? `batch function returned no \`${field}\` array for ${expected} rows`
        : `batch function returned ${got} ${field} for ${expected} rows`) +
        '; it must return exactly one entry per input row, in input order.',
    );
  }
  override details(): Record<string, unknown> {
    return { field: this.field, got: this.got, expected: this.expected };
  }
}

function sortedKeys(m: ReadonlyMap<number, unknown>): number[] {
  return [...m.keys()].sort((a, b) => a - b);
}

function listRows(rows: readonly number[]): string {
  const shown = rows.slice(0, 10).join(', ');
  return rows.length > 10 ? `${shown}, … (${rows.length} in all)` : shown;
}

/** Describes any thrown value in one line: "Name: message" (just the message for plain Errors). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  return typeof e === 'string' ? e : formatValue(e);
}

/** An error as plain data, safe for postMessage, structured clone and JSON. */
export interface SerializedError {
  name: string;
  /** errorCode(name): stable, for programs. */
  code?: string;
  message: string;
  stack?: string;
  [field: string]: unknown;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof EmbedbookError) {
    return { ...e.details(), name: e.name, code: e.code, message: e.message, stack: e.stack };
  }
  if (e instanceof Error) {
    const name = e.name || 'Error';
    return { name, code: errorCode(name), message: e.message, stack: e.stack };
  }
  if (isSerializedError(e)) return { ...e, code: typeof e.code === 'string' ? e.code : errorCode(e.name) };
  return { name: 'Error', code: 'ERROR', message: describeError(e) };
}

/** An already serialized error (plain `{ name, message }` data): serializeError passes it through. */
function isSerializedError(e: unknown): e is SerializedError {
  return typeof e === 'object' && e !== null && typeof (e as SerializedError).name === 'string' && typeof (e as SerializedError).message === 'string';
}

/** Fields of a SerializedError that are not the class's own details. */
const ENVELOPE = new Set(['name', 'code', 'message', 'stack']);

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}
function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' ? v : fallback;
}
function nums(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

/** Rebuilds an error from serializeError's output; the message is kept exactly. */
export function deserializeError(s: SerializedError): Error {
  let e: Error;
  switch (s.name) {
    case 'InvalidOptionError':
      e = new InvalidOptionError(str(s.parameter), s.value, str(s.allowed), s.hint == null ? undefined : str(s.hint), str(s.value));
      break;
    case 'TimeoutError':
      e = new TimeoutError(str(s.subject), num(s.seconds), str(s.hint));
      break;
    case 'CancelledError':
      e = new CancelledError(str(s.subject, 'call'), new Map(), num(s.totalChunks), nums(s.completedChunkIndices));
      break;
    case 'ChunkFailedError':
      e = new ChunkFailedError(
        num(s.chunk),
        num(s.offset),
        num(s.rows),
        str(s.reason),
        nums(s.failedRowIndices),
        new Map(),
        undefined,
        nums(s.completedChunkIndices),
      );
      break;
    case 'BatchOutputError':
      e = new BatchOutputError(s.field === 'errors' ? 'errors' : 'values', typeof s.got === 'number' ? s.got : null, num(s.expected));
      break;
    default: {
      const cls = registered.get(s.name);
      if (cls) {
        // Rebuilt without its constructor (whose arguments did not travel): same class, name,
        // message and plain fields, so instanceof, `code` and switches on `name` work as before.
        e = Object.create(cls.prototype) as Error;
        for (const [k, v] of Object.entries(s)) if (!ENVELOPE.has(k)) Object.defineProperty(e, k, { value: v, enumerable: true, writable: true, configurable: true });
        Object.defineProperty(e, 'name', { value: s.name, enumerable: true, writable: true, configurable: true });
      } else {
        e = new Error(s.message);
        e.name = s.name;
        if (typeof s.code === 'string') Object.defineProperty(e, 'code', { value: s.code, enumerable: true });
      }
    }
  }
  Object.defineProperty(e, 'message', { value: s.message, enumerable: false, writable: true, configurable: true });
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}
