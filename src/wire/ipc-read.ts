// Reads the Arrow IPC streams the queue's hot path exchanges — one record batch of utf8 and
// list<float32|float64> columns — into WireColumns that are views of the received bytes.
// The stream check (ipc-guard) walks the messages once and hands over the batch's counts as it
// checked them (row count, field nodes, buffer regions); the schema's fields are decoded by
// apache-arrow (Message.decode) once per schema, since every call of a function sends the same
// one; this file then maps the batch's buffers onto the two column layouts and checks every
// column's buffers against the values they claim before a value is read (the same offset checks
// as arrow-data-check). apache-arrow's tableFromIPC (RecordBatchReader, visitors, Data, Table) and
// even its per-message Message.decode cost several times this for the queue's small per-call
// streams, most of it on a cold path, once per call (bench/queue-ab.bench.ts --cpu-prof). Anything
// else (more batches, other types, dictionaries, compression, damaged bytes) returns undefined and
// the caller reads it as an apache-arrow Table, where the general checks word the error.
import { Message, MessageHeader, MetadataVersion, Precision, Type, type DataType, type Float, type List, type Schema } from 'apache-arrow';
import { offsetsProblem } from './arrow-data-check';
import type { FloatListColumn, Utf8Column, WireBatch, WireColumn } from './columns';
import { sameBytes } from './ipc-frame';
import { checkIpcStream, type CheckedBatch, type CheckedMessage } from './ipc-guard';

/** How a schema's columns are read: each field's name and layout; undefined for a schema this reader leaves to apache-arrow. */
type Plan = Array<{ name: string; kind: 'utf8' | 'f32' | 'f64' }> | undefined;

function planOf(schema: Schema): Plan {
  if (schema.fields.length === 0 || schema.dictionaries.size > 0) return undefined;
  const plan: NonNullable<Plan> = [];
  for (const field of schema.fields) {
    const type: DataType = field.type;
    if (type.typeId === Type.Utf8) {
      plan.push({ name: field.name, kind: 'utf8' });
      continue;
    }
    if (type.typeId !== Type.List || (type as List).children.length !== 1) return undefined;
    const child = (type as List).children[0].type as DataType;
    if (child.typeId !== Type.Float) return undefined;
    const precision = (child as Float).precision;
    if (precision !== Precision.SINGLE && precision !== Precision.DOUBLE) return undefined;
    plan.push({ name: field.name, kind: precision === Precision.DOUBLE ? 'f64' : 'f32' });
  }
  return plan;
}

/**
 * Plans by schema metadata bytes: the same schema message comes with every call of a function (and
 * every answer), so it is decoded once. Few entries, oldest dropped first.
 */
const plans: Array<{ meta: Uint8Array; plan: Plan }> = [];
const MAX_PLANS = 16;

function schemaPlan(meta: Uint8Array): Plan {
  for (const entry of plans) if (sameBytes(entry.meta, meta)) return entry.plan;
  const message = Message.decode(meta);
  const plan = message.isSchema() ? planOf(message.header()) : undefined;
  if (plans.length >= MAX_PLANS) plans.shift();
  plans.push({ meta: meta.slice(), plan });
  return plan;
}

/** The next node and buffers of a checked batch, in Arrow's depth-first order. */
class BatchCursor {
  private node = 0;
  private buffer = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly batch: CheckedBatch,
    private readonly body: number,
  ) {}

  /** The next field node's (length, null count); undefined when there is none. */
  nextNode(): { length: number; nullCount: number } | undefined {
    const i = 2 * this.node++;
    if (i >= this.batch.nodes.length) return undefined;
    return { length: this.batch.nodes[i], nullCount: this.batch.nodes[i + 1] };
  }

  /** The next buffer's bytes (inside the body: the guard checked); undefined when missing or not aligned to `width` in the stream as Arrow requires. */
  nextBuffer(width = 1): Uint8Array | undefined {
    const i = 2 * this.buffer++;
    if (i >= this.batch.buffers.length) return undefined;
    const start = this.body + this.batch.buffers[i];
    if (start % width !== 0) return undefined;
    return this.bytes.subarray(start, start + this.batch.buffers[i + 1]);
  }

  usedAll(): boolean {
    return 2 * this.node === this.batch.nodes.length && 2 * this.buffer === this.batch.buffers.length;
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

/** The validity bitmap a column needs: null when it has no nulls, undefined when the bitmap cannot cover its rows. */
function validityOf(nullCount: number, length: number, bitmap: Uint8Array): Uint8Array | null | undefined {
  if (nullCount === 0) return null;
  return bitmap.length * 8 >= length ? bitmap : undefined;
}

function utf8Column(name: string, node: { length: number; nullCount: number }, at: BatchCursor): Utf8Column | undefined {
  const bitmap = at.nextBuffer();
  const offsetBytes = at.nextBuffer(4);
  const data = at.nextBuffer();
  if (!bitmap || !offsetBytes || !data) return undefined;
  const validity = validityOf(node.nullCount, node.length, bitmap);
  const offsets = typed(Int32Array, offsetBytes);
  if (validity === undefined || offsetsProblem(offsets, 0, node.length, data.length, 'rows') !== undefined) return undefined;
  return { type: 'utf8', name, length: node.length, nullCount: node.nullCount, validity, offsets, data };
}

function floatListColumn(name: string, f64: boolean, node: { length: number; nullCount: number }, at: BatchCursor): FloatListColumn | undefined {
  const bitmap = at.nextBuffer();
  const offsetBytes = at.nextBuffer(4);
  const child = at.nextNode();
  const childBitmap = at.nextBuffer();
  const width = f64 ? 8 : 4;
  const valueBytes = at.nextBuffer(width);
  // Null floats inside a vector have no JS value here: the general reader handles those.
  if (!bitmap || !offsetBytes || !child || !childBitmap || !valueBytes || child.nullCount !== 0) return undefined;
  const validity = validityOf(node.nullCount, node.length, bitmap);
  const offsets = typed(Int32Array, offsetBytes);
  const values = f64 ? typed(Float64Array, valueBytes) : typed(Float32Array, valueBytes);
  if (validity === undefined || values.length < child.length) return undefined;
  if (offsetsProblem(offsets, 0, node.length, child.length, 'rows') !== undefined) return undefined;
  return { type: f64 ? 'list<float64>' : 'list<float32>', name, length: node.length, nullCount: node.nullCount, validity, offsets, values };
}

function read(bytes: Uint8Array): WireBatch | undefined {
  const messages: CheckedMessage[] = [];
  if (checkIpcStream(bytes, {}, messages) !== undefined) return undefined;
  // Exactly one schema and one batch: more batches (or a dictionary) go to the general reader.
  const [schema, batchMessage] = messages;
  if (messages.length !== 2 || schema.headerType !== MessageHeader.Schema || batchMessage.headerType !== MessageHeader.RecordBatch) return undefined;
  // Before V4 a batch used another buffer layout: leave such (old) streams to apache-arrow.
  if (schema.version < MetadataVersion.V4 || batchMessage.version < MetadataVersion.V4) return undefined;
  const batch = batchMessage.batch;
  if (!batch || batch.compressed) return undefined;
  const plan = schemaPlan(schema.meta);
  if (!plan) return undefined;
  const rows = batch.rows;
  const at = new BatchCursor(bytes, batch, batchMessage.bodyStart);
  const columns: WireColumn[] = [];
  for (const field of plan) {
    const node = at.nextNode();
    if (!node || node.length !== rows) return undefined;
    const column = field.kind === 'utf8' ? utf8Column(field.name, node, at) : floatListColumn(field.name, field.kind === 'f64', node, at);
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
  if (bytes.byteLength === 0) return undefined;
  try {
    // A plain view: Node's Buffer.subarray (what a server body is) costs several times a
    // Uint8Array's, and every buffer above is a subarray.
    return read(Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return undefined;
  }
}
