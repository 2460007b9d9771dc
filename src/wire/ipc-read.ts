// Reads the Arrow IPC streams the queue's hot path exchanges — one schema of utf8 and
// list<float32|float64> columns, one record batch, no compression or dictionaries — into
// WireColumns that are views of the received bytes. Anything else (more batches, other types,
// damaged bytes) returns undefined and the caller reads it with apache-arrow, which handles every
// stream and words the errors; this reader only has to be right about what it accepts.
import { Field } from 'apache-arrow/fb/field';
import { FloatingPoint } from 'apache-arrow/fb/floating-point';
import type { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { MetadataVersion } from 'apache-arrow/fb/metadata-version';
import { Precision } from 'apache-arrow/fb/precision';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema } from 'apache-arrow/fb/schema';
import { Type } from 'apache-arrow/fb/type';
import type { FloatListColumn, Utf8Column, WireBatch, WireColumn } from './columns';
import { bytesAfterEnd, readFrame } from './ipc-frame';

type FieldShape = { name: string; type: WireColumn['type'] };

/** The next message's metadata and where its body starts; null at end of stream, undefined when damaged. */
function nextMessage(bytes: Uint8Array, view: DataView, pos: number): { message: Message; bodyStart: number } | null | undefined {
  const f = readFrame(bytes, view, pos);
  return f.kind === 'end' ? null : f.kind === 'damaged' ? undefined : f;
}

function fieldShape(f: Field): FieldShape | undefined {
  const name = f.name();
  if (name === null || f.dictionary() !== null) return undefined;
  const t = f.typeType();
  if (t === Type.Utf8 && f.childrenLength() === 0) return { name, type: 'utf8' };
  if (t === Type.List && f.childrenLength() === 1) {
    const child = f.children(0);
    if (!child || child.typeType() !== Type.FloatingPoint || child.dictionary() !== null || child.childrenLength() !== 0) return undefined;
    const fp = child.type(new FloatingPoint()) as FloatingPoint | null;
    const p = fp?.precision();
    if (p === Precision.SINGLE) return { name, type: 'list<float32>' };
    if (p === Precision.DOUBLE) return { name, type: 'list<float64>' };
  }
  return undefined;
}

/** A typed view of body bytes; copied when the bytes are not aligned for the element type. */
type TypedCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number };
function typed<T extends Int32Array | Float32Array | Float64Array>(Ctor: TypedCtor<T>, bytes: Uint8Array, start: number, count: number): T {
  const at = bytes.byteOffset + start;
  if (at % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, at, count);
  const out = new Ctor(count);
  new Uint8Array(out.buffer).set(bytes.subarray(start, start + count * Ctor.BYTES_PER_ELEMENT));
  return out;
}

/** Offsets that start at or after 0, never decrease, and end within `limit`. */
function offsetsOk(o: Int32Array, length: number, limit: number): boolean {
  if (o[0] < 0) return false;
  for (let i = 0; i < length; i++) if (o[i + 1] < o[i]) return false;
  return o[length] <= limit;
}

/**
 * Decodes a single-batch stream of utf8 / list<float> columns; undefined when the stream is
 * anything else (the caller then uses apache-arrow).
 */
export function readIpcStream(bytes: Uint8Array): WireBatch | undefined {
  try {
    // A plain view: Node's Buffer.subarray (what a server body is) costs several times a
    // Uint8Array's, and every column below is a subarray.
    return read(Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return undefined;
  }
}

function read(bytes: Uint8Array): WireBatch | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = nextMessage(bytes, view, 0);
  if (!first || first.message.headerType() !== MessageHeader.Schema || first.message.version() < MetadataVersion.V4) return undefined;
  const schema = first.message.header(new Schema()) as Schema | null;
  if (!schema || schema.endianness() !== 0) return undefined;
  const shapes: FieldShape[] = [];
  for (let i = 0; i < schema.fieldsLength(); i++) {
    const f = schema.fields(i);
    const shape = f ? fieldShape(f) : undefined;
    if (!shape) return undefined;
    shapes.push(shape);
  }
  const schemaBody = Number(first.message.bodyLength());
  const second = nextMessage(bytes, view, first.bodyStart + schemaBody);
  // Before V4 a batch used another buffer layout: leave such (old) streams to apache-arrow.
  if (!second || second.message.headerType() !== MessageHeader.RecordBatch || second.message.version() < MetadataVersion.V4) return undefined;
  const batch = second.message.header(new RecordBatch()) as RecordBatch | null;
  if (!batch || batch.compression() !== null) return undefined;
  const bodyLength = Number(second.message.bodyLength());
  const bodyStart = second.bodyStart;
  if (bodyStart + bodyLength > bytes.byteLength) return undefined;
  // Exactly one batch: a second one (or a dictionary) goes to the general reader.
  const after = readFrame(bytes, view, bodyStart + bodyLength);
  if (after.kind !== 'end' || bytesAfterEnd(bytes, after.next) > 0) return undefined;

  const rows = Number(batch.length());
  let node = 0;
  let buf = 0;
  const takeNode = () => {
    const n = batch.nodes(node++);
    if (!n) throw new RangeError('missing field node');
    return { length: Number(n.length()), nullCount: Number(n.nullCount()) };
  };
  /** The next buffer; its start must be aligned to `width` bytes in the stream, as Arrow requires. */
  const takeBuffer = (width = 1) => {
    const b = batch.buffers(buf++);
    if (!b) throw new RangeError('missing buffer');
    const offset = Number(b.offset());
    const length = Number(b.length());
    if (offset < 0 || length < 0 || offset + length > bodyLength) throw new RangeError('buffer outside the body');
    if ((bodyStart + offset) % width !== 0) throw new RangeError('misaligned buffer');
    return { start: bodyStart + offset, length };
  };
  const validity = (length: number, nullCount: number, b: { start: number; length: number }): Uint8Array | null | undefined => {
    if (nullCount === 0) return null;
    if (b.length < Math.ceil(length / 8)) return undefined;
    return bytes.subarray(b.start, b.start + b.length);
  };

  const columns: WireColumn[] = [];
  for (const shape of shapes) {
    const { length, nullCount } = takeNode();
    if (length !== rows || nullCount < 0 || nullCount > length) return undefined;
    const valid = validity(length, nullCount, takeBuffer());
    if (valid === undefined) return undefined;
    const ob = takeBuffer(4);
    if (ob.length < (length + 1) * 4) return undefined;
    const offsets = typed(Int32Array, bytes, ob.start, length + 1);
    if (shape.type === 'utf8') {
      const db = takeBuffer();
      if (!offsetsOk(offsets, length, db.length)) return undefined;
      const col: Utf8Column = { type: 'utf8', name: shape.name, length, nullCount, validity: valid, offsets, data: bytes.subarray(db.start, db.start + db.length) };
      columns.push(col);
      continue;
    }
    const child = takeNode();
    takeBuffer(); // the child's validity: unused, since it must have no nulls
    const width = shape.type === 'list<float64>' ? 8 : 4;
    const vb = takeBuffer(width);
    // Null floats inside a vector have no JS value here: the general reader handles those.
    if (child.nullCount !== 0) return undefined;
    if (!offsetsOk(offsets, length, child.length) || vb.length < child.length * width) return undefined;
    const values = width === 8 ? typed(Float64Array, bytes, vb.start, child.length) : typed(Float32Array, bytes, vb.start, child.length);
    const col: FloatListColumn = { type: shape.type, name: shape.name, length, nullCount, validity: valid, offsets, values };
    columns.push(col);
  }
  if (node !== batch.nodesLength() || buf !== batch.buffersLength()) return undefined;
  return { rows, columns };
}
