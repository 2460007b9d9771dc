// A call's answer goes out as parts (wire/ipc-write.ts writeIpcParts: metadata, then views of the
// held result's buffers): real HTTP, a 1,000 × 384-d answer (several socket writes), the bytes
// checked against Content-Length and decoded; readers that hang up mid-answer leave the server
// answering the next call whole.
import http from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { ARROW, start, textTable, type Running } from './test-fixtures/http';

const ROWS = 1000;
const DIM = 384;
const bundle = `export default { handler: (text) => text.map((t) => new Float32Array(${DIM}).map((_, j) => Number(t.slice(4)) + j / 1000)) };`;
const body = tableToIPC(textTable(Array.from({ length: ROWS }, (_, i) => `row ${i}`)), 'stream');

let s: Running;
beforeAll(async () => {
  s = await start({ functions: [{ definition: { name: 'vec', maxBatchingSize: ROWS, maxBufferDuration: 5, output: 'float32[]' }, bundle }] });
});
afterAll(async () => s?.close());

/** POST …/calls?wait=30; `hangUp`: destroy the connection at the answer's first bytes. */
function call(hangUp: boolean): Promise<{ status: number; length: number; bytes: Buffer } | 'hung up'> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${s.url}/functions/vec/calls?wait=30`, { method: 'POST', headers: { 'content-type': ARROW, 'content-length': body.byteLength } }, (res) => {
      if (hangUp) {
        res.once('data', () => {
          req.destroy();
          resolve('hung up');
        });
        return;
      }
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, length: Number(res.headers['content-length']), bytes: Buffer.concat(parts) }));
    });
    req.on('error', hangUp ? () => resolve('hung up') : reject);
    req.end(body);
  });
}

function expectWhole(answer: Awaited<ReturnType<typeof call>>): void {
  if (answer === 'hung up') throw new Error('expected a whole answer');
  expect(answer.status).toBe(200);
  expect(answer.bytes.byteLength).toBe(answer.length);
  const table = tableFromIPC(answer.bytes);
  expect(table.numRows).toBe(ROWS);
  const result = table.getChild('result')!;
  for (const i of [0, 1, 499, 999]) {
    const v = result.get(i)!.toArray() as Float32Array;
    expect(v.length).toBe(DIM);
    expect(v[0]).toBe(i);
    expect(v[DIM - 1]).toBeCloseTo(i + (DIM - 1) / 1000, 3);
  }
  expect(new Set(table.getChild('status')!.toArray())).toEqual(new Set(['ok']));
}

test('a 1,000 × 384-d answer arrives whole: as many bytes as Content-Length says, every row in order', async () => {
  expectWhole(await call(false));
});

test('readers that hang up mid-answer cost nothing: /health answers and the next call is whole', async () => {
  const hungUp = await Promise.all(Array.from({ length: 4 }, () => call(true)));
  expect(hungUp).toEqual(Array(4).fill('hung up'));
  expect((await fetch(`${s.url}/health`)).status).toBe(200);
  expectWhole(await call(false));
});
