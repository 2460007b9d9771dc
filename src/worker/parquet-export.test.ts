import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { decompress } from 'fzstd';
import { parquetReadObjects } from 'hyparquet';
import { expect, test } from 'vitest';
import { exportParquet } from './parquet-export';
import { memoryChunkStore } from './chunk-store';
import { storeMatrix } from './chunk-records';
import { resultReader } from './result-reader';
import { planChunks } from '../core/plan-chunks';

/** Stores rows × 4-d results in chunks of 3,000 (as a run would), exports them from storage, reads the file back. */
async function write(rows: number, failAt: number[]) {
  const dim = 4;
  const store = memoryChunkStore();
  const plan = planChunks(rows, { chunkSize: 3_000 });
  const table = new Table({ id: vectorFromArray(Array.from({ length: rows }, (_, i) => i)), text: vectorFromArray(Array.from({ length: rows }, (_, i) => `t${i}`), new Utf8()) });
  const matrix = Float32Array.from({ length: rows * dim }, (_, k) => Math.floor(k / dim) + (k % dim) / 10);
  const errors = Array.from({ length: rows }, (_, i) => (failAt.includes(i) ? { code: i % 2 ? 'BAD_ODD' : 'BAD_EVEN', message: `bad ${i}` } : null));
  await storeMatrix(store, 'job', plan, { matrix, dim, errors });
  // The export reads each stored chunk's vectors once per row group that needs it, never the whole result.
  let reads = 0;
  const vectors = store.vectors.bind(store);
  store.vectors = (k, i) => (reads++, vectors(k, i));
  const reader = await resultReader(store, 'job', plan, dim);
  const parts: Uint8Array[] = [];
  const info = await exportParquet({ table, reader, missingRows: failAt.length, fileName: 'x.csv' }, async (p) => void parts.push(p));
  expect(reads).toBeLessThanOrEqual(plan.length + Math.ceil(rows / 10_000));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) bytes.set(p, (at += p.byteLength) - p.byteLength);
  const rowsBack = (await parquetReadObjects({ file: bytes.buffer, compressors: { ZSTD: (input: Uint8Array) => decompress(input) } })) as Array<Record<string, unknown>>;
  return { info, rowsBack, bytes };
}

test('input columns + embedding in input order; no status column when nothing failed', async () => {
  const { info, rowsBack } = await write(25_001, []);
  expect(info).toMatchObject({ fileName: 'x.embeddings.parquet', rows: 25_001, withStatus: false });
  expect(rowsBack).toHaveLength(25_001);
  expect(Object.keys(rowsBack[0])).toEqual(['id', 'text', 'embedding']);
  for (const i of [0, 9_999, 10_000, 25_000]) {
    expect(rowsBack[i].id).toBe(i);
    expect(rowsBack[i].text).toBe(`t${i}`);
    expect((rowsBack[i].embedding as number[]).map((x) => Math.round(x * 10) / 10)).toEqual([i, i + 0.1, i + 0.2, i + 0.3]);
  }
});

test('failed rows get a null embedding, their error in `status` and its code in `error_code`', async () => {
  const { info, rowsBack } = await write(5, [1, 3, 4]);
  expect(info.withStatus).toBe(true);
  expect(rowsBack.map((r) => r.status)).toEqual(['ok', 'bad 1', 'ok', 'bad 3', 'bad 4']);
  expect(rowsBack.map((r) => r.error_code ?? null)).toEqual([null, 'BAD_ODD', null, 'BAD_ODD', 'BAD_EVEN']);
  expect(rowsBack[1].embedding ?? null).toBeNull(); // hyparquet reads a null list as undefined
  expect((rowsBack[2].embedding as number[])[0]).toBe(2);
});
