// Dataset I/O speed: CSV parse rows/s (ours vs papaparse, same bytes) and Parquet write rows/s
// with a 512-d embedding column (ours vs hyparquet-writer, same rows), in one run.
//   npm run bench -- io [--rows 100000] [--dim 512] [--reps 3]
// Data is generated deterministically. Writes bench/results/io.json and io.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Field, Float32, List, makeData, makeVector } from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import Papa from 'papaparse';
import { readCsv } from '../src/io/csv-read';
import { writeEmbeddingsParquet } from '../src/io/embedding-output';
import { ID_TEXT_EMBEDDING_PARQUET_SCHEMA, chunked, rng, sentence } from '../src/io/test-fixtures';

interface Row {
  task: string;
  impl: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  mbPerSec: number;
  note: string;
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

/** Median wall time of `reps` runs (after one warm-up when reps > 1). */
async function time(reps: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  if (reps > 1) await fn();
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function makeCsv(rows: number): Uint8Array {
  const rand = rng(2024);
  const parts: string[] = ['id,text\n'];
  for (let i = 0; i < rows; i++) {
    const s = sentence(rand, 6 + Math.floor(rand() * 12));
    // Every 10th text has a comma and a quote, so it must be quoted (the realistic slow path).
    parts.push(i % 10 === 0 ? `${i},"${s}, said ""row ${i}"""\n` : `${i},${s}\n`);
  }
  return new TextEncoder().encode(parts.join(''));
}

/**
 * rows × dim float32 in one buffer: L2-normalised vectors of seeded noise, so values look like a
 * real sentence embedding's (small, roughly Gaussian, |v| = 1) and compress like them (barely).
 */
function makeEmbeddings(rows: number, dim: number): Float32Array {
  const rand = rng(77);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const v = rand() + rand() + rand() - 1.5;
      out[r * dim + k] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let k = 0; k < dim; k++) out[r * dim + k] *= inv;
  }
  return out;
}

export async function main(args: string[]): Promise<void> {
  const rows = arg(args, 'rows', 100_000);
  const dim = arg(args, 'dim', 512);
  const reps = arg(args, 'reps', 3);
  const results: Row[] = [];
  const add = (task: string, impl: string, n: number, seconds: number, bytes: number, note: string): void => {
    results.push({ task, impl, rows: n, seconds, rowsPerSec: n / seconds, mbPerSec: bytes / 1e6 / seconds, note });
  };

  // ---- CSV parse: the same bytes, delivered in 64 KiB chunks like File.stream() / fs streams.
  const csv = makeCsv(rows);
  const chunks = chunked(csv, [64 * 1024]);
  let oursRows = 0;
  const ours = await time(reps, async () => {
    oursRows = (await readCsv(chunks, { fileName: 'bench.csv' })).table.numRows;
  });
  if (oursRows !== rows) throw new Error(`ours parsed ${oursRows} rows, expected ${rows}`);
  add('CSV parse', 'embedbook readCsv (streaming → Arrow Table, typed)', rows, ours, csv.byteLength, '64 KiB chunks, UTF-8 validated, type inference, Arrow columns built');

  let papaRows = 0;
  const papa = await time(reps, () => {
    const text = new TextDecoder().decode(csv);
    papaRows = Papa.parse<string[]>(text, { header: false, skipEmptyLines: true }).data.length - 1;
  });
  if (papaRows !== rows) throw new Error(`papaparse parsed ${papaRows} rows, expected ${rows}`);
  add('CSV parse', 'papaparse 5 (whole string → string[][])', rows, papa, csv.byteLength, 'decode + parse of the whole file as one string; no Arrow');

  const papaTyped = await time(reps, () => {
    const text = new TextDecoder().decode(csv);
    Papa.parse(text, { header: true, dynamicTyping: true, skipEmptyLines: true });
  });
  add('CSV parse', 'papaparse 5 (header + dynamicTyping → objects)', rows, papaTyped, csv.byteLength, 'typed values, closest to what we produce');

  // ---- Parquet write: id + text + embedding (list<float32>, dim values per row).
  const input = (await readCsv(chunks)).table;
  const flat = makeEmbeddings(rows, dim);
  const offsets = Int32Array.from({ length: rows + 1 }, (_, i) => i * dim);
  const child = makeData({ type: new Float32(), length: flat.length, data: flat });
  const embeddings = makeVector(makeData({ type: new List(new Field('item', new Float32(), true)), length: rows, valueOffsets: offsets, child, nullCount: 0 }));
  const rawBytes = flat.byteLength + csv.byteLength;
  // Parquet runs are long: one warm-up on a 1,000-row slice, then --preps timed runs (default 1).
  const parquetReps = arg(args, 'preps', 1);

  for (const compression of ['zstd', 'snappy'] as const) {
    let size = 0;
    let parts = 0;
    const warm = Math.min(rows, 1000);
    for await (const _ of writeEmbeddingsParquet(input.slice(0, warm), { embeddings: embeddings.slice(0, warm) }, { compression })) void _;
    const seconds = await time(parquetReps, async () => {
      size = 0;
      parts = 0;
      for await (const part of writeEmbeddingsParquet(input, { embeddings }, { compression })) {
        size += part.byteLength;
        parts++;
      }
    });
    add('Parquet write', `embedbook writeEmbeddingsParquet (parquet-wasm, ${compression.toUpperCase()}, streamed)`, rows, seconds, rawBytes, `${(size / 1e6).toFixed(1)} MB file in ${parts} chunks (10k-row row groups)`);
  }

  // hyparquet-writer takes plain JS columns: per-row number[] for the list column (built outside the timer).
  const ids = Int32Array.from(input.getChild('id')!.toArray() as Int32Array);
  const texts = [...input.getChild('text')!] as string[];
  const embRows: number[][] = new Array(rows);
  for (let i = 0; i < rows; i++) embRows[i] = Array.from(flat.subarray(i * dim, (i + 1) * dim));
  let hyparquetSize = 0;
  const hyparquetWrite = (n: number): ArrayBuffer =>
    parquetWriteBuffer({
      columnData: [
        { name: 'id', data: n === rows ? ids : ids.subarray(0, n) },
        { name: 'text', data: n === rows ? texts : texts.slice(0, n) },
        { name: 'embedding', data: n === rows ? embRows : embRows.slice(0, n) },
      ],
      schema: [...ID_TEXT_EMBEDDING_PARQUET_SCHEMA],
    });
  hyparquetWrite(Math.min(rows, 1000));
  const hyparquet = await time(parquetReps, () => {
    const buf = hyparquetWrite(rows);
    hyparquetSize = buf.byteLength;
    const meta = parquetMetadata(buf);
    if (Number(meta.num_rows) !== rows) throw new Error(`hyparquet-writer wrote ${meta.num_rows} rows`);
  });
  add('Parquet write', 'hyparquet-writer 0.17 (pure JS, SNAPPY, one buffer)', rows, hyparquet, rawBytes, `${(hyparquetSize / 1e6).toFixed(1)} MB file; no JS ZSTD compressor available to it`);

  // ---- Report.
  const header = `CSV: ${rows.toLocaleString('en-US')} rows (id + text), ${(csv.byteLength / 1e6).toFixed(1)} MB. Parquet: ${rows.toLocaleString('en-US')} rows × ${dim}-d float32 embedding + id + text. Median of ${reps} (CSV) / ${parquetReps} (Parquet) runs. Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at the end (a shared machine: compare rows within one run).`;
  console.log(header);
  console.table(
    results.map((r) => ({ task: r.task, impl: r.impl, 'rows/s': Math.round(r.rowsPerSec).toLocaleString('en-US'), 'MB/s': r.mbPerSec.toFixed(1), seconds: r.seconds.toFixed(3), note: r.note })),
  );
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'io.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, loadavg: loadavg()[0], rows, dim, reps, results }, null, 2) + '\n');
  const md = [
    '# io benchmark',
    '',
    header,
    '',
    '| task | implementation | rows/s | MB/s | seconds | note |',
    '|---|---|---:|---:|---:|---|',
    ...results.map((r) => `| ${r.task} | ${r.impl} | ${Math.round(r.rowsPerSec).toLocaleString('en-US')} | ${r.mbPerSec.toFixed(1)} | ${r.seconds.toFixed(3)} | ${r.note} |`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'io.md'), md);
}
