// A structural check of an Arrow IPC stream's metadata before apache-arrow reads it. apache-arrow
// trusts the flatbuffer vector lengths it finds: one flipped byte in a schema can make it walk
// billions of custom-metadata entries, freezing the thread (found by flipping bytes of valid
// streams; the server reads request bodies from anyone). Every vector of N entries needs at least
// N × 4 bytes inside its message's metadata, so a length past that is impossible and the stream is
// refused here with the reason.
import { BodyCompression } from 'apache-arrow/fb/body-compression';
import { Buffer as FbBuffer } from 'apache-arrow/fb/buffer';
import { Field } from 'apache-arrow/fb/field';
import { FieldNode } from 'apache-arrow/fb/field-node';
import type { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { DictionaryBatch } from 'apache-arrow/fb/dictionary-batch';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema } from 'apache-arrow/fb/schema';
import { bytesAfterEnd, readFrame, sameBytes } from './ipc-frame';
import type { ByteBuffer } from 'flatbuffers';
import { EmbedbookError } from '../core/errors';

const MAX_DEPTH = 64;

/**
 * A little-endian int64 at `pos` as a number: exact up to 2^53, beyond that a value
 * Number.isSafeInteger refuses, as it refuses the exact one. flatbuffers' readInt64 makes several
 * BigInts per read, and a batch's metadata is mostly int64s (two per node, two per buffer).
 */
function int64(bb: ByteBuffer, pos: number): number {
  return bb.readInt32(pos + 4) * 0x1_0000_0000 + bb.readUint32(pos);
}

/** An int64 field of a table by its vtable slot offset (as the generated accessors find it; absent: 0). */
function int64Field(bb: ByteBuffer, table: number, slot: number): number {
  const o = bb.__offset(table, slot);
  return o ? int64(bb, table + o) : 0;
}

/** The vtable slot offsets of the int64 fields read here (Message.fbs: Message.bodyLength, RecordBatch.length). */
const MESSAGE_BODY_LENGTH = 10;
const RECORD_BATCH_LENGTH = 4;
/** Offsets inside the FieldNode { length, null_count } and Buffer { offset, length } structs. */
const SECOND_INT64 = 8;

/** Internal: a structural problem; its message becomes the guard's answer. */
class Malformed extends EmbedbookError {
  override readonly name = 'MalformedIpcStructureError';
}

function bound(what: string, n: number, metaLen: number, entryBytes: number): void {
  if (!Number.isInteger(n) || n < 0 || n * entryBytes > metaLen) {
    throw new Malformed(`${what} claims ${n} entries, more than its ${metaLen}-byte message can hold`);
  }
}

/**
 * Fields visited so far in one message: a real field table takes more than 4 bytes, so more than
 * metaLen / 4 of them means children point back at each other (a cycle walked over and over).
 */
interface Budget {
  fields: number;
}

function checkField(f: Field, metaLen: number, depth: number, budget: Budget): void {
  if (depth > MAX_DEPTH) throw new Malformed(`fields nested deeper than ${MAX_DEPTH}`);
  if (++budget.fields * 4 > metaLen) throw new Malformed(`more fields than a ${metaLen}-byte schema can hold`);
  bound('a field\'s custom metadata', f.customMetadataLength(), metaLen, 4);
  const children = f.childrenLength();
  bound('a field\'s children', children, metaLen, 4);
  for (let i = 0; i < children; i++) {
    const c = f.children(i);
    if (c) checkField(c, metaLen, depth + 1, budget);
  }
}

/** Limits from the reader's configuration, checked before apache-arrow sees the stream. */
export interface IpcLimits {
  /** Rows the whole stream may hold (the record batches' row counts summed). */
  maxRows?: number;
}

/** What one stream has claimed so far, against its limits. */
interface Tally {
  rows: number;
  limits: IpcLimits;
}

/**
 * A batch's counts against what its bytes can back: each buffer inside the message body, each
 * node's null count within its length, and no node longer than the batch's rows or than one bit
 * per body byte could describe (no readable type stores less). apache-arrow sizes Vectors from
 * these numbers, and the server walks every row: a forged count must stop here.
 */
function checkBatch(b: RecordBatch, metaLen: number, bodyLength: number, tally: Tally | undefined, out?: CheckedBatch): void {
  const nodes = b.nodesLength();
  const buffers = b.buffersLength();
  bound('a record batch\'s field nodes', nodes, metaLen, 16);
  bound('a record batch\'s buffers', buffers, metaLen, 16);
  bound('a record batch\'s variadic buffer counts', b.variadicBufferCountsLength(), metaLen, 8);
  const bb = b.bb as ByteBuffer;
  const rows = int64Field(bb, b.bb_pos, RECORD_BATCH_LENGTH);
  if (!Number.isSafeInteger(rows) || rows < 0) throw new Malformed(`a record batch claims ${rows} rows`);
  if (tally) {
    tally.rows += rows;
    const max = tally.limits.maxRows;
    if (max !== undefined && tally.rows > max) {
      throw new Malformed(`the stream claims ${tally.rows} rows, more than this server's limit of ${max} rows per call: send it in chunks of at most ${max} rows`);
    }
  }
  const maxLength = Math.max(rows, bodyLength * 8);
  if (out) {
    out.rows = rows;
    out.compressed = b.compression(new BodyCompression()) !== null;
  }
  const node = new FieldNode();
  for (let i = 0; i < nodes; i++) {
    const n = b.nodes(i, node);
    if (!n) continue;
    const length = int64(bb, n.bb_pos);
    const nulls = int64(bb, n.bb_pos + SECOND_INT64);
    if (!Number.isSafeInteger(length) || length < 0 || length > maxLength) {
      throw new Malformed(`field node ${i} claims ${length} values, more than a ${rows}-row batch with a ${bodyLength}-byte body can hold`);
    }
    if (!Number.isSafeInteger(nulls) || nulls < 0 || nulls > length) throw new Malformed(`field node ${i} claims ${nulls} nulls in ${length} values`);
    out?.nodes.push(length, nulls);
  }
  const region = new FbBuffer();
  for (let i = 0; i < buffers; i++) {
    const buf = b.buffers(i, region);
    if (!buf) continue;
    const offset = int64(bb, buf.bb_pos);
    const length = int64(bb, buf.bb_pos + SECOND_INT64);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bodyLength) {
      throw new Malformed(`buffer ${i} (bytes ${offset}..${offset + length}) lies outside its message's ${bodyLength}-byte body`);
    }
    out?.buffers.push(offset, length);
  }
}

/**
 * Schema metadata that passed the checks below, by its bytes: every call of a function sends (and
 * every answer carries) the same schema, and its checks depend on those bytes alone, so its fields
 * are walked once. Few entries, oldest dropped first; a lookup compares a few hundred bytes.
 */
const checkedSchemas: Uint8Array[] = [];
const MAX_CHECKED_SCHEMAS = 16;

function checkSchema(s: Schema, meta: Uint8Array): void {
  for (const seen of checkedSchemas) if (sameBytes(seen, meta)) return;
  const metaLen = meta.byteLength;
  bound('the schema\'s custom metadata', s.customMetadataLength(), metaLen, 4);
  bound('the schema\'s features', s.featuresLength(), metaLen, 8);
  const n = s.fieldsLength();
  bound('the schema\'s fields', n, metaLen, 4);
  const budget: Budget = { fields: 0 };
  for (let i = 0; i < n; i++) {
    const f = s.fields(i);
    if (f) checkField(f, metaLen, 1, budget);
  }
  if (checkedSchemas.length >= MAX_CHECKED_SCHEMAS) checkedSchemas.shift();
  checkedSchemas.push(meta.slice());
}

/** A record batch's counts as the checks read them, for a reader that goes on to map its buffers. */
export interface CheckedBatch {
  rows: number;
  /** (length, null count) of each field node, in order. */
  nodes: number[];
  /** (offset, length) of each buffer, in order, inside the message body. */
  buffers: number[];
  compressed: boolean;
}

/** One message of a stream that passed the checks: its metadata and body as the checks found them. */
export interface CheckedMessage {
  headerType: MessageHeader;
  version: number;
  meta: Uint8Array;
  bodyStart: number;
  bodyLength: number;
  /** A record batch's counts (record batch messages only). */
  batch?: CheckedBatch;
}

function checkMessage(m: Message, meta: Uint8Array, bodyLeft: number, tally: Tally | undefined, out?: CheckedMessage): void {
  const metaLen = meta.byteLength;
  bound('the message\'s custom metadata', m.customMetadataLength(), metaLen, 4);
  const body = int64Field(m.bb as ByteBuffer, m.bb_pos, MESSAGE_BODY_LENGTH);
  if (!Number.isSafeInteger(body) || body < 0 || body > bodyLeft) {
    throw new Malformed(`a message claims a ${body}-byte body but only ${bodyLeft} bytes follow`);
  }
  switch (m.headerType()) {
    case MessageHeader.Schema: {
      const s = m.header(new Schema()) as Schema | null;
      if (s) checkSchema(s, meta);
      return;
    }
    case MessageHeader.RecordBatch: {
      const b = m.header(new RecordBatch()) as RecordBatch | null;
      if (out && b) out.batch = { rows: 0, nodes: [], buffers: [], compressed: false };
      if (b) checkBatch(b, metaLen, body, tally, out?.batch);
      return;
    }
    case MessageHeader.DictionaryBatch: {
      const d = m.header(new DictionaryBatch()) as DictionaryBatch | null;
      const b = d?.data();
      // A dictionary's entries are not rows of the call: bounded by its bytes only.
      if (b) checkBatch(b, metaLen, body, undefined);
      return;
    }
  }
}

/**
 * Why the stream's metadata cannot be right, or undefined when it is safe to hand to apache-arrow.
 * `limits` adds the reader's own bounds (e.g. rows per call) to the structural ones.
 */
export function ipcStreamProblem(bytes: Uint8Array, limits: IpcLimits = {}): string | undefined {
  return checkIpcStream(bytes, limits, undefined);
}

/**
 * ipcStreamProblem, handing each message as it was checked to `messages` (when given): a reader
 * that maps the buffers itself takes the counts from here instead of decoding the metadata again.
 */
export function checkIpcStream(bytes: Uint8Array, limits: IpcLimits, messages: CheckedMessage[] | undefined): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tally: Tally = { rows: 0, limits };
  let pos = 0;
  try {
    for (;;) {
      const f = readFrame(bytes, view, pos);
      if (f.kind === 'end') {
        const extra = bytesAfterEnd(bytes, f.next);
        return extra ? `${extra} bytes follow the end-of-stream marker at byte ${pos} (send one stream per body)` : undefined;
      }
      if (f.kind === 'damaged') return f.why;
      const meta = bytes.subarray(f.bodyStart - f.metaLength, f.bodyStart);
      const bodyLength = int64Field(f.message.bb as ByteBuffer, f.message.bb_pos, MESSAGE_BODY_LENGTH);
      const out: CheckedMessage | undefined = messages && { headerType: f.message.headerType(), version: f.message.version(), meta, bodyStart: f.bodyStart, bodyLength };
      checkMessage(f.message, meta, bytes.byteLength - f.bodyStart, tally, out);
      if (out) messages?.push(out);
      pos = f.bodyStart + bodyLength;
    }
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
