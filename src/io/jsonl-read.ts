// JSON Lines (one JSON object per line) → Arrow Table, decoded and parsed line by line. Columns
// are the union of the objects' keys in first-seen order; a missing key or a JSON null is a true
// null (unlike a CSV's empty cell). Types: all strings → Utf8, all booleans → Bool, all integers
// within int32 → Int32, other numbers → Float64; anything else (objects, arrays, mixed) → Utf8
// holding the value's JSON text, so nothing is dropped.
import { Bool, Float64, Int32, Table, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { byteSourceName, iterateBytes, type ByteSource } from './byte-source';
import { summarizeTable, type DatasetReadResult, type ReadProgress } from './dataset-summary';
import { EmptyFileError, JsonlLineError, ReadAbortedError } from './errors';
import { StrictUtf8Decoder } from './utf8-decoder';

export interface JsonlReadOptions {
  fileName?: string;
  totalBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ReadProgress) => void;
}

type Cell = unknown;

function arrowTypeFor(values: readonly Cell[]): DataType {
  let kind: 'none' | 'string' | 'bool' | 'int' | 'float' | 'json' = 'none';
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const k = typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? 'int' : 'float') : 'json';
    if (kind === 'none' || kind === k) kind = k;
    else if ((kind === 'int' && k === 'float') || (kind === 'float' && k === 'int')) kind = 'float';
    else return new Utf8();
  }
  return kind === 'bool' ? new Bool() : kind === 'int' ? new Int32() : kind === 'float' ? new Float64() : new Utf8();
}

export async function readJsonl(source: ByteSource, options: JsonlReadOptions = {}): Promise<DatasetReadResult> {
  const fileName = options.fileName ?? byteSourceName(source);
  const decoder = new StrictUtf8Decoder(fileName);
  const columns = new Map<string, Cell[]>();
  let rows = 0;
  let line = 0;
  let pending = '';
  let bytesRead = 0;

  const addLine = (text: string): void => {
    line++;
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (err) {
      throw new JsonlLineError(fileName, line, err instanceof Error ? err.message : String(err));
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new JsonlLineError(fileName, line, `got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      let col = columns.get(k);
      if (!col) columns.set(k, (col = new Array<Cell>(rows).fill(null)));
      col.push(v);
    }
    rows++;
    for (const col of columns.values()) if (col.length < rows) col.push(null);
  };
  const push = (text: string): void => {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      addLine(pending + text.slice(start, nl));
      pending = '';
      start = nl + 1;
    }
    pending += text.slice(start);
  };

  for await (const chunk of iterateBytes(source)) {
    if (options.signal?.aborted) throw new ReadAbortedError(fileName);
    bytesRead += chunk.byteLength;
    push(decoder.decode(chunk));
    options.onProgress?.({ status: 'reading', bytesRead, totalBytes: options.totalBytes, rows, batches: 0 });
  }
  push(decoder.end());
  if (pending) addLine(pending);
  if (bytesRead === 0) throw new EmptyFileError(fileName, 'it has no bytes');
  if (rows === 0) throw new EmptyFileError(fileName, 'it has no JSON objects');

  const vectors: Record<string, Vector> = {};
  for (const [name, values] of columns) {
    const type = arrowTypeFor(values);
    const cells = type instanceof Utf8 ? values.map((v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v))) : values.map((v) => (v === undefined ? null : v));
    vectors[name] = vectorFromArray(cells as never[], type) as Vector;
  }
  const table = new Table(vectors);
  options.onProgress?.({ status: 'reading', bytesRead, totalBytes: options.totalBytes, rows, batches: table.batches.length });
  return { table, summary: summarizeTable(table, { fileName, format: 'jsonl', bytes: bytesRead }) };
}
