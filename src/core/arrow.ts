// Small Arrow helpers the engine needs: row slicing and RecordBatch → Table.
import { RecordBatch, Table } from 'apache-arrow';

/** Rows [offset, offset + rows) of `table`, sharing its buffers (no copy). */
export function sliceRows(table: Table, offset: number, rows: number): Table {
  return table.slice(offset, offset + rows);
}

/** Accepts a Table or a single RecordBatch (what deferBatch is usually handed). */
export function asTable(batch: Table | RecordBatch): Table {
  return batch instanceof RecordBatch ? new Table(batch) : batch;
}
