// CSV as a stream of record batches, for inputs too big to hold (the CLI's `embed` at millions of
// rows). Two passes over the bytes, each holding one batch at a time:
//   1. scanCsv: tokenize everything, fold each column's kind (the same inferKind readCsv uses) and
//      count the rows — so the final types and the row count are known before the first batch;
//   2. csvBatches: tokenize again and build each batch directly with those final kinds.
// The result has the same columns and types as readCsv's Table (whose later batches may widen
// earlier ones, which a stream cannot do), at the cost of reading the file twice.
import { Field, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import type { ByteSource } from './byte-source';
import { arrowTypeOf, buildColumn, inferKind, type CsvKind } from './csv-columns';
import { CsvTokenizer, type CsvField } from './csv-tokenizer';
import { columnNamesFromHeader, decodeCsvText, delimiterFromName } from './csv-text';
import { CsvRaggedRowError, EmptyFileError } from './errors';

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

/**
 * Tokenizes `source` and yields each ~batchBytes of rows as column-major cells (the header row
 * excluded) with the header's column names.
 */
async function* tokenize(source: ByteSource, o: CsvStreamOptions): AsyncGenerator<{ names: string[]; cells: CsvField[][] }> {
  const delimiter = o.delimiter ?? delimiterFromName(o.fileName) ?? ',';
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
  const cut = () => {
    const out = { names: names!, cells };
    cells = names!.map(() => []);
    return out;
  };
  for await (const piece of decodeCsvText(source, o.fileName, Math.max(1, o.batchBytes ?? 1 << 20), o.signal)) {
    tokenizer.push(piece.text);
    if (piece.last) tokenizer.end();
    if ((piece.batchEnd || piece.last) && names !== undefined && cells[0]?.length) yield cut();
  }
  if (names === undefined) throw new EmptyFileError(o.fileName, 'it contains only blank lines');
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
