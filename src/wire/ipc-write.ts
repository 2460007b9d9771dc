// Writes WireColumns as an Arrow IPC stream (schema, one record batch, end-of-stream). apache-arrow
// encodes the schema message's flatbuffer metadata (Message.encode, once per shape: a schema is
// the same for every call of a function); the record batch's metadata has one fixed layout here
// (writeBatchMeta), and the columns' buffers are laid out behind it as apache-arrow's writer would
// (each 8-byte aligned), all in one allocation. Its Table/RecordBatchWriter path (stream sink,
// visitors, chunk joining) and its Builder for the batch header cost several times the whole
// encode for the queue's small per-call streams (bench/queue-ab.bench.ts).
import { Field, Float32, Float64, List, Message, Schema, Utf8 } from 'apache-arrow';
import type { WireColumn } from './columns';

const CONTINUATION = 0xffffffff;
const pad8 = (n: number) => (n + 7) & ~7;

const floatType = (c: WireColumn) => (c.type === 'list<float64>' ? new Float64() : new Float32());

function columnField(c: WireColumn): Field {
  // The list child is named "item", as apache-arrow and pyarrow name it.
  return new Field(c.name, c.type === 'utf8' ? new Utf8() : new List(new Field('item', floatType(c), true)), true);
}

/** Encoded schema messages by column shape; bounded, since column names come from callers. */
const schemas = new Map<string, Uint8Array>();
const MAX_SCHEMAS = 64;

function schemaMessage(columns: WireColumn[]): Uint8Array {
  const key = columns.map((c) => `${c.type}\u0000${c.name}`).join('\u0001');
  let meta = schemas.get(key);
  if (!meta) {
    meta = Message.encode(Message.from(new Schema(columns.map(columnField))));
    if (schemas.size >= MAX_SCHEMAS) schemas.clear();
    schemas.set(key, meta);
  }
  return meta;
}

/** A column's field nodes (length, null count pairs) and body buffers in Arrow's order (validity, offsets, data | child validity, child values), rebased to offset 0. */
function columnBuffers(c: WireColumn, nodes: number[], buffers: Uint8Array[]): void {
  const n = c.length;
  const first = c.offsets[0];
  // A column sliced out of a larger one starts at a non-zero offset: the stream's start at 0.
  const offsets = first === 0 ? c.offsets.subarray(0, n + 1) : c.offsets.subarray(0, n + 1).map((o) => o - first);
  const validity = c.nullCount > 0 && c.validity ? c.validity.subarray(0, Math.ceil(n / 8)) : EMPTY;
  nodes.push(n, c.nullCount);
  buffers.push(validity, bytesOf(offsets));
  const end = c.offsets[n];
  if (c.type === 'utf8') {
    buffers.push(c.data.subarray(first, end));
    return;
  }
  nodes.push(end - first, 0);
  buffers.push(EMPTY, bytesOf(c.values.subarray(first, end)));
}

const EMPTY = new Uint8Array(0);
const bytesOf = (a: Int32Array | Float32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Bytes of a record batch message's metadata with `pairs` field nodes and buffers together (see writeBatchMeta). */
const batchMetaLength = (pairs: number) => 88 + 16 * pairs;

/** A non-negative safe integer as a little-endian int64. */
function setInt64(view: DataView, at: number, v: number): void {
  view.setUint32(at, v % 0x1_0000_0000, true);
  view.setUint32(at + 4, Math.floor(v / 0x1_0000_0000), true);
}

/**
 * The record batch message's flatbuffer metadata (Message.fbs: Message { version V5, header_type
 * RecordBatch, header, bodyLength } → RecordBatch { length, nodes, buffers }), written in place
 * at `at` (8-aligned) in one fixed layout, every int64 and struct 8-byte aligned as flatbuffers
 * verifiers require. apache-arrow's Message.encode builds the same table through a flatbuffers
 * Builder (vtable dedup, growth, BigInts): most of a small answer's encode time on a cold path
 * (bench/queue-ab.bench.ts --cpu-prof). `nodes` and `regions` are (length, null count) and
 * (offset, length) pairs. Layout, from `at`:
 *   0 root offset → 16 · 4 Message vtable · 16 Message table (soffset, version, header_type,
 *   bodyLength @24, header @32 → 52) · 40 RecordBatch vtable · 52 RecordBatch table (soffset,
 *   length @56, nodes @64 → 76, buffers @68 → 84 + 16·N) · 76 N, FieldNode × N · 84 + 16·N B, Buffer × B.
 */
function writeBatchMeta(view: DataView, at: number, rows: number, nodes: number[], regions: number[], bodyLength: number): void {
  const n = nodes.length / 2;
  const b = regions.length / 2;
  view.setUint32(at, 16, true);
  // Message vtable: its size, the table's size, then each field's offset in the table.
  for (const [i, v] of [12, 24, 4, 6, 16, 8].entries()) view.setUint16(at + 4 + 2 * i, v, true);
  view.setInt32(at + 16, 12, true);
  view.setInt16(at + 20, METADATA_V5, true);
  view.setUint8(at + 22, HEADER_RECORD_BATCH);
  setInt64(view, at + 24, bodyLength);
  view.setUint32(at + 32, 52 - 32, true);
  // RecordBatch vtable and table.
  for (const [i, v] of [10, 20, 4, 12, 16].entries()) view.setUint16(at + 40 + 2 * i, v, true);
  view.setInt32(at + 52, 52 - 40, true);
  setInt64(view, at + 56, rows);
  view.setUint32(at + 64, 76 - 64, true);
  view.setUint32(at + 68, 84 + 16 * n - 68, true);
  view.setUint32(at + 76, n, true);
  for (let i = 0; i < 2 * n; i++) setInt64(view, at + 80 + 8 * i, nodes[i]);
  view.setUint32(at + 84 + 16 * n, b, true);
  for (let i = 0; i < 2 * b; i++) setInt64(view, at + 88 + 16 * n + 8 * i, regions[i]);
}

/** MetadataVersion.V5 and MessageHeader.RecordBatch in Arrow's Message.fbs. */
const METADATA_V5 = 4;
const HEADER_RECORD_BATCH = 3;

/** The columns (all `rows` long) as a complete IPC stream. */
export function writeIpcStream(columns: WireColumn[], rows: number): Uint8Array {
  for (const c of columns) {
    if (c.length !== rows) throw new RangeError(`column "${c.name}" has ${c.length} rows, the batch ${rows}`);
  }
  const schema = schemaMessage(columns);
  const nodes: number[] = [];
  const buffers: Uint8Array[] = [];
  for (const c of columns) columnBuffers(c, nodes, buffers);
  const regions: number[] = [];
  let bodyLength = 0;
  for (const b of buffers) {
    regions.push(bodyLength, b.byteLength);
    bodyLength += pad8(b.byteLength);
  }
  const schemaFrame = pad8(8 + schema.byteLength);
  const batchMeta = batchMetaLength(nodes.length / 2 + buffers.length);
  const out = new Uint8Array(schemaFrame + 8 + batchMeta + bodyLength + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, schemaFrame - 8, true);
  out.set(schema, 8);
  view.setUint32(schemaFrame, CONTINUATION, true);
  view.setInt32(schemaFrame + 4, batchMeta, true);
  writeBatchMeta(view, schemaFrame + 8, rows, nodes, regions, bodyLength);
  const at = schemaFrame + 8 + batchMeta;
  for (let i = 0; i < buffers.length; i++) out.set(buffers[i], at + regions[2 * i]);
  // End of stream: the continuation marker and a zero length (the bytes are already zero).
  view.setUint32(at + bodyLength, CONTINUATION, true);
  return out;
}
