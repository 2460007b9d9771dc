// Arrow → Parquet (ZSTD by default; Snappy or none on request), streamed row group by row group.
//
// Why transformParquetStream (parquet-wasm's streaming writer) and not writeParquet or our own
// row-group writer: writeParquet needs the whole table in wasm memory and returns one buffer
// (1M × 512 float32 is 2 GB: past what a browser tab or wasm32 should hold), while writing
// Parquet pages/footers ourselves would duplicate the format. transformParquetStream consumes a
// ReadableStream of wasm RecordBatches and emits bytes as each row group is flushed; with
// maxRowGroupSize = rowGroupRows, every row group we feed is written and released before the next
// one is pulled (measured here: wasm memory stays flat at ~70 MB over 200k × 512-d rows, as long
// as each wasm Table made from IPC is freed right after its batches are taken).
import { DataType, RecordBatchStreamWriter, Table, tableToIPC, type Schema } from 'apache-arrow';
import { concatBytes } from '../core/bytes';
import { ParquetWriteError } from './errors';
import { loadParquetWasm, type ParquetWasm } from './parquet-wasm';
import { guardWasmTraps } from './wasm-trap-guard';

export const PARQUET_COMPRESSIONS = ['zstd', 'snappy', 'uncompressed'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];

export interface ParquetWriteOptions {
  /** For error messages (the output name). */
  fileName?: string;
  /** Rows per row group (default 10,000: ~20 MB of 512-d float32 per group). */
  rowGroupRows?: number;
  signal?: AbortSignal;
  onProgress?: (progress: WriteProgress) => void;
  /** Codec (default 'zstd': the project's format spec; 'snappy' is pyarrow's default and ~2.8× cheaper for float vectors). */
  compression?: ParquetCompression;
  /** Key/value metadata stored in the Parquet footer (e.g. the model id). */
  metadata?: Record<string, string>;
}

export interface WriteProgress {
  status: 'writing';
  rowsWritten: number;
  totalRows?: number;
  bytesWritten: number;
}

/** Row-group-sized Arrow tables, produced lazily. */
export type TableSlices = AsyncIterable<Table> | Iterable<Table>;

/** Cuts a table into row-group-sized slices (zero-copy views). */
function* sliceTable(table: Table, rows: number): Generator<Table> {
  for (let start = 0; start < table.numRows; start += rows) yield table.slice(start, Math.min(table.numRows, start + rows));
}

/**
 * Writes a table (or lazily produced slices with one schema) as Parquet; yields the file's bytes
 * in chunks (one or more per row group). Consume it with `for await`, or wrap it with
 * toReadableStream() for a download / `Writable.toWeb(fs.createWriteStream(path))`.
 */
export async function* writeParquetChunks(
  input: Table | TableSlices,
  options: ParquetWriteOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const fileName = options.fileName ?? 'output.parquet';
  const rowGroupRows = Math.max(1, Math.floor(options.rowGroupRows ?? 10_000));
  const totalRows = input instanceof Table ? input.numRows : undefined;
  const slices: TableSlices = input instanceof Table ? sliceTable(input, rowGroupRows) : input;
  const { signal, onProgress } = options;
  const pq = await loadParquetWasm();

  if (input instanceof Table && input.numRows === 0) {
    // The streaming writer learns the schema from its first batch; with none, write directly.
    const wasmTable = pq.Table.fromIPCStream(tableToIPC(input, 'stream'));
    yield pq.writeParquet(wasmTable, new pq.WriterPropertiesBuilder().setCompression(codecOf(pq, options)).build());
    return;
  }

  let rowsWritten = 0;
  let bytesWritten = 0;
  let failure: unknown;
  const iterator = (Symbol.asyncIterator in slices ? slices[Symbol.asyncIterator]() : slices[Symbol.iterator]()) as
    | AsyncIterator<Table>
    | Iterator<Table>;
  const nextSlice = async () => {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    let next = await iterator.next();
    while (!next.done && next.value.numRows === 0) next = await iterator.next();
    return next;
  };
  // The first slice is read before the writer starts: its schema picks the columns with statistics.
  let first: IteratorResult<Table> | undefined;
  try {
    first = await nextSlice();
  } catch (err) {
    if (err instanceof Error && (err.name === 'AbortError' || signal?.aborted)) throw err;
    throw new ParquetWriteError(fileName, err instanceof Error ? err.message : String(err), err);
  }
  const schema = first.done ? undefined : first.value.schema;

  const batchStream = new ReadableStream<unknown>(
    {
      async pull(controller) {
        try {
          const next = first ?? (await nextSlice());
          first = undefined;
          if (next.done) {
            controller.close();
            return;
          }
          const slice = next.value;
          const wasmTable = pq.Table.fromIPCStream(tableToIPC(slice, 'stream'));
          try {
            for (const batch of wasmTable.recordBatches()) controller.enqueue(batch);
          } finally {
            // recordBatches() hands out copies; without this free wasm memory grows per group.
            wasmTable.free();
          }
          rowsWritten += slice.numRows;
        } catch (err) {
          failure = err;
          controller.error(err);
        }
      },
    },
    { highWaterMark: 0 },
  );

  const props = writerProperties(pq, options, rowGroupRows, schema);

  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let finished = false;
  try {
    const out = (await pq.transformParquetStream(batchStream as ReadableStream, props)) as ReadableStream<Uint8Array>;
    reader = out.getReader();
    for (;;) {
      const pending = reader;
      const { done, value } = await guardWasmTraps(() => pending.read());
      if (done) {
        finished = true;
        break;
      }
      bytesWritten += value.byteLength;
      onProgress?.({ status: 'writing', rowsWritten, totalRows, bytesWritten });
      yield value;
    }
  } catch (err) {
    const cause = failure ?? err;
    if (cause instanceof Error && (cause.name === 'AbortError' || signal?.aborted)) throw cause;
    throw new ParquetWriteError(fileName, cause instanceof Error ? cause.message : String(cause), cause);
  } finally {
    // Consumer stopped early (break, cancelled download) or an error: stop the wasm writer and
    // the slice producer instead of leaving them parked on backpressure.
    if (!finished) await reader?.cancel().catch(() => undefined);
    reader?.releaseLock();
    if (failure === undefined && 'return' in iterator && iterator.return) await iterator.return();
  }
  if (failure !== undefined) throw failure;
}

const codecOf = (pq: ParquetWasm, options: ParquetWriteOptions) =>
  ({ zstd: pq.Compression.ZSTD, snappy: pq.Compression.SNAPPY, uncompressed: pq.Compression.UNCOMPRESSED })[options.compression ?? 'zstd'];

/** A list of floats (an embedding): min/max statistics over its values tell a reader nothing. */
const isFloatVector = (type: DataType): boolean =>
  (DataType.isList(type) || DataType.isFixedSizeList(type)) && DataType.isFloat(type.children[0]?.type);

/**
 * The top-level columns that keep page statistics when the float-vector columns go without, or
 * undefined to keep them everywhere: parquet-wasm matches per-column settings only by a top-level
 * column's path (a vector's leaf is `embedding.list.item`), so the vector columns are turned off by
 * turning statistics off for all and back on by name — possible only while every other column is
 * a top-level leaf (not nested).
 */
function columnsWithStatistics(schema: Schema | undefined): string[] | undefined {
  if (!schema || !schema.fields.some((f) => isFloatVector(f.type))) return undefined;
  const others = schema.fields.filter((f) => !isFloatVector(f.type));
  if (others.some((f) => DataType.isList(f.type) || DataType.isFixedSizeList(f.type) || DataType.isStruct(f.type) || DataType.isMap(f.type) || DataType.isUnion(f.type))) return undefined;
  return others.map((f) => f.name);
}

function writerProperties(pq: ParquetWasm, options: ParquetWriteOptions, rowGroupRows: number, schema?: Schema) {
  let builder = new pq.WriterPropertiesBuilder()
    .setCompression(codecOf(pq, options))
    .setMaxRowGroupSize(rowGroupRows)
    // Dictionary pages only pay off for repetitive columns; for float embeddings they cost time
    // and size (measured: ~40% slower, 6% larger), so they are off.
    .setDictionaryEnabled(false);
  // Statistics of an embedding's floats (min/max over every value) cost about a quarter of a
  // 384-d piece's encode (measured: 32 → 25 ms per 10,000 rows, zstd) and prune nothing.
  const withStats = columnsWithStatistics(schema);
  if (withStats) {
    builder = builder.setStatisticsEnabled(pq.EnabledStatistics.None);
    for (const name of withStats) builder = builder.setColumnStatisticsEnabled(name, pq.EnabledStatistics.Page);
  }
  if (options.metadata) builder = builder.setKeyValueMetadata(new Map(Object.entries(options.metadata)));
  return builder.build();
}

/**
 * A table of one row group, written in one call to the wasm writer: no stream machinery per piece
 * (measured: about a fifth less CPU for the CLI's 10,000-row pieces of 384-d vectors). Wasm memory
 * holds the one row group, as the streaming writer does.
 */
async function writeOneRowGroup(table: Table, options: ParquetWriteOptions): Promise<Uint8Array> {
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
  const pq = await loadParquetWasm();
  try {
    const chunks = await ipcChunks(table);
    const bytes = await guardWasmTraps(async () => {
      // Joined into the scratch buffer and copied into wasm memory at once (nothing awaited between).
      const wasmTable = pq.Table.fromIPCStream(joinIntoScratch(chunks));
      return pq.writeParquet(wasmTable, writerProperties(pq, options, Math.max(1, table.numRows), table.schema));
    });
    options.onProgress?.({ status: 'writing', rowsWritten: table.numRows, totalRows: table.numRows, bytesWritten: bytes.byteLength });
    return bytes;
  } catch (err) {
    throw new ParquetWriteError(options.fileName ?? 'output.parquet', err instanceof Error ? err.message : String(err), err);
  }
}

/** A table's Arrow IPC stream as the writer's pieces (metadata and the columns' own buffers, not copied). */
async function ipcChunks(table: Table): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of RecordBatchStreamWriter.writeAll(table)) chunks.push(chunk);
  return chunks;
}

/**
 * One buffer reused for every piece's IPC bytes on their way into wasm (which copies them): a fresh
 * 15 MB join per 10,000-row piece of 384-d vectors cost about twice the copy itself (page faults,
 * zeroing, garbage; measured 7.6 → 4.1 ms per piece). Not kept past MAX_SCRATCH_BYTES.
 */
let scratch = new Uint8Array(0);
const MAX_SCRATCH_BYTES = 64 * 1024 ** 2;

function joinIntoScratch(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  if (size > scratch.byteLength && size <= MAX_SCRATCH_BYTES) scratch = new Uint8Array(Math.min(MAX_SCRATCH_BYTES, Math.ceil(size * 1.125))); // room for a slightly bigger next piece
  const into = size <= scratch.byteLength ? scratch : new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    into.set(c, at);
    at += c.byteLength;
  }
  return into.subarray(0, size);
}

/** Convenience for small tables and tests: the whole file as one buffer. */
export async function writeParquetBuffer(input: Table | TableSlices, options: ParquetWriteOptions = {}): Promise<Uint8Array> {
  if (input instanceof Table && input.numRows > 0 && input.numRows <= Math.floor(options.rowGroupRows ?? 10_000)) return writeOneRowGroup(input, options);
  const parts: Uint8Array[] = [];
  for await (const part of writeParquetChunks(input, options)) parts.push(part);
  return concatBytes(parts);
}

