// Reads the `embed` input file into an Arrow Table with src/io (CSV streamed from disk, Parquet via
// a file-backed Blob so only its footer and one row group at a time are in memory) and checks the
// text column with src/io, naming the columns that do exist when it is missing.
import { createReadStream, openAsBlob, statSync } from 'node:fs';
import type { Table, Vector } from 'apache-arrow';
import { readCsv } from '../io/csv-read';
import { readJsonl } from '../io/jsonl-read';
import { detectFormat } from '../io/read-dataset';
import type { DatasetSummary } from '../io/dataset-summary';
import { readParquet } from '../io/parquet-read';
import { validateTextColumn } from '../io/text-column';
import { InputFileError } from './errors';

export interface InputData {
  table: Table;
  summary: DatasetSummary;
  text: Vector;
}

export async function readInput(file: string, column: string, signal?: AbortSignal, opts: { delimiter?: string } = {}): Promise<InputData> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputFileError(`Input ${JSON.stringify(file)} is not a file.`, file);
    size = st.size;
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new InputFileError(`Cannot read input ${JSON.stringify(file)}: ${why}.`, file, { cause: err });
  }
  // Same format rules as the app (src/io detectFormat): Parquet by name or magic, JSONL by name, else CSV/TSV.
  const blob = await openAsBlob(file);
  const format = await detectFormat(blob, file);
  const { table, summary } =
    format === 'parquet'
      ? await readParquet(blob, { fileName: file, signal })
      : format === 'jsonl'
        ? await readJsonl(createReadStream(file), { fileName: file, totalBytes: size, signal })
        : await readCsv(createReadStream(file), { fileName: file, totalBytes: size, signal, delimiter: opts.delimiter });

  // Missing / non-text / all-blank column → src/io's errors, which list the columns there are.
  const text = validateTextColumn(table, column, file);
  return { table, summary, text };
}
