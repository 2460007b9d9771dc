// Writes WireColumns as an Arrow IPC stream (schema, one record batch, end-of-stream). apache-arrow
// encodes both messages' flatbuffer metadata — the schema once per shape (Message.encode: a
// schema is the same for every call of a function), the batch header per stream through its
// generated flatbuffer tables into one reused Builder (batchMeta) — and this file lays the
// columns' buffers out behind them as its writer would (each 8-byte aligned), all in one
// allocation. Its Table/RecordBatchWriter path (stream sink, visitors, chunk joining) cost several
// times the whole encode for the queue's small per-call streams (bench/queue-ab.bench.ts).
import { Field, Float32, Float64, List, Message, MessageHeader, MetadataVersion, Schema, Utf8 } from 'apache-arrow';
import { Buffer as FbBuffer } from 'apache-arrow/fb/buffer';
import { FieldNode as FbFieldNode } from 'apache-arrow/fb/field-node';
import { Message as FbMessage } from 'apache-arrow/fb/message';
import { RecordBatch as FbRecordBatch } from 'apache-arrow/fb/record-batch';
import { Builder } from 'flatbuffers';
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

/** One Builder for every batch header: cleared per stream, its buffer reused (a fresh one per stream was most of the header's cost). */
const builder = new Builder(1024);

/**
 * The record batch message's flatbuffer metadata, encoded by apache-arrow's generated flatbuffer
 * tables (fb/message, fb/record-batch: the code its Message.encode runs) into the one reused
 * Builder. Message.encode itself builds a new Builder and wrapper objects per message: about
 * 130 µs of CPU per stream on a cold path against 50 µs here (bench/queue-ab.bench.ts --cpu-prof,
 * each op once per 40 ms). `nodes` and `regions` are (length, null count) and (offset, length)
 * pairs. A view of the Builder's buffer: copy it before the next call.
 */
function batchMeta(rows: number, nodes: number[], regions: number[], bodyLength: number): Uint8Array {
  const b = builder;
  b.clear();
  // Flatbuffers are built back to front: the vectors' last entries first.
  FbRecordBatch.startNodesVector(b, nodes.length / 2);
  for (let i = nodes.length - 2; i >= 0; i -= 2) FbFieldNode.createFieldNode(b, BigInt(nodes[i]), BigInt(nodes[i + 1]));
  const nodesAt = b.endVector();
  FbRecordBatch.startBuffersVector(b, regions.length / 2);
  for (let i = regions.length - 2; i >= 0; i -= 2) FbBuffer.createBuffer(b, BigInt(regions[i]), BigInt(regions[i + 1]));
  const buffersAt = b.endVector();
  FbRecordBatch.startRecordBatch(b);
  FbRecordBatch.addLength(b, BigInt(rows));
  FbRecordBatch.addNodes(b, nodesAt);
  FbRecordBatch.addBuffers(b, buffersAt);
  const batchAt = FbRecordBatch.endRecordBatch(b);
  FbMessage.startMessage(b);
  FbMessage.addVersion(b, MetadataVersion.V5);
  FbMessage.addHeaderType(b, MessageHeader.RecordBatch);
  FbMessage.addHeader(b, batchAt);
  FbMessage.addBodyLength(b, BigInt(bodyLength));
  FbMessage.finishMessageBuffer(b, FbMessage.endMessage(b));
  return b.asUint8Array();
}

/** An IPC stream as consecutive byte ranges (see writeIpcParts). */
export interface IpcParts {
  parts: Uint8Array[];
  byteLength: number;
}

/** Zeros for the 8-byte alignment gaps between parts (never written to). */
const ZEROS = new Uint8Array(8);
/** End of stream: the continuation marker and a zero length. */
const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * The columns (all `rows` long) as a complete IPC stream in parts: the two framed metadata
 * messages in one small buffer, then the columns' own buffers as views (not copied) with their
 * alignment gaps, then the end-of-stream marker. An HTTP answer writes them as they are (part by
 * part), so a vector answer's floats go from the result store to the socket without the
 * 1.5 MB copy and allocation per 1,000 × 384-d answer that one joined buffer costs.
 */
export function writeIpcParts(columns: WireColumn[], rows: number): IpcParts {
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
  const batch = batchMeta(rows, nodes, regions, bodyLength);
  const schemaFrame = pad8(8 + schema.byteLength);
  const batchFrame = pad8(8 + batch.byteLength);
  const head = new Uint8Array(schemaFrame + batchFrame);
  const view = new DataView(head.buffer);
  let at = 0;
  for (const [meta, frame] of [[schema, schemaFrame], [batch, batchFrame]] as const) {
    view.setUint32(at, CONTINUATION, true);
    view.setInt32(at + 4, frame - 8, true);
    head.set(meta, at + 8);
    at += frame;
  }
  const parts: Uint8Array[] = [head];
  for (const b of buffers) {
    if (b.byteLength > 0) parts.push(b);
    const gap = pad8(b.byteLength) - b.byteLength;
    if (gap > 0) parts.push(ZEROS.subarray(0, gap));
  }
  parts.push(END_OF_STREAM);
  return { parts, byteLength: head.byteLength + bodyLength + END_OF_STREAM.byteLength };
}

/** The columns (all `rows` long) as a complete IPC stream in one buffer. */
export function writeIpcStream(columns: WireColumn[], rows: number): Uint8Array {
  return joinIpcParts(writeIpcParts(columns, rows));
}

/** The parts in one buffer. */
export function joinIpcParts({ parts, byteLength }: IpcParts): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(byteLength);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
