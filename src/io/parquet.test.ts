// Parquet round trips, checked with hyparquet (an independent pure-JS reader), and bad files.
import { Field, FixedSizeList, Float32, Float64, List, Table, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../core/bytes';
import { readCsv } from './csv-read';
import { writeEmbeddingsParquet } from './embedding-output';
import { DatasetError } from './errors';
import { readParquet } from './parquet-read';
import { loadParquetWasm } from './parquet-wasm';
import { writeParquetBuffer, writeParquetChunks } from './parquet-write';
import { ID_TEXT_EMBEDDING_PARQUET_SCHEMA, collect, datasetFailure, hyparquetLayout, readWithHyparquet, rng, sentence, utf8 } from './test-fixtures';

/** Deterministic embedding for row i: dim values that identify the row. */
const embeddingOf = (i: number, dim: number): Float32Array => Float32Array.from({ length: dim }, (_, k) => Math.fround(i + k / 1000));

async function sampleTable(rows: number): Promise<Table> {
  const rand = rng(3);
  const lines = ['id,text,score'];
  for (let i = 0; i < rows; i++) lines.push(`${i},"${sentence(rand, 6)}, #${i}",${i % 7 === 0 ? '' : (i / 4).toString()}`);
  return (await readCsv(utf8(lines.join('\n')), { batchBytes: 4096 })).table;
}

function listVector(rows: (Float32Array | null)[], dim: number) {
  const offsets = new Int32Array(rows.length + 1);
  const values = new Float32Array(rows.filter(Boolean).length * dim);
  const bitmap = new Uint8Array((rows.length + 7) >> 3);
  let at = 0;
  rows.forEach((r, i) => {
    if (r) {
      values.set(r, at);
      at += dim;
      bitmap[i >> 3] |= 1 << (i & 7);
    }
    offsets[i + 1] = at;
  });
  const nullCount = rows.filter((r) => r === null).length;
  const child = makeData({ type: new Float32(), length: values.length, data: values });
  return makeVector(
    makeData({ type: new List(new Field('item', new Float32(), true)), length: rows.length, nullCount, nullBitmap: bitmap, valueOffsets: offsets, child }),
  );
}

describe('Parquet write (streamed row groups) → hyparquet', () => {
  it('writes input columns + embedding, ZSTD, one row group per rowGroupRows, rows in order', async () => {
    const dim = 16;
    const input = await sampleTable(2_345);
    const embeddings = Array.from({ length: input.numRows }, (_, i) => embeddingOf(i, dim));
    const progress: number[] = [];
    const { bytes, parts } = await collect(
      writeEmbeddingsParquet(input, { embeddings }, { rowGroupRows: 500, onProgress: (p) => progress.push(p.rowsWritten) }),
    );
    const layout = hyparquetLayout(bytes);
    expect(layout.rowGroups).toEqual([500, 500, 500, 500, 345]);
    expect(layout.codecs).toEqual(['ZSTD']);
    // Min/max of an embedding's floats prune nothing and cost encode time: only the other columns have them.
    expect(layout.withStatistics).toEqual(['id', 'text', 'score']);
    expect(parts).toBeGreaterThan(1); // bytes arrive per row group, not as one buffer
    expect(progress.at(-1)).toBe(2_345);

    const rows = await readWithHyparquet(bytes);
    expect(rows).toHaveLength(input.numRows);
    expect(Object.keys(rows[0])).toEqual(['id', 'text', 'score', 'embedding']); // no status: nothing failed
    const ids = input.getChild('id')!;
    const texts = input.getChild('text')!;
    const scores = input.getChild('score')!;
    for (let i = 0; i < rows.length; i++) {
      expect(rows[i].id).toBe(ids.get(i));
      expect(rows[i].text).toBe(texts.get(i));
      expect(rows[i].score ?? null).toBe(scores.get(i));
      expect(rows[i].embedding).toEqual(Array.from(embeddingOf(i, dim)));
    }
  });

  it('takes the engine result table (result + status + error_code) and writes status and error_code only because rows failed', async () => {
    const dim = 8;
    const input = await sampleTable(1_000);
    const failed = new Set([0, 17, 500, 999]);
    const result = new Table({
      result: listVector(Array.from({ length: 1_000 }, (_, i) => (failed.has(i) ? null : embeddingOf(i, dim))), dim),
      status: vectorFromArray(Array.from({ length: 1_000 }, (_, i) => (failed.has(i) ? `boom ${i}` : 'ok')), new Utf8()),
      error_code: vectorFromArray(Array.from({ length: 1_000 }, (_, i) => (failed.has(i) ? 'BOOM' : null)), new Utf8()),
    });
    const { bytes } = await collect(writeEmbeddingsParquet(input, result, { rowGroupRows: 300 }));
    const rows = await readWithHyparquet(bytes);
    expect(Object.keys(rows[0])).toEqual(['id', 'text', 'score', 'embedding', 'status', 'error_code']);
    rows.forEach((row, i) => {
      expect(row.id).toBe(i);
      if (failed.has(i)) {
        expect(row.embedding ?? null).toBeNull();
        expect(row.status).toBe(`boom ${i}`);
        expect(row.error_code).toBe('BOOM');
      } else {
        expect(row.embedding).toEqual(Array.from(embeddingOf(i, dim)));
        expect(row.status).toBe('ok');
        expect(row.error_code ?? null).toBeNull();
      }
    });
  });

  it('accepts a chunked List<Float32> vector (zero-copy slices across chunk boundaries)', async () => {
    const dim = 4;
    const input = await sampleTable(90);
    const parts = [0, 25, 60, 90];
    const chunks = parts.slice(1).map((end, k) =>
      listVector(Array.from({ length: end - parts[k] }, (_, j) => embeddingOf(parts[k] + j, dim)), dim),
    );
    const vec = chunks[0].concat(chunks[1], chunks[2]);
    const { bytes } = await collect(writeEmbeddingsParquet(input, { embeddings: vec }, { rowGroupRows: 40 }));
    const rows = await readWithHyparquet(bytes);
    expect(rows.map((r) => r.embedding)).toEqual(Array.from({ length: 90 }, (_, i) => Array.from(embeddingOf(i, dim))));
    expect(hyparquetLayout(bytes).rowGroups).toEqual([40, 40, 10]);
  });

  it('accepts FixedSizeList<Float32> (chunked, sliced, with nulls) and List<Float64> results', async () => {
    const dim = 3;
    const input = await sampleTable(100);
    const fixed = (from: number, to: number) => {
      const n = to - from;
      const values = new Float32Array(n * dim);
      const bitmap = new Uint8Array((n + 7) >> 3);
      for (let j = 0; j < n; j++) {
        values.set(embeddingOf(from + j, dim), j * dim);
        if ((from + j) % 13 !== 5) bitmap[j >> 3] |= 1 << (j & 7);
      }
      const nulls = Array.from({ length: n }, (_, j) => (from + j) % 13 === 5).filter(Boolean).length;
      const child = makeData({ type: new Float32(), length: values.length, data: values });
      return makeVector(makeData({ type: new FixedSizeList(dim, new Field('item', new Float32(), true)), length: n, nullCount: nulls, nullBitmap: bitmap, child }));
    };
    // Built over rows 0..120, then sliced to 7..107 so child buffers carry offsets; input is sliced the same way.
    const vec = fixed(0, 50).concat(fixed(50, 120)).slice(7, 107);
    const sliced = (await sampleTable(120)).slice(7, 107);
    const { bytes } = await collect(writeEmbeddingsParquet(sliced, { embeddings: vec }, { rowGroupRows: 30 }));
    const rows = await readWithHyparquet(bytes);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 7));
    rows.forEach((row, i) => {
      const g = i + 7;
      if (g % 13 === 5) {
        expect(row.embedding ?? null).toBeNull();
        expect(row.status).toBe('no embedding');
      } else expect(row.embedding).toEqual(Array.from(embeddingOf(g, dim)));
    });

    const f64 = vectorFromArray(
      Array.from({ length: 100 }, (_, i) => Float64Array.from(embeddingOf(i, dim))),
      new List(new Field('item', new Float64(), true)),
    );
    const viaF64 = await readWithHyparquet((await collect(writeEmbeddingsParquet(input, { embeddings: f64 }))).bytes);
    expect(viaF64[99].embedding).toEqual(Array.from(embeddingOf(99, dim)));
    expect(Object.keys(viaF64[0])).not.toContain('status');
  });

  it('checks dimensions on sliced List vectors', async () => {
    const input = await sampleTable(10);
    const uniform = listVector([...Array.from({ length: 12 }, (_, i) => embeddingOf(i, 4))], 4)
      .slice(1, 11);
    await expect(collect(writeEmbeddingsParquet(input, { embeddings: uniform }))).resolves.toBeDefined();
    const odd = vectorFromArray(
      Array.from({ length: 12 }, (_, i) => (i === 9 ? [1, 2] : [1, 2, 3])),
      new List(new Field('item', new Float32(), true)),
    ).slice(2, 12);
    await expect(collect(writeEmbeddingsParquet(input, { embeddings: odd }))).rejects.toMatchObject({
      name: 'EmbeddingShapeError',
      message: expect.stringContaining('has 2 values but earlier rows have 3'),
    });
  });

  it('reads a file written by another writer (hyparquet-writer, no Arrow schema in it)', async () => {
    const n = 50;
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: Int32Array.from({ length: n }, (_, i) => i) },
        { name: 'text', data: Array.from({ length: n }, (_, i) => (i === 3 ? null : `text ${i} ü`)) },
        { name: 'embedding', data: Array.from({ length: n }, (_, i) => Array.from(embeddingOf(i, 4))) },
      ],
      schema: [...ID_TEXT_EMBEDDING_PARQUET_SCHEMA],
      rowGroupSize: 20,
    });
    const { table, summary } = await readParquet(new Uint8Array(buf), { fileName: 'other.parquet' });
    expect(summary.rows).toBe(n);
    expect(summary.batches).toBe(3);
    expect(summary.columns.map((c) => [c.name, c.kind, c.nullCount])).toEqual([
      ['id', 'int', 0],
      ['text', 'text', 1],
      ['embedding', 'list', 0],
    ]);
    expect(table.getChild('text')!.get(49)).toBe('text 49 ü');
    expect(Array.from(table.getChild('embedding')!.get(49)!.toArray() as Float32Array)).toEqual(Array.from(embeddingOf(49, 4)));
  });

  it('keeps statistics on every column but float vectors, in one-call pieces too; a nested column keeps them everywhere', async () => {
    const input = await sampleTable(300);
    const embedding = listVector(Array.from({ length: 300 }, (_, i) => embeddingOf(i, 8)), 8);
    const piece = hyparquetLayout(await writeParquetBuffer(new Table({ id: input.getChild('id')!, text: input.getChild('text')!, embedding })));
    expect(piece.rowGroups).toEqual([300]);
    expect(piece.withStatistics).toEqual(['id', 'text']);
    // No vector column: statistics as before, on every column.
    expect(hyparquetLayout(await writeParquetBuffer(input)).withStatistics).toEqual(['id', 'text', 'score']);
    // Another list column (not floats): parquet-wasm cannot name its leaf, so nothing is turned off.
    const tags = vectorFromArray(Array.from({ length: 300 }, (_, i) => [`t${i % 3}`]), new List(new Field('item', new Utf8(), true)));
    const nested = hyparquetLayout(await writeParquetBuffer(new Table({ id: input.getChild('id')!, tags, embedding })));
    expect(nested.withStatistics).toEqual(['id', 'tags.list.item', 'embedding.list.item']);
  });

  it('one-call pieces written one after another (a big, then a smaller one) each hold their own rows', async () => {
    const big = await sampleTable(900);
    const small = big.slice(100, 150);
    const first = await writeParquetBuffer(big, { rowGroupRows: 1000 });
    const second = await writeParquetBuffer(small, { rowGroupRows: 1000 });
    for (const [bytes, table] of [[first, big], [second, small]] as const) {
      const rows = await readWithHyparquet(bytes);
      expect(rows.map((r) => r.text)).toEqual([...table.getChild('text')!]);
    }
  });

  it('round-trips through our own reader too (parquet-wasm), one batch per row group', async () => {
    const input = await sampleTable(700);
    const bytes = await writeParquetBuffer(input, { rowGroupRows: 256 });
    const { table, summary } = await readParquet(bytes, { fileName: 'out.parquet' });
    expect(table.numRows).toBe(700);
    expect(summary).toMatchObject({ format: 'parquet', rows: 700, batches: 3, fileName: 'out.parquet' });
    expect(summary.columns.map((c) => [c.name, c.kind])).toEqual([
      ['id', 'int'],
      ['text', 'text'],
      ['score', 'float'],
    ]);
    // Compare through get() (spread): null slots hold arbitrary bytes in raw value buffers.
    for (const name of ['id', 'text', 'score']) expect([...table.getChild(name)!]).toEqual([...input.getChild(name)!]);
    expect(table.getChild('score')!.nullCount).toBe(input.getChild('score')!.nullCount);
  });

  it('streams: bytes come out while later row groups are not even built, and wasm memory stays flat', async () => {
    const dim = 512;
    const groupRows = 1000;
    const groups = 30; // 30 × 2 MB of float32: more than the allowed growth below
    const idsOf = (g: number) => Int32Array.from({ length: groupRows }, (_, i) => g * groupRows + i);
    let built = 0;
    const builtWhenFirstChunk: number[] = [];
    function* slices(): Generator<Table> {
      for (let g = 0; g < groups; g++) {
        built++;
        const flat = new Float32Array(groupRows * dim).fill(g);
        const child = makeData({ type: new Float32(), length: flat.length, data: flat });
        const offsets = Int32Array.from({ length: groupRows + 1 }, (_, i) => i * dim);
        const embedding = makeVector(makeData({ type: new List(new Field('item', new Float32(), true)), length: groupRows, nullCount: 0, valueOffsets: offsets, child }));
        yield new Table({ id: makeVector(idsOf(g)), embedding });
      }
    }
    const pq = await loadParquetWasm();
    await writeParquetBuffer(slices(), { rowGroupRows: groupRows }); // warm-up: allocator reaches steady state
    const before = pq.wasmMemory().buffer.byteLength;
    built = 0;
    const parts: Uint8Array[] = [];
    for await (const part of writeParquetChunks(slices(), { rowGroupRows: groupRows })) {
      if (builtWhenFirstChunk.length === 0) builtWhenFirstChunk.push(built);
      parts.push(part);
    }
    const growth = pq.wasmMemory().buffer.byteLength - before;
    expect(builtWhenFirstChunk[0]).toBeLessThan(groups / 2);
    expect(growth).toBeLessThan(16 * 1024 * 1024);
    const layout = hyparquetLayout(concatBytes(parts));
    expect(layout.rowGroups).toEqual(Array.from({ length: groups }, () => groupRows));
  });

  it('reads the same table through the lazy async reader used for files above the sync limit', async () => {
    const input = await sampleTable(700);
    const bytes = await writeParquetBuffer(input, { rowGroupRows: 256 });
    const progress: number[] = [];
    const lazy = await readParquet(new Blob([bytes as Uint8Array<ArrayBuffer>]), { syncLimitBytes: 0, onProgress: (p) => progress.push(p.rows) });
    const eager = await readParquet(bytes);
    expect(lazy.summary.batches).toBe(3);
    expect(progress).toEqual([256, 512, 700]);
    for (const name of ['id', 'text', 'score']) expect([...lazy.table.getChild(name)!]).toEqual([...eager.table.getChild(name)!]);
  });

  it('stops producing row groups when the consumer stops early', async () => {
    const input = await sampleTable(1_000);
    let produced = 0;
    function* slices(): Generator<Table> {
      for (let s = 0; s < 1_000; s += 50) {
        produced++;
        yield input.slice(s, s + 50);
      }
    }
    let seen = 0;
    for await (const _ of writeParquetChunks(slices(), { rowGroupRows: 50 })) {
      if (++seen === 1) break;
    }
    expect(seen).toBe(1);
    expect(produced).toBeLessThan(20);
    // The wasm writer is released: a new write still works.
    expect(hyparquetLayout(await writeParquetBuffer(input, { rowGroupRows: 500 })).rowGroups).toEqual([500, 500]);
  });

  it('writes a valid file for an empty table', async () => {
    const input = await sampleTable(5);
    const empty = input.slice(0, 0);
    const bytes = await writeParquetBuffer(empty);
    expect(await readWithHyparquet(bytes)).toEqual([]);
    expect((await readParquet(bytes)).table.numRows).toBe(0);
  });

  it('stops writing when aborted', async () => {
    const input = await sampleTable(2_000);
    const controller = new AbortController();
    const chunks = writeParquetChunks(input, { rowGroupRows: 100, signal: controller.signal });
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of chunks) {
          seen++;
          controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(seen).toBeGreaterThanOrEqual(1);
  });
});

describe('embedding output validation', () => {
  it('rejects a row-count mismatch, mixed dimensions, and column name clashes', async () => {
    const input = await sampleTable(3);
    const run = (emb: Parameters<typeof writeEmbeddingsParquet>[1], opts = {}) => collect(writeEmbeddingsParquet(input, emb, opts));
    await expect(run({ embeddings: [[1], [2]] })).rejects.toMatchObject({
      name: 'EmbeddingShapeError',
      message: expect.stringContaining('2 embeddings for 3 input rows'),
    });
    await expect(run({ embeddings: [[1, 2], [3], [4, 5]] })).rejects.toMatchObject({
      name: 'EmbeddingShapeError',
      message: expect.stringContaining('row 1 has 1 values but earlier rows have 2'),
    });
    await expect(run({ embeddings: [[1], [2], [3]] }, { embeddingColumn: 'text' })).rejects.toMatchObject({
      name: 'ColumnConflictError',
      message: expect.stringContaining('already has a column named "text"'),
    });
    await expect(run({ embeddings: [[1], null, [3]] }, { statusColumn: 'id' })).rejects.toMatchObject({
      name: 'ColumnConflictError',
      message: expect.stringContaining('"id"'),
    });
  });
});

describe('readParquet bad input', () => {
  // One corruption loop per codec: ZSTD with this seed makes the Rust decoder panic (wasm trap);
  // Snappy (the CLI's --compression snappy) is fuzzed too.
  async function fuzzOutcomes(compression: 'zstd' | 'snappy'): Promise<Map<string, number>> {
    const lines = ['id,text,x'];
    for (let i = 0; i < 300; i++) lines.push(`${i},t${i},${i / 3}`);
    const good = await writeParquetBuffer((await readCsv(utf8(lines.join('\n')))).table, { rowGroupRows: 100, compression });
    const rand = rng(1);
    const outcomes = new Map<string, number>();
    for (let trial = 0; trial < 400; trial++) {
      const bad = good.slice();
      const flips = 1 + Math.floor(rand() * 8);
      for (let j = 0; j < flips; j++) bad[4 + Math.floor(rand() * (bad.length - 12))] = Math.floor(rand() * 256);
      let key = 'read';
      try {
        await readParquet(bad, { fileName: 'fuzz.parquet' });
      } catch (err) {
        expect(err).toBeInstanceOf(DatasetError);
        expect((err as Error).message).toContain('"fuzz.parquet"');
        key = (err as Error).message.includes('crashed') ? 'trap' : (err as Error).name;
      }
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    // The decoder still works after the failures.
    expect((await readParquet(good)).table.numRows).toBe(300);
    return outcomes;
  }

  it('fuzz: randomly corrupted files either read or fail with a DatasetError — never crash or hang', async () => {
    const zstd = await fuzzOutcomes('zstd');
    expect(zstd.get('ParquetReadError')).toBeGreaterThan(100);
    expect(zstd.get('trap')).toBeGreaterThan(0); // panics were caught, not fatal
    const snappy = await fuzzOutcomes('snappy');
    expect(snappy.get('ParquetReadError')).toBeGreaterThan(100);
  });

  const failure = (bytes: Uint8Array, fileName = 'bad.parquet'): Promise<DatasetError> => datasetFailure(() => readParquet(bytes, { fileName }));

  it('unknown columns requested: lists the available ones; known ones are read alone', async () => {
    const bytes = await writeParquetBuffer(await sampleTable(10));
    await expect(readParquet(bytes, { fileName: 'cols.parquet', columns: ['text', 'body'] })).rejects.toMatchObject({
      name: 'UnknownColumnError',
      message: '"cols.parquet" has no column "body". Available columns: "id", "text", "score".',
    });
    const { table } = await readParquet(bytes, { columns: ['text'] });
    expect(table.schema.fields.map((f) => f.name)).toEqual(['text']);
  });

  it('a CSV file given as Parquet', async () => {
    const err = await failure(utf8('id,text\n1,a\n'), 'data.csv');
    expect(err.name).toBe('NotParquetError');
    expect(err.message).toContain('"data.csv" is not a Parquet file');
    expect(err.message).toContain('CSV');
  });

  it('an empty file and a tiny file', async () => {
    expect((await failure(new Uint8Array(0))).message).toContain('it is empty');
    const tiny = await failure(utf8('PAR1abc'));
    expect(tiny.name).toBe('ParquetTruncatedError');
    expect(tiny.message).toContain('only 7 bytes');
  });

  it('a truncated download (end magic missing), at many cut points', async () => {
    const good = await writeParquetBuffer(await sampleTable(200), { rowGroupRows: 50 });
    for (const keep of [5, 100, good.length / 2, good.length - 1]) {
      const err = await failure(good.slice(0, Math.floor(keep)));
      expect(err.name).toBe('ParquetTruncatedError');
      expect(err.message).toMatch(/cut off/);
      expect(err.message).toMatch(/Re-download or re-export/);
    }
  });

  it('a footer length that points outside the file', async () => {
    const good = await writeParquetBuffer(await sampleTable(10));
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(bad.length - 8, bad.length * 2, true);
    const err = await failure(bad);
    expect(err.name).toBe('ParquetTruncatedError');
    expect(err.message).toContain('footer claims');
  });

  it('corrupted bytes inside a well-framed file become a ParquetReadError, and the reader still works after', async () => {
    const good = await writeParquetBuffer(await sampleTable(300), { rowGroupRows: 100 });
    const rand = rng(9);
    const footerLength = new DataView(good.buffer).getUint32(good.length - 8, true);
    let errors = 0;
    for (let trial = 0; trial < 8; trial++) {
      const bad = good.slice();
      // Scramble the footer metadata (even trials) or the data pages (odd), keeping the frame valid.
      const [from, to] = trial % 2 === 0 ? [bad.length - 8 - footerLength, bad.length - 8] : [4, bad.length - 8 - footerLength];
      for (let i = from; i < to; i++) if (rand() < 0.3) bad[i] = Math.floor(rand() * 256);
      try {
        const { table } = await readParquet(bad, { fileName: 'corrupt.parquet' });
        // A scramble can be harmless (e.g. only statistics bytes): then the data must still be intact.
        expect(table.numRows).toBe(300);
      } catch (err) {
        errors++;
        expect((err as Error).name).toBe('ParquetReadError');
        expect((err as Error).message).toContain('"corrupt.parquet" could not be read as Parquet');
      }
    }
    expect(errors).toBeGreaterThan(0);
    const { table } = await readParquet(good);
    expect(table.numRows).toBe(300);
  });
});
