// A compact binary encoding of row values and results for the Redis store: typed arrays (the
// embeddings) are stored as their raw bytes, never as JSON float text, and every value comes back
// with the same JS type it went in with (Float32Array stays Float32Array, number[] stays number[]).
import { EmbedbookError } from '../../core/errors';
import { isRowError, ROW_ERROR_CODE, toRowError } from '../../core/row-error';
import type { RowError } from '../../core/types';

/** A value the codec cannot store (a function, a symbol, a Map, a class instance…). */
export class UnsupportedValueError extends EmbedbookError {
  override readonly name = 'UnsupportedValueError';
  constructor(what: string, path: string) {
    super(
      `Cannot store ${what} at ${path || 'the top level'} in the Redis queue store: values must be null, booleans, numbers, ` +
        'strings, arrays, plain objects, Float32Array, Float64Array, Int32Array or Uint8Array. Convert it in the handler.',
    );
  }
}

/** The bytes are not a value this codec wrote (corrupt key, or another program's data). */
export class CorruptValueError extends EmbedbookError {
  override readonly name = 'CorruptValueError';
  constructor(detail: string) {
    super(`Cannot decode a stored queue value: ${detail}. Is another program writing under this key prefix?`);
  }
}

// The tag values are part of the stored format (a Redis shared by servers of different versions):
// never renumber one, only add.
const enum Tag {
  Null = 0, Undefined = 1, False = 2, True = 3, Number = 4, String = 5,
  Array = 6, Object = 11,
  /** A plain array whose items are all numbers: n float64s, decoded back to number[]. */
  NumberArray = 12,
  Float32 = 7, Float64 = 8, Int32 = 9, Uint8 = 10,
}

type TypedArrayClass = (new (buffer: ArrayBuffer) => ArrayBufferView & { length: number }) & { BYTES_PER_ELEMENT: number };

/** Typed arrays stored as their raw bytes (u32 item count, then the items), one table both ways. */
const TYPED_ARRAYS: ReadonlyArray<readonly [Tag, TypedArrayClass]> = [
  [Tag.Float32, Float32Array],
  [Tag.Float64, Float64Array],
  [Tag.Int32, Int32Array],
  [Tag.Uint8, Uint8Array],
];
const TYPED_BY_TAG = new Map<number, TypedArrayClass>(TYPED_ARRAYS);

class Writer {
  buf = Buffer.allocUnsafe(256);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }
  bytes(view: ArrayBufferView): void {
    const src = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    this.room(src.length);
    src.copy(this.buf, this.len);
    this.len += src.length;
  }
  str(s: string): void {
    const n = Buffer.byteLength(s);
    this.u32(n);
    this.room(n);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
  }
}

function write(w: Writer, v: unknown, path: string): void {
  if (v === null) return w.u8(Tag.Null);
  if (v === undefined) return w.u8(Tag.Undefined);
  if (v === true) return w.u8(Tag.True);
  if (v === false) return w.u8(Tag.False);
  if (typeof v === 'number') {
    w.u8(Tag.Number);
    return w.f64(v);
  }
  if (typeof v === 'string') {
    w.u8(Tag.String);
    return w.str(v);
  }
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === 'number')) {
      w.u8(Tag.NumberArray);
      w.u32(v.length);
      return w.bytes(Float64Array.from(v as number[]));
    }
    w.u8(Tag.Array);
    w.u32(v.length);
    v.forEach((x, i) => write(w, x, `${path}[${i}]`));
    return;
  }
  for (const [tag, ctor] of TYPED_ARRAYS) {
    if (v instanceof ctor && v.constructor === ctor) {
      const view = v as ArrayBufferView & { length: number };
      w.u8(tag);
      w.u32(view.length);
      return w.bytes(view);
    }
  }
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const entries = Object.entries(v as Record<string, unknown>);
    w.u8(Tag.Object);
    w.u32(entries.length);
    for (const [k, x] of entries) {
      w.str(k);
      write(w, x, `${path}.${k}`);
    }
    return;
  }
  const what = typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'non-plain'} object` : `a ${typeof v}`;
  throw new UnsupportedValueError(what, path);
}

/** Encodes one value (a row's argument list, or a result). */
export function encodeValue(v: unknown): Buffer {
  const w = new Writer();
  write(w, v, '');
  return w.buf.subarray(0, w.len);
}

class Reader {
  at = 0;
  constructor(private readonly buf: Buffer) {}
  need(n: number): void {
    if (this.at + n > this.buf.length) throw new CorruptValueError(`truncated at byte ${this.at} of ${this.buf.length}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.at++];
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  /** A copy, so the typed array is aligned and owns its memory. */
  copy(n: number): ArrayBuffer {
    this.need(n);
    const out = new ArrayBuffer(n);
    this.buf.copy(new Uint8Array(out), 0, this.at, this.at + n);
    this.at += n;
    return out;
  }
  str(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
}

function read(r: Reader): unknown {
  const tag = r.u8();
  switch (tag) {
    case Tag.Null: return null;
    case Tag.Undefined: return undefined;
    case Tag.False: return false;
    case Tag.True: return true;
    case Tag.Number: return r.f64();
    case Tag.String: return r.str();
    case Tag.Array: {
      const n = r.u32();
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = read(r);
      return out;
    }
    case Tag.NumberArray: {
      const n = r.u32();
      return Array.from(new Float64Array(r.copy(n * 8)));
    }
    case Tag.Object: {
      const n = r.u32();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = r.str();
        // defineProperty: a key named "__proto__" stays a plain key, as JSON.parse would keep it.
        Object.defineProperty(out, k, { value: read(r), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    default: {
      const ctor = TYPED_BY_TAG.get(tag);
      if (ctor === undefined) throw new CorruptValueError(`unknown tag ${tag} at byte ${r.at - 1}`);
      return new ctor(r.copy(r.u32() * ctor.BYTES_PER_ELEMENT));
    }
  }
}

export function decodeValue(buf: Buffer): unknown {
  const r = new Reader(buf);
  const v = read(r);
  if (r.at !== buf.length) throw new CorruptValueError(`${buf.length - r.at} trailing bytes`);
  return v;
}

/**
 * A failed row's `{ code, message }` as the Redis status hash keeps it: JSON text (never equal to
 * the 'ok' that marks an ok row, so the Lua scripts need not look inside it).
 */
export function encodeRowError(error: RowError): string {
  return JSON.stringify({ code: error.code, message: error.message });
}

/** encodeRowError's text → RowError; any other text (not written by it) is kept as a ROW_ERROR message. */
export function decodeRowError(text: string): RowError {
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRowError(parsed)) return toRowError(parsed) as RowError;
    } catch {
      // not JSON: kept as text below
    }
  }
  return { code: ROW_ERROR_CODE, message: text };
}
