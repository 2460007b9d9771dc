// The stream check that keeps apache-arrow from stalling on damaged metadata (a request body can
// come from anyone): the byte flip that made tableFromIPC walk ~1.3 billion custom-metadata
// entries is refused with a reason, valid streams pass, and the server answers 400 instead of
// freezing.
import { Bool, Field, Float32, Int32, List, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { Message } from 'apache-arrow/fb/message';
import { Buffer as FbBuffer } from 'apache-arrow/fb/buffer';
import { FieldNode as FbFieldNode } from 'apache-arrow/fb/field-node';
import { RecordBatch as FbRecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema as FbSchema } from 'apache-arrow/fb/schema';
import fc from 'fast-check';
import { ByteBuffer } from 'flatbuffers';
import { describe, expect, test } from 'vitest';
import { utf8Column } from './columns';
import { ipcStreamProblem } from './ipc-guard';
import { writeIpcStream } from './ipc-write';
import { readIpc } from '../server/arrow-io';
import { MalformedIpcError } from '../server/errors';

const lean = () => writeIpcStream([utf8Column('a', ['x', null, 'yz', '']), utf8Column('b', ['1', '2', '3', '4'])], 4);
/** The custom-metadata length a damaged schema message claims (its own or a field's), read without the guard. */
function claimedMetadata(bytes: Uint8Array): number {
  try {
    const metaLength = new DataView(bytes.buffer, bytes.byteOffset).getInt32(4, true);
    const message = Message.getRootAsMessage(new ByteBuffer(bytes.subarray(8, 8 + metaLength)));
    const schema = message.header(new FbSchema()) as FbSchema | null;
    if (!schema) return message.customMetadataLength();
    let most = Math.max(message.customMetadataLength(), schema.customMetadataLength());
    for (let i = 0; i < Math.min(schema.fieldsLength(), 16); i++) most = Math.max(most, schema.fields(i)?.customMetadataLength() ?? 0);
    return most;
  } catch {
    return 0;
  }
}

/**
 * The first single-bit flip in the schema message that points a custom-metadata vector at a
 * length of over a million entries: apache-arrow walks every one of them (seconds to minutes).
 */
const stalling = () => {
  const valid = lean();
  const end = 8 + new DataView(valid.buffer).getInt32(4, true);
  for (let at = 8; at < end; at++) {
    for (let bit = 0; bit < 8; bit++) {
      const b = valid.slice();
      b[at] ^= 1 << bit;
      if (claimedMetadata(b) > 1_000_000) return b;
    }
  }
  throw new Error('no single-bit flip of the schema makes a custom-metadata vector claim a huge length');
};

describe('ipcStreamProblem', () => {
  test('passes valid streams from our writer and from apache-arrow (nested lists, several batches, dictionaries)', () => {
    expect(ipcStreamProblem(lean())).toBeUndefined();
    const t = new Table({
      s: vectorFromArray(['a', null, 'ccc'], new Utf8()),
      v: vectorFromArray([[1, 2], null, []], new List(new Field('item', new Float32(), true))),
      n: vectorFromArray([1, 2, 3], new Int32()),
      b: vectorFromArray([true, false, null], new Bool()),
      d: vectorFromArray(['x', 'y', 'x']), // dictionary-encoded
    });
    expect(ipcStreamProblem(tableToIPC(t, 'stream'))).toBeUndefined();
    expect(ipcStreamProblem(tableToIPC(t.concat(t), 'stream'))).toBeUndefined();
  });

  test('refuses the metadata that stalls apache-arrow, saying what is impossible about it', () => {
    expect(ipcStreamProblem(stalling())).toMatch(/custom metadata claims \d+ entries, more than its \d+-byte message can hold/);
  });

  test('refuses metadata or a body that runs past the end of the bytes', () => {
    const b = lean();
    expect(ipcStreamProblem(b.subarray(0, 20))).toMatch(/runs past the end/);
    const batchAt = 8 + new DataView(b.buffer).getInt32(4, true);
    expect(ipcStreamProblem(b.subarray(0, batchAt + 40))).toMatch(/runs past the end|body but only/);
  });

  test('reads every int64 count whole: a node length, null count or buffer region set in its high 32 bits, negative, or past 2^53 is refused; the exact values pass', () => {
    const valid = lean();
    const view = new DataView(valid.buffer);
    const meta = 8 + view.getInt32(4, true) + 8;
    const message = Message.getRootAsMessage(new ByteBuffer(valid.subarray(meta, meta + view.getInt32(meta - 4, true))));
    const batch = message.header(new FbRecordBatch()) as FbRecordBatch;
    // Where the first node's length and the last buffer's offset lie in the stream.
    const nodeAt = meta + (batch.nodes(0) as FbFieldNode).bb_pos;
    const lastBuffer = batch.buffersLength() - 1;
    const bufferAt = meta + (batch.buffers(lastBuffer) as FbBuffer).bb_pos;
    const withInt64 = (at: number, v: bigint) => {
      const b = valid.slice();
      new DataView(b.buffer).setBigInt64(at, v, true);
      return b;
    };
    const bad = [2n ** 32n, 2n ** 32n + 4n, -1n, -(2n ** 32n), 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    for (const v of bad) {
      expect(ipcStreamProblem(withInt64(nodeAt, v))).toMatch(/field node 0 claims/);
      expect(ipcStreamProblem(withInt64(nodeAt + 8, v))).toMatch(/field node 0 claims/);
      expect(ipcStreamProblem(withInt64(bufferAt, v))).toMatch(new RegExp(`buffer ${lastBuffer} `));
    }
    expect(ipcStreamProblem(withInt64(nodeAt, 4n))).toBeUndefined();
    expect(ipcStreamProblem(withInt64(nodeAt + 8, 1n))).toBeUndefined();
  });

  // A stall shows as this test running into its timeout.
  test('every single-byte corruption of a valid stream is refused here or answered by apache-arrow (read or thrown)', { timeout: 30_000 }, () => {
    const valid = lean();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = valid.slice();
        b[at] ^= x;
        if (ipcStreamProblem(b) === undefined) {
          try {
            tableFromIPC(b);
          } catch {
            // apache-arrow's own error: fine, it returned.
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

test('the server refuses such a body with MalformedIpcError instead of stalling on it', { timeout: 10_000 }, () => {
  const err = (() => {
    try {
      readIpc(stalling());
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  expect(err).toBeInstanceOf(MalformedIpcError);
  expect((err as Error).message).toMatch(/custom metadata claims/);
});
