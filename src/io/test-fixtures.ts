// Deterministic fixtures for the io tests and bench/io.bench.ts (no committed data files).
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { decompress } from 'fzstd';
import { concatBytes } from '../core/bytes';
import { mulberry32 } from '../core/prng';
import { DatasetError } from './errors';

/** A seeded PRNG, uniform [0, 1) (core/prng's mulberry32). */
export const rng = mulberry32;

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'embedding', 'vector', 'naïve', 'café', 'über', '日本語', 'emoji 🎉', 'the', 'quick', 'brown', 'fox'];

/** A sentence of `words` words from a seeded stream. */
export function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]);
  return out.join(' ');
}

/** Splits bytes into chunks of the given sizes (cycled), like a stream would deliver them. */
export function chunked(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const size = Math.max(1, sizes[k++ % sizes.length]);
    out.push(bytes.slice(at, at + size));
    at += size;
  }
  return out;
}

/** A web ReadableStream over chunks (what File.stream() gives). */
export function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  });
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The DatasetError a read rejects with; anything else (success included) fails the test. */
export async function datasetFailure(read: () => Promise<unknown>): Promise<DatasetError> {
  try {
    await read();
  } catch (err) {
    if (err instanceof DatasetError) return err;
    throw new Error(`expected a DatasetError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected the read to fail; it succeeded');
}

/** Collects a byte stream into one array, with how many parts it came in. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; parts: number }> {
  const parts: Uint8Array[] = [];
  for await (const p of chunks) parts.push(p);
  return { bytes: concatBytes(parts), parts: parts.length };
}

const zstd = (input: Uint8Array, outputLength: number): Uint8Array => decompress(input, new Uint8Array(outputLength));

/** Reads a Parquet file with hyparquet (independent of parquet-wasm), rows as plain objects. */
export async function readWithHyparquet(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file, compressors: { ZSTD: zstd } });
}

/** The file's row groups and codecs, per hyparquet. */
export function hyparquetLayout(bytes: Uint8Array): { rowGroups: number[]; codecs: string[]; columns: string[]; withStatistics: string[] } {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  return {
    rowGroups: meta.row_groups.map((g) => Number(g.num_rows)),
    codecs: [...new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => String(c.meta_data?.codec))))],
    columns: meta.schema.slice(1).filter((s) => s.num_children === undefined).map((s) => s.name),
    /** Leaf column paths whose chunks carry min/max statistics (in every row group). */
    withStatistics: (meta.row_groups[0]?.columns ?? [])
      .map((c) => c.meta_data?.path_in_schema.join('.') ?? '')
      .filter((path) => meta.row_groups.every((g) => g.columns.find((c) => c.meta_data?.path_in_schema.join('.') === path)?.meta_data?.statistics !== undefined)),
  };
}

/** hyparquet-writer's schema for an `id` (int32), `text` (utf8) and `embedding` (list<float>) file. */
export const ID_TEXT_EMBEDDING_PARQUET_SCHEMA = [
  { name: 'root', num_children: 3 },
  { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
] as const;
