// The schema summary the app's Dataset cell shows: names, types, null counts, row count.
import { DataType } from 'apache-arrow';
import type { Table } from 'apache-arrow';

type ColumnKind = 'text' | 'int' | 'float' | 'bool' | 'list' | 'other';

interface ColumnSummary {
  name: string;
  /** Arrow's own spelling, e.g. "Utf8", "Int32", "List<Float32>". */
  type: string;
  kind: ColumnKind;
  nullCount: number;
}

/** A CSV column that a later row forced to a wider type (see csv-columns.ts widenColumn). */
export interface WidenedColumn {
  column: string;
  from: string;
  to: string;
  /** 1-based data row whose value forced the change. */
  atRow: number;
}

export interface DatasetSummary {
  fileName: string;
  format: 'csv' | 'parquet' | 'jsonl' | 'arrow';
  rows: number;
  columns: ColumnSummary[];
  /** Bytes read from the source. */
  bytes: number;
  /** RecordBatches in the table (one per parsed chunk / row group). */
  batches: number;
  widened: WidenedColumn[];
  /** CSV/TSV: the field delimiter used (given, or detected). */
  delimiter?: string;
}

export interface DatasetReadResult {
  table: Table;
  summary: DatasetSummary;
}

/** Progress while reading: `rows` parsed so far; `totalBytes` when the source knows its size. */
export interface ReadProgress {
  status: 'reading';
  bytesRead: number;
  totalBytes?: number;
  rows: number;
  batches: number;
}

function columnKind(type: DataType): ColumnKind {
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) return 'text';
  if (DataType.isInt(type)) return 'int';
  if (DataType.isFloat(type) || DataType.isDecimal(type)) return 'float';
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isList(type) || DataType.isFixedSizeList(type) || DataType.isLargeList(type)) return 'list';
  if (DataType.isDictionary(type)) return columnKind(type.dictionary);
  return 'other';
}

export function summarizeTable(
  table: Table,
  info: { fileName: string; format: DatasetSummary['format']; bytes: number; widened?: WidenedColumn[] },
): DatasetSummary {
  const columns = table.schema.fields.map((field, i): ColumnSummary => {
    const col = table.getChildAt(i);
    return { name: field.name, type: String(field.type), kind: columnKind(field.type), nullCount: col?.nullCount ?? 0 };
  });
  return {
    fileName: info.fileName,
    format: info.format,
    rows: table.numRows,
    columns,
    bytes: info.bytes,
    batches: table.batches.length,
    widened: info.widened ?? [],
  };
}
