// Reads the Arrow IPC streams the queue's hot path exchanges — one record batch of utf8 and
// list<float32|float64> columns — into WireColumns that are views of the received bytes.
// apache-arrow decodes each message's flatbuffer metadata (Message.decode: the schema's fields and
// types, the batch's nodes and buffer regions) and makes each column's Data (makeData); this file
// only maps the batch's buffers onto those two column layouts, the step apache-arrow's
// tableFromIPC does through its RecordBatchReader, visitors and Table, which cost several times
// the whole decode for the queue's small per-call streams (bench/queue-ab.bench.ts). Anything
// else (more batches, other types, dictionaries, compression, damaged bytes) returns undefined and
// the caller reads it as an apache-arrow Table, where the general checks word the error.
//
// Order matters: the stream's metadata is checked (ipc-guard) before anything is sized from it,
// and every column's buffers are checked against the values they claim (arrow-data-check) before
// a value is read.
import { Message, MessageHeader, MetadataVersion, Precision, Type, makeData, type Data, type DataType, type Field, type Float, type List, type Schema, type Utf8 } from 'apache-arrow';
import type { BufferRegion, FieldNode, RecordBatch as BatchHeader } from 'apache-arrow/ipc/metadata/message';
import { columnDataProblem } from './arrow-data-check';
import type { FloatListColumn, Utf8Column, WireBatch, WireColumn } from './columns';
import { bytesAfterEnd, readFrame } from './ipc-frame';
import { ipcStreamProblem } from './ipc-guard';

/**
 * Decoded schemas by their metadata bytes: every call of a function sends (and every answer
 * carries) the same schema message, so it is decoded once. Few entries, oldest dropped first;
 * a lookup compares a few hundred bytes, far less than decoding them.
 */
const schemaCache: Array<{ meta: Uint8Array; decoded: Decoded }> = [];
const MAX_CACHED_SCHEMAS = 16;

/** A message's decoded metadata (apache-arrow's Message.header() decodes anew on every call). */
interface Decoded {
  message: Message;
  header: unknown;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The decoded metadata; a schema message's from the cache when its bytes were seen before. */
function decodeMessage(meta: Uint8Array): Decoded {
  for (const entry of schemaCache) if (sameBytes(entry.meta, meta)) return entry.decoded;
  const message = Message.decode(meta);
  const decoded = { message, header: message.header() };
  if (message.headerType === MessageHeader.Schema) {
    if (schemaCache.length >= MAX_CACHED_SCHEMAS) schemaCache.shift();
    schemaCache.push({ meta: meta.slice(), decoded });
  }
  return decoded;
}

/** The stream's two messages' metadata and where the batch's body starts; undefined when not one schema + one batch. */
function schemaAndBatch(bytes: Uint8Array): { schema: Schema; batch: BatchHeader; body: number; bodyLength: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoded: Array<Decoded & { body: number }> = [];
  let pos = 0;
  for (;;) {
    const f = readFrame(bytes, view, pos);
    if (f.kind === 'damaged') return undefined;
    if (f.kind === 'end') {
      if (bytesAfterEnd(bytes, f.next) > 0) return undefined;
      break;
    }
    // Exactly one schema and one batch: a second batch (or a dictionary) goes to the general reader.
    if (decoded.length === 2) return undefined;
    const d = decodeMessage(bytes.subarray(f.bodyStart - f.metaLength, f.bodyStart));
    decoded.push({ ...d, body: f.bodyStart });
    pos = f.bodyStart + d.message.bodyLength;
  }
  const [first, second] = decoded;
  // Before V4 a batch used another buffer layout: leave such (old) streams to apache-arrow.
  if (!first || !second || first.message.version < MetadataVersion.V4 || second.message.version < MetadataVersion.V4) return undefined;
  if (first.message.headerType !== MessageHeader.Schema || second.message.headerType !== MessageHeader.RecordBatch) return undefined;
  const schema = first.header as Schema;
  const batch = second.header as BatchHeader;
  if (schema.dictionaries.size > 0 || batch.compression !== null) return undefined;
  return { schema, batch, body: second.body, bodyLength: second.message.bodyLength };
}

/** The next node and buffers of a batch, in Arrow's depth-first order. */
class BatchCursor {
  private node = 0;
  private buffer = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly batch: BatchHeader,
    private readonly body: number,
    private readonly bodyLength: number,
  ) {}

  nextNode(): FieldNode | undefined {
    return this.batch.nodes[this.node++];
  }

  /** The next buffer's bytes; undefined when missing, outside the body, or not aligned to `width` in the stream as Arrow requires. */
  nextBuffer(width = 1): Uint8Array | undefined {
    const b: BufferRegion | undefined = this.batch.buffers[this.buffer++];
    if (!b || b.offset < 0 || b.length < 0 || b.offset + b.length > this.bodyLength || (this.body + b.offset) % width !== 0) return undefined;
    return this.bytes.subarray(this.body + b.offset, this.body + b.offset + b.length);
  }

  usedAll(): boolean {
    return this.node === this.batch.nodes.length && this.buffer === this.batch.buffers.length;
  }
}

/** Bytes as elements of `Ctor`: a view when aligned in memory, a copy when not. */
function typed<T extends Int32Array | Float32Array | Float64Array>(Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; new (n: number): T; BYTES_PER_ELEMENT: number }, bytes: Uint8Array): T {
  const n = Math.floor(bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, bytes.byteOffset, n);
  const out = new Ctor(n);
  new Uint8Array(out.buffer).set(bytes.subarray(0, n * Ctor.BYTES_PER_ELEMENT));
  return out;
}

/** A validity bitmap when the node has nulls (null when it has none). */
const bitmap = (node: FieldNode, bytes: Uint8Array) => (node.nullCount > 0 ? bytes : undefined);

function utf8Data(type: DataType, node: FieldNode, at: BatchCursor): Data<Utf8> | undefined {
  const validity = at.nextBuffer();
  const offsets = at.nextBuffer(4);
  const data = at.nextBuffer();
  if (!validity || !offsets || !data) return undefined;
  return makeData({ type: type as Utf8, length: node.length, nullCount: node.nullCount, nullBitmap: bitmap(node, validity), valueOffsets: typed(Int32Array, offsets), data });
}

function floatListData(field: Field, node: FieldNode, at: BatchCursor): Data<List> | undefined {
  const type = field.type as List;
  const childType = type.children[0]?.type as DataType | undefined;
  if (type.children.length !== 1 || childType?.typeId !== Type.Float) return undefined;
  const precision = (childType as Float).precision;
  if (precision !== Precision.SINGLE && precision !== Precision.DOUBLE) return undefined;
  const validity = at.nextBuffer();
  const offsets = at.nextBuffer(4);
  const childNode = at.nextNode();
  const childValidity = at.nextBuffer();
  const width = precision === Precision.DOUBLE ? 8 : 4;
  const values = at.nextBuffer(width);
  if (!validity || !offsets || !childNode || !childValidity || !values) return undefined;
  const floats = width === 8 ? typed(Float64Array, values) : typed(Float32Array, values);
  const child = makeData({ type: childType as Float, length: childNode.length, nullCount: childNode.nullCount, nullBitmap: bitmap(childNode, childValidity), data: floats });
  return makeData({ type, length: node.length, nullCount: node.nullCount, nullBitmap: bitmap(node, validity), valueOffsets: typed(Int32Array, offsets), child });
}

/** The validity bitmap a column needs: null when it has no nulls, undefined when the bitmap is missing. */
function validityOf(d: Data): Uint8Array | null | undefined {
  if (d.nullCount === 0) return null;
  const bitmap = d.nullBitmap as Uint8Array | undefined;
  return bitmap && bitmap.length * 8 >= d.length ? bitmap : undefined;
}

function wireColumn(name: string, d: Data): WireColumn | undefined {
  const validity = validityOf(d);
  if (validity === undefined) return undefined;
  if (d.typeId === Type.Utf8) {
    const col: Utf8Column = { type: 'utf8', name, length: d.length, nullCount: d.nullCount, validity, offsets: d.valueOffsets as Int32Array, data: d.values as Uint8Array };
    return col;
  }
  const child = d.children[0] as Data;
  // Null floats inside a vector have no JS value here: the general reader handles those.
  if (child.nullCount !== 0) return undefined;
  const col: FloatListColumn = {
    type: (child.type as Float).precision === Precision.DOUBLE ? 'list<float64>' : 'list<float32>',
    name,
    length: d.length,
    nullCount: d.nullCount,
    validity,
    offsets: d.valueOffsets as Int32Array,
    values: child.values as Float32Array | Float64Array,
  };
  return col;
}

function read(bytes: Uint8Array): WireBatch | undefined {
  const stream = schemaAndBatch(bytes);
  if (!stream) return undefined;
  const { schema, batch } = stream;
  const rows = batch.length;
  const fields = schema.fields;
  if (fields.length === 0) return undefined;
  const at = new BatchCursor(bytes, batch, stream.body, stream.bodyLength);
  const columns: WireColumn[] = [];
  for (const field of fields) {
    const node = at.nextNode();
    if (!node || node.length !== rows) return undefined;
    const typeId = field.type.typeId;
    const d = typeId === Type.Utf8 ? utf8Data(field.type, node, at) : typeId === Type.List ? floatListData(field, node, at) : undefined;
    if (!d || columnDataProblem([d]) !== undefined) return undefined;
    const column = wireColumn(field.name, d);
    if (!column) return undefined;
    columns.push(column);
  }
  return at.usedAll() ? { rows, columns } : undefined;
}

/**
 * Decodes a single-batch stream of utf8 / list<float> columns; undefined when the stream is
 * anything else, or cannot be right (the caller then reads it with apache-arrow's Table and its
 * checks, which name the cause).
 */
export function readIpcStream(bytes: Uint8Array): WireBatch | undefined {
  if (bytes.byteLength === 0 || ipcStreamProblem(bytes) !== undefined) return undefined;
  try {
    // A plain view: Node's Buffer.subarray (what a server body is) costs several times a
    // Uint8Array's, and every buffer above is a subarray.
    return read(Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return undefined;
  }
}
