// A structural check of an Arrow IPC stream's metadata before apache-arrow reads it. apache-arrow
// trusts the flatbuffer vector lengths it finds: one flipped byte in a schema can make it walk
// billions of custom-metadata entries, freezing the thread (found by flipping bytes of valid
// streams; the server reads request bodies from anyone). Every vector of N entries needs at least
// N × 4 bytes inside its message's metadata, so a length past that is impossible and the stream is
// refused here with the reason.
import { Field } from 'apache-arrow/fb/field';
import type { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { DictionaryBatch } from 'apache-arrow/fb/dictionary-batch';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema } from 'apache-arrow/fb/schema';
import { bytesAfterEnd, readFrame } from './ipc-frame';
import { EmbedbookError } from '../core/errors';

const MAX_DEPTH = 64;

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
function checkBatch(b: RecordBatch, metaLen: number, bodyLength: number, tally: Tally | undefined): void {
  const nodes = b.nodesLength();
  const buffers = b.buffersLength();
  bound('a record batch\'s field nodes', nodes, metaLen, 16);
  bound('a record batch\'s buffers', buffers, metaLen, 16);
  bound('a record batch\'s variadic buffer counts', b.variadicBufferCountsLength(), metaLen, 8);
  const rows = Number(b.length());
  if (!Number.isSafeInteger(rows) || rows < 0) throw new Malformed(`a record batch claims ${rows} rows`);
  if (tally) {
    tally.rows += rows;
    const max = tally.limits.maxRows;
    if (max !== undefined && tally.rows > max) {
      throw new Malformed(`the stream claims ${tally.rows} rows, more than this server's limit of ${max} rows per call: send it in chunks of at most ${max} rows`);
    }
  }
  const maxLength = Math.max(rows, bodyLength * 8);
  for (let i = 0; i < nodes; i++) {
    const n = b.nodes(i);
    if (!n) continue;
    const length = Number(n.length());
    const nulls = Number(n.nullCount());
    if (!Number.isSafeInteger(length) || length < 0 || length > maxLength) {
      throw new Malformed(`field node ${i} claims ${length} values, more than a ${rows}-row batch with a ${bodyLength}-byte body can hold`);
    }
    if (!Number.isSafeInteger(nulls) || nulls < 0 || nulls > length) throw new Malformed(`field node ${i} claims ${nulls} nulls in ${length} values`);
  }
  for (let i = 0; i < buffers; i++) {
    const buf = b.buffers(i);
    if (!buf) continue;
    const offset = Number(buf.offset());
    const length = Number(buf.length());
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bodyLength) {
      throw new Malformed(`buffer ${i} (bytes ${offset}..${offset + length}) lies outside its message's ${bodyLength}-byte body`);
    }
  }
}

function checkMessage(m: Message, metaLen: number, bodyLeft: number, tally: Tally | undefined): void {
  bound('the message\'s custom metadata', m.customMetadataLength(), metaLen, 4);
  const body = Number(m.bodyLength());
  if (!Number.isSafeInteger(body) || body < 0 || body > bodyLeft) {
    throw new Malformed(`a message claims a ${body}-byte body but only ${bodyLeft} bytes follow`);
  }
  switch (m.headerType()) {
    case MessageHeader.Schema: {
      const s = m.header(new Schema()) as Schema | null;
      if (!s) return;
      bound('the schema\'s custom metadata', s.customMetadataLength(), metaLen, 4);
      bound('the schema\'s features', s.featuresLength(), metaLen, 8);
      const n = s.fieldsLength();
      bound('the schema\'s fields', n, metaLen, 4);
      const budget: Budget = { fields: 0 };
      for (let i = 0; i < n; i++) {
        const f = s.fields(i);
        if (f) checkField(f, metaLen, 1, budget);
      }
      return;
    }
    case MessageHeader.RecordBatch: {
      const b = m.header(new RecordBatch()) as RecordBatch | null;
      if (b) checkBatch(b, metaLen, body, tally);
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
      checkMessage(f.message, f.metaLength, bytes.byteLength - f.bodyStart, tally);
      pos = f.bodyStart + Number(f.message.bodyLength());
    }
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
