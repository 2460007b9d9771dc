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
import { readFrame } from './ipc-frame';

const MAX_DEPTH = 64;

class Malformed extends Error {}

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

function checkBatch(b: RecordBatch, metaLen: number): void {
  bound('a record batch\'s field nodes', b.nodesLength(), metaLen, 16);
  bound('a record batch\'s buffers', b.buffersLength(), metaLen, 16);
  bound('a record batch\'s variadic buffer counts', b.variadicBufferCountsLength(), metaLen, 8);
}

function checkMessage(m: Message, metaLen: number, bodyLeft: number): void {
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
      if (b) checkBatch(b, metaLen);
      return;
    }
    case MessageHeader.DictionaryBatch: {
      const d = m.header(new DictionaryBatch()) as DictionaryBatch | null;
      const b = d?.data();
      if (b) checkBatch(b, metaLen);
      return;
    }
  }
}

/** Why the stream's metadata cannot be right, or undefined when it is safe to hand to apache-arrow. */
export function ipcStreamProblem(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  try {
    for (;;) {
      const f = readFrame(bytes, view, pos);
      if (f.kind === 'end') return undefined;
      if (f.kind === 'damaged') return f.why;
      checkMessage(f.message, f.metaLength, bytes.byteLength - f.bodyStart);
      pos = f.bodyStart + Number(f.message.bodyLength());
    }
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
