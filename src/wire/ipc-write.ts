// Writes WireColumns as an Arrow IPC stream (schema, one record batch, end-of-stream), the format
// of https://arrow.apache.org/docs/format/Columnar.html#serialization-and-interprocess-communication-ipc.
// apache-arrow's writer is general and, run once per chunk between model runs (cold caches), costs
// 0.3–0.5 ms per stream here; this writes the two shapes the queue sends in tens of microseconds.
// Any Arrow reader reads the result (tests read it back with apache-arrow).
import { Builder } from 'flatbuffers';
import { Buffer as FbBuffer } from 'apache-arrow/fb/buffer';
import { Field } from 'apache-arrow/fb/field';
import { FieldNode } from 'apache-arrow/fb/field-node';
import { FloatingPoint } from 'apache-arrow/fb/floating-point';
import { List } from 'apache-arrow/fb/list';
import { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { MetadataVersion } from 'apache-arrow/fb/metadata-version';
import { Precision } from 'apache-arrow/fb/precision';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema } from 'apache-arrow/fb/schema';
import { Type } from 'apache-arrow/fb/type';
import { Utf8 } from 'apache-arrow/fb/utf8';
import type { WireColumn } from './columns';

const CONTINUATION = 0xffffffff;
const pad8 = (n: number) => (n + 7) & ~7;

/** A nullable field; `type` is the finished type table, `children` an optional field vector. */
function field(b: Builder, name: string, typeType: Type, type: number, children?: number): number {
  const nameOff = b.createString(name);
  Field.startField(b);
  Field.addName(b, nameOff);
  Field.addNullable(b, true);
  Field.addTypeType(b, typeType);
  Field.addType(b, type);
  if (children !== undefined) Field.addChildren(b, children);
  return Field.endField(b);
}

function columnField(b: Builder, col: WireColumn): number {
  if (col.type === 'utf8') {
    Utf8.startUtf8(b);
    return field(b, col.name, Type.Utf8, Utf8.endUtf8(b));
  }
  FloatingPoint.startFloatingPoint(b);
  FloatingPoint.addPrecision(b, col.type === 'list<float64>' ? Precision.DOUBLE : Precision.SINGLE);
  // The child is named "item", as apache-arrow and pyarrow name it.
  const child = field(b, 'item', Type.FloatingPoint, FloatingPoint.endFloatingPoint(b));
  const children = Field.createChildrenVector(b, [child]);
  List.startList(b);
  return field(b, col.name, Type.List, List.endList(b), children);
}

/** One encapsulated message: continuation marker, metadata length, metadata padded to 8. */
function frame(b: Builder, header: number, headerType: MessageHeader, bodyLength: number): Uint8Array {
  Message.startMessage(b);
  Message.addVersion(b, MetadataVersion.V5);
  Message.addHeaderType(b, headerType);
  Message.addHeader(b, header);
  Message.addBodyLength(b, BigInt(bodyLength));
  b.finish(Message.endMessage(b));
  const meta = b.asUint8Array();
  const metaLen = pad8(8 + meta.length) - 8;
  const out = new Uint8Array(8 + metaLen);
  const view = new DataView(out.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, metaLen, true);
  out.set(meta, 8);
  return out;
}

function schemaMessage(columns: WireColumn[]): Uint8Array {
  const b = new Builder(256);
  const fields = Schema.createFieldsVector(b, columns.map((c) => columnField(b, c)));
  Schema.startSchema(b);
  Schema.addFields(b, fields);
  return frame(b, Schema.endSchema(b), MessageHeader.Schema, 0);
}

const schemaCache = new Map<string, Uint8Array>();

/** The schema message of a column list; the same few shapes recur, so it is built once each. */
function cachedSchema(columns: WireColumn[]): Uint8Array {
  const key = columns.map((c) => `${c.type}:${c.name}`).join('\u0000');
  let bytes = schemaCache.get(key);
  if (!bytes) {
    bytes = schemaMessage(columns);
    if (schemaCache.size < 64) schemaCache.set(key, bytes);
  }
  return bytes;
}

/** Buffers of every column in the order IPC lists them (validity, offsets, data; list child after). */
function bodyParts(columns: WireColumn[]): { nodes: Array<{ length: number; nullCount: number }>; buffers: Uint8Array[] } {
  const nodes: Array<{ length: number; nullCount: number }> = [];
  const buffers: Uint8Array[] = [];
  const empty = new Uint8Array(0);
  const bytesOf = (a: ArrayBufferView, count: number, width: number) => new Uint8Array(a.buffer, a.byteOffset, count * width);
  for (const c of columns) {
    nodes.push({ length: c.length, nullCount: c.nullCount });
    buffers.push(c.nullCount > 0 && c.validity ? c.validity.subarray(0, Math.ceil(c.length / 8)) : empty);
    buffers.push(bytesOf(c.offsets, c.length + 1, 4));
    if (c.type === 'utf8') {
      buffers.push(c.data.subarray(0, c.offsets[c.length]));
    } else {
      const n = c.offsets[c.length];
      nodes.push({ length: n, nullCount: 0 });
      buffers.push(empty);
      buffers.push(bytesOf(c.values, n, c.values.BYTES_PER_ELEMENT));
    }
  }
  return { nodes, buffers };
}

/** The columns (all `rows` long) as a complete IPC stream. */
export function writeIpcStream(columns: WireColumn[], rows: number): Uint8Array {
  for (const c of columns) {
    if (c.length !== rows) throw new RangeError(`column "${c.name}" has ${c.length} rows, the batch ${rows}`);
  }
  const schema = cachedSchema(columns);
  const { nodes, buffers } = bodyParts(columns);
  const spans: Array<{ offset: number; length: number }> = [];
  let bodyLength = 0;
  for (const buf of buffers) {
    spans.push({ offset: bodyLength, length: buf.byteLength });
    bodyLength += pad8(buf.byteLength);
  }
  const b = new Builder(512);
  // Flatbuffer vectors of structs are written back to front.
  RecordBatch.startBuffersVector(b, spans.length);
  for (let i = spans.length - 1; i >= 0; i--) FbBuffer.createBuffer(b, BigInt(spans[i].offset), BigInt(spans[i].length));
  const bufferVec = b.endVector();
  RecordBatch.startNodesVector(b, nodes.length);
  for (let i = nodes.length - 1; i >= 0; i--) FieldNode.createFieldNode(b, BigInt(nodes[i].length), BigInt(nodes[i].nullCount));
  const nodeVec = b.endVector();
  RecordBatch.startRecordBatch(b);
  RecordBatch.addLength(b, BigInt(rows));
  RecordBatch.addNodes(b, nodeVec);
  RecordBatch.addBuffers(b, bufferVec);
  const batch = frame(b, RecordBatch.endRecordBatch(b), MessageHeader.RecordBatch, bodyLength);

  const out = new Uint8Array(schema.byteLength + batch.byteLength + bodyLength + 8);
  out.set(schema, 0);
  out.set(batch, schema.byteLength);
  let at = schema.byteLength + batch.byteLength;
  for (let i = 0; i < buffers.length; i++) out.set(buffers[i], at + spans[i].offset);
  at += bodyLength;
  // End of stream: continuation marker and a zero metadata length.
  new DataView(out.buffer).setUint32(at, CONTINUATION, true);
  return out;
}
