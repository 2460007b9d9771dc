// Hostile call bodies over real HTTP (issue #10 point 1): valid Arrow IPC streams with one length
// or count changed must be refused with a 4xx naming the problem, before anything is allocated or
// walked from the forged number — and the server keeps answering. The first case is the 392-byte
// request that used to kill the process ("JavaScript heap out of memory").
import { Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeCallArgs } from '../client/call-codec';
import { readFrame } from '../wire/ipc-frame';
import { LENGTH_BUNDLE } from './test-fixtures/handlers';
import { ARROW, callId, column, result, start, submit, textTable, type Running } from './test-fixtures/http';

let s: Running;
beforeAll(async () => {
  s = await start({
    maxQueuedRows: 1000,
    functions: [{ definition: { name: 'len', maxBatchingSize: 8, maxBufferDuration: 5, output: 'float64' }, bundle: LENGTH_BUNDLE }],
  });
});
afterAll(async () => s?.close());

/** Where, in a stream, the first record batch's fields sit: its row count and its first field node. */
function batchFields(b: Uint8Array): { lengthAt: number; firstNodeAt: number; firstBufferAt: number } {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  for (;;) {
    const f = readFrame(b, view, pos);
    if (f.kind !== 'message') throw new Error('no record batch');
    if (f.message.headerType() === MessageHeader.RecordBatch) {
      const rb = f.message.header(new RecordBatch()) as RecordBatch;
      const metaStart = f.bodyStart - f.metaLength;
      // A flatbuffer table's field position: its table start plus the vtable's offset for that slot.
      const { bb, bb_pos: at } = rb as unknown as { bb: { __offset(at: number, slot: number): number; __vector(at: number): number }; bb_pos: number };
      const nodes = bb.__vector(at + bb.__offset(at, 6));
      const buffers = bb.__vector(at + bb.__offset(at, 8));
      return { lengthAt: metaStart + at + bb.__offset(at, 4), firstNodeAt: metaStart + nodes, firstBufferAt: metaStart + buffers };
    }
    pos = f.bodyStart + Number(f.message.bodyLength());
  }
}

function forged(texts: string[], edit: (b: Uint8Array, view: DataView, at: ReturnType<typeof batchFields>) => void): Uint8Array {
  const b = tableToIPC(textTable(texts), 'stream');
  edit(b, new DataView(b.buffer, b.byteOffset, b.byteLength), batchFields(b));
  return b;
}

async function refused(body: Uint8Array): Promise<{ status: number; error: { name: string; message: string }; ms: number }> {
  const t0 = performance.now();
  const res = await submit(s.url, 'len', body);
  const json = (await res.json()) as { error: { name: string; message: string } };
  return { status: res.status, error: json.error, ms: performance.now() - t0 };
}

async function stillServes(): Promise<void> {
  expect((await fetch(`${s.url}/health`)).status).toBe(200);
  const id = await callId(await submit(s.url, 'len', textTable(['ab', 'c'])));
  expect(column((await result(s.url, id)).table, 'result')).toEqual([2, 1]);
}

describe('forged counts in a valid stream', () => {
  test('the 392-byte body claiming 2^29 rows (one int64 changed at byte 0xC8) is a 400 naming the row count, and the server lives on', async () => {
    const body = forged(['x'.repeat(85)], (b, view, at) => {
      view.setBigInt64(at.lengthAt, 2n ** 29n, true);
    });
    expect(batchFields(body).lengthAt).toBe(0xc8);
    expect(body.byteLength).toBe(392);
    const r = await refused(body);
    expect(r.status).toBe(400);
    expect(r.error.name).toBe('MalformedIpcError');
    expect(r.error.message).toMatch(/536870912 rows.*1000/);
    await stillServes();
  });

  test.each([6.7e7, 2e8, 1001, 2 ** 53 - 1])('a batch claiming %d rows is refused at once', async (rows) => {
    const r = await refused(forged(['x', 'y'], (_b, view, at) => view.setBigInt64(at.lengthAt, BigInt(rows), true)));
    expect(r.status).toBe(400);
    expect(r.error.message).toMatch(/rows/);
  });

  test('a negative row count is refused', async () => {
    const r = await refused(forged(['x'], (_b, view, at) => view.setBigInt64(at.lengthAt, -5n, true)));
    expect(r.status).toBe(400);
    expect(r.error.name).toBe('MalformedIpcError');
  });

  test('a column (field node) longer than its buffers can hold is refused, not read out of bounds', async () => {
    // Batch and node both say 900 rows (under the limit): the offsets buffer holds 3.
    const body = forged(['x', 'y'], (_b, view, at) => {
      view.setBigInt64(at.lengthAt, 900n, true);
      view.setBigInt64(at.firstNodeAt, 900n, true);
    });
    const r = await refused(body);
    expect(r.status).toBe(400);
    expect(r.error.name).toBe('MalformedIpcError');
    expect(r.error.message).toMatch(/"text".*900 rows/);
  });

  test('a buffer that points past the message body is refused', async () => {
    // Buffer entries are (offset, length) int64 pairs; the second buffer is the utf8 offsets.
    const r = await refused(forged(['x', 'y'], (_b, view, at) => view.setBigInt64(at.firstBufferAt + 16, 1n << 40n, true)));
    expect(r.status).toBe(400);
    expect(r.error.message).toMatch(/buffer/);
  });

  test('a null count larger than the column is refused', async () => {
    const r = await refused(forged(['x', 'y'], (_b, view, at) => view.setBigInt64(at.firstNodeAt + 8, 7n, true)));
    expect(r.status).toBe(400);
    expect(r.error.name).toBe('MalformedIpcError');
    await stillServes();
  });
});

test('the same forged count in a stream from the client codec (src/wire) is refused too', async () => {
  // Our own writer's stream with the row count raised: the wire reader's checks refuse it, and the
  // general path after it must refuse it too, naming the row count.
  const { writeIpcStream } = await import('../wire/ipc-write');
  const { utf8Column } = await import('../wire/columns');
  const b = writeIpcStream([utf8Column('text', ['x', 'y'])], 2);
  new DataView(b.buffer, b.byteOffset, b.byteLength).setBigInt64(batchFields(b).lengthAt, 2n ** 29n, true);
  const r = await refused(b);
  expect(r.status).toBe(400);
  expect(r.error.message).toMatch(/536870912 rows/);
  await stillServes();
});

test('a record batch with fewer columns than its schema is a 400, not a 500 (found by the fuzzer)', async () => {
  // Case 4613 of seed 9721 (`npm run fuzz -- ipc --seed 9721`): a client-codec list<float32> stream
  // whose mutated batch holds 1 column where the schema declares 2. apache-arrow read it and
  // failed only inside getChildAt ("Vector constructor expects an Array of Data instances": a 500).
  const body = Buffer.from(
    '/////7AAAAAQAAAAAAAKABAADgAHAAgACgAAAAAAAAEQAAAAAAAEAAgACAAAAAQACAAAAAQAAAABAAAABCAAANj///8UAAAA' +
    'AAAAARQAAAAAAAAMYAAAAAEAAAB2AAAAAQAAABQAAAAQABgABAALABMAFAAAAAwAEAAAABQAAAAAAAABGAAAAAAAAAMcAAAA' +
    'BAAAAGl0ZW0AAAAAAAAAAAAABgAIAAYABgAAAAAAAQAEAAQABAAAAP////+4AAAAFAAAAAAAAAAMABYAFAAPABAABAAMAAAA' +
    'mAAAAAAAAAAAAAADEAAAAAQACgAYAPIACAAEAAoAAAAUAAAAWAAAAAUAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAEAAAAAAAAAA' +
    'QAAAAAAAAAAYAAAAAAAAAFgAAAAAAAAAAAAAAAAAAABYAAAAAAAAAEAAAAAAAAAAAAAAAAIAAAAFAAAAAAAAAAEAAAAAAAAA' +
    'EAAAAAAAAAAAAAAAAAAAABsAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAABAAAAAgAAAAIAH8ADAAAABAAAAAAABMAzczMPc3MTD6amZk+AACAP83MjD+amZk/ZmamPwAAQEBmZkZA' +
    'zcxMQDMzU0AAAIBAMzODQGZmhkCamYlA/////wAAAAA=',
    'base64',
  );
  const res = await fetch(`${s.url}/functions/len/calls`, { method: 'POST', headers: { 'content-type': ARROW }, body });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ error: { name: 'MalformedIpcError', message: expect.stringMatching(/record batch 0 has 1 columns but the schema declares 2/) } });
});

test('a second stream after the end-of-stream marker is refused, not read unchecked (found by the fuzzer)', async () => {
  // apache-arrow reads on past the end marker; the checks used to stop there. Here the second
  // stream is the 2^29-row one: a valid one-row stream in front must not smuggle it in.
  const first = tableToIPC(textTable(['a']), 'stream');
  const second = forged(['x'.repeat(85)], (_b, view, at) => view.setBigInt64(at.lengthAt, 2n ** 29n, true));
  for (const lead of [first, encodeCallArgs(textTable(['a']))]) {
    const r = await refused(new Uint8Array([...lead, ...second]));
    expect(r.status).toBe(400);
    expect(r.error.message).toMatch(/392 bytes follow the end-of-stream marker/);
  }
  await stillServes();
});

test('a valid utf8 table still goes through both readers', async () => {
  const t = new Table({ text: vectorFromArray(['abc', null, ''], new Utf8()) });
  const id = await callId(await submit(s.url, 'len', t));
  expect((await result(s.url, id)).table.numRows).toBe(3);
  expect(ARROW).toContain('arrow');
});
