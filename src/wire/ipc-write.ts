// Writes WireColumns as an Arrow IPC stream (schema, one record batch, end-of-stream). apache-arrow
// encodes both messages' flatbuffer metadata (Message.encode, the code its own writer runs); this
// file only lays the columns' buffers out behind them, as its writer would (each 8-byte aligned),
// in one allocation. Its Table/RecordBatchWriter path (stream sink, visitors, chunk joining) cost
// several times the whole encode for the queue's small per-call streams (bench/queue-ab.bench.ts).
// A schema's metadata is the same for every call of a function: it is encoded once per shape.
import { Field, Float32, Float64, List, Message, Schema, Utf8 } from 'apache-arrow';
import { BufferRegion, FieldNode, RecordBatch as BatchHeader } from 'apache-arrow/ipc/metadata/message';
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

/** A column's body buffers in Arrow's order (validity, offsets, data | child validity, child values), rebased to offset 0. */
function columnBuffers(c: WireColumn, nodes: FieldNode[], buffers: Uint8Array[]): void {
  const n = c.length;
  const first = c.offsets[0];
  // A column sliced out of a larger one starts at a non-zero offset: the stream's start at 0.
  const offsets = first === 0 ? c.offsets.subarray(0, n + 1) : c.offsets.subarray(0, n + 1).map((o) => o - first);
  const validity = c.nullCount > 0 && c.validity ? c.validity.subarray(0, Math.ceil(n / 8)) : EMPTY;
  nodes.push(new FieldNode(n, c.nullCount));
  buffers.push(validity, bytesOf(offsets));
  const end = c.offsets[n];
  if (c.type === 'utf8') {
    buffers.push(c.data.subarray(first, end));
    return;
  }
  nodes.push(new FieldNode(end - first, 0));
  buffers.push(EMPTY, bytesOf(c.values.subarray(first, end)));
}

const EMPTY = new Uint8Array(0);
const bytesOf = (a: Int32Array | Float32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The columns (all `rows` long) as a complete IPC stream. */
export function writeIpcStream(columns: WireColumn[], rows: number): Uint8Array {
  for (const c of columns) {
    if (c.length !== rows) throw new RangeError(`column "${c.name}" has ${c.length} rows, the batch ${rows}`);
  }
  const schema = schemaMessage(columns);
  const nodes: FieldNode[] = [];
  const buffers: Uint8Array[] = [];
  for (const c of columns) columnBuffers(c, nodes, buffers);
  const regions: BufferRegion[] = [];
  let bodyLength = 0;
  for (const b of buffers) {
    regions.push(new BufferRegion(bodyLength, b.byteLength));
    bodyLength += pad8(b.byteLength);
  }
  const batch = Message.encode(Message.from(new BatchHeader(rows, nodes, regions, null), bodyLength));
  const schemaFrame = pad8(8 + schema.byteLength);
  const batchFrame = pad8(8 + batch.byteLength);
  const out = new Uint8Array(schemaFrame + batchFrame + bodyLength + 8);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [meta, frame] of [[schema, schemaFrame], [batch, batchFrame]] as const) {
    view.setUint32(at, CONTINUATION, true);
    view.setInt32(at + 4, frame - 8, true);
    out.set(meta, at + 8);
    at += frame;
  }
  for (let i = 0; i < buffers.length; i++) out.set(buffers[i], at + regions[i].offset);
  // End of stream: the continuation marker and a zero length (the bytes are already zero).
  view.setUint32(at + bodyLength, CONTINUATION, true);
  return out;
}
