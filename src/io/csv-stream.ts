// CSV as a stream of record batches, for inputs too big to hold (the CLI's `embed` at millions of
// rows). Two passes over the bytes, each holding one batch at a time:
//   1. scanCsv: tokenize everything, fold each column's kind (the same inferKind readCsv uses) and
//      count the rows — so the final types and the row count are known before the first batch;
//   2. csvBatches: tokenize again and build each batch directly with those final kinds.
// The result has the same columns and types as readCsv's Table (whose later batches may widen
// earlier ones, which a stream cannot do), at the cost of reading the file twice.
import { Field, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { iterateBytes, type ByteSource } from './byte-source';
import { arrowTypeOf, buildColumn, inferKind, type CsvKind } from './csv-columns';
import { CsvTokenizer, type CsvField } from './csv-tokenizer';
import { CsvRaggedRowError, EmptyFileError, ReadAbortedError } from './errors';
import { StrictUtf8Decoder } from './utf8-decoder';

export interface CsvStreamOptions {
  fileName: string;
  /** One character; default ',' (or tab for *.tsv / *.tab names). */
  delimiter?: string;
  /** Input bytes per RecordBatch (default 1 MiB). */
  batchBytes?: number;
  signal?: AbortSignal;
}

/** What the first pass learns: column names, final kinds, the row count. */
export interface CsvScan {
  names: string[];
  kinds: CsvKind[];
  rows: number;
  schema: Schema;
}

/** Column names from a header row: blanks become column_N, repeats get _2, _3, … */
export function columnNamesFromHeader(raw: readonly CsvField[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((name, i) => {
    const base = name === null || name.trim() === '' ? `column_${i + 1}` : name;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}

/**
 * Tokenizes `source` and yields each ~batchBytes of rows as column-major cells (the header row
 * excluded) with the header's column names.
 */
async function* tokenize(source: ByteSource, o: CsvStreamOptions): AsyncGenerator<{ names: string[]; cells: CsvField[][] }> {
  const delimiter = o.delimiter ?? (/\.(tsv|tab)$/i.test(o.fileName) ? '\t' : ',');
  const batchBytes = Math.max(1, o.batchBytes ?? 1 << 20);
  let names: string[] | undefined;
  let cells: CsvField[][] = [];
  let rows = 0;
  const tokenizer = new CsvTokenizer(o.fileName, delimiter, (fields, line) => {
    if (names === undefined) {
      names = columnNamesFromHeader(fields);
      cells = names.map(() => []);
      return;
    }
    if (fields.length !== cells.length) throw new CsvRaggedRowError(o.fileName, rows + 1, line, cells.length, fields.length);
    for (let c = 0; c < fields.length; c++) cells[c].push(fields[c]);
    rows++;
  });
  const decoder = new StrictUtf8Decoder(o.fileName);
  let bytes = 0;
  let inBatch = 0;
  const cut = () => {
    const out = { names: names!, cells };
    cells = names!.map(() => []);
    inBatch = 0;
    return out;
  };
  for await (const sourceChunk of iterateBytes(source)) {
    for (let at = 0; at < sourceChunk.byteLength; at += batchBytes) {
      if (o.signal?.aborted) throw new ReadAbortedError(o.fileName);
      const chunk = sourceChunk.byteLength <= batchBytes ? sourceChunk : sourceChunk.subarray(at, at + batchBytes);
      bytes += chunk.byteLength;
      inBatch += chunk.byteLength;
      tokenizer.push(decoder.decode(chunk));
      if (inBatch >= batchBytes && names !== undefined && cells[0]?.length) yield cut();
    }
  }
  if (o.signal?.aborted) throw new ReadAbortedError(o.fileName);
  tokenizer.push(decoder.end());
  tokenizer.end();
  if (bytes === 0) throw new EmptyFileError(o.fileName, 'it has no bytes');
  if (names === undefined) throw new EmptyFileError(o.fileName, 'it contains only blank lines');
  if (cells.length > 0 && cells[0].length > 0) yield cut();
  if (rows === 0) throw new EmptyFileError(o.fileName, 'it has a header row but no data rows');
}

/** Pass 1: names, final kinds and row count, holding one batch of cells at a time. */
export async function scanCsv(source: ByteSource, o: CsvStreamOptions): Promise<CsvScan> {
  let names: string[] = [];
  let kinds: CsvKind[] = [];
  let rows = 0;
  for await (const b of tokenize(source, o)) {
    if (kinds.length === 0) {
      names = b.names;
      kinds = names.map(() => 'null');
    }
    for (let c = 0; c < kinds.length; c++) kinds[c] = inferKind(b.cells[c], kinds[c]);
    rows += b.cells[0]?.length ?? 0;
  }
  const schema = new Schema(names.map((n, c) => new Field(n, arrowTypeOf(kinds[c]), true)));
  return { names, kinds, rows, schema };
}

/** Pass 2: the rows as record batches with the scan's schema (the same bytes as the scan read). */
export async function* csvBatches(source: ByteSource, scan: CsvScan, o: CsvStreamOptions): AsyncGenerator<RecordBatch> {
  const struct = new Struct(scan.schema.fields);
  // A file changed between the passes shows up as a different row count (chunkedCall's totalRows check).
  for await (const b of tokenize(source, o)) {
    const length = b.cells[0].length;
    const children = b.cells.map((col, c) => buildColumn(col, scan.kinds[c]));
    yield new RecordBatch(scan.schema, makeData({ type: struct, length, nullCount: 0, children }));
  }
}
