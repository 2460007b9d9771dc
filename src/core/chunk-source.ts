// Input → chunks, pulled one at a time. A Table is planned up front (planChunks) and sliced without
// copying; an AsyncIterable of record batches is cut into chunk-sized Tables as batches arrive, so
// only the batches of the chunk being cut are held, never the whole input.
import { RecordBatch, Table } from 'apache-arrow';
import { InvalidOptionError } from './errors';
import { planChunks } from './plan-chunks';
import type { CallInput, ChunkingOptions, ChunkPlan } from './types';

/** One chunk of the input: its plan (global row offset) and its rows as a Table. */
export interface SourcedChunk {
  plan: ChunkPlan;
  args: Table;
}

export interface ChunkSource {
  /** The next chunk in index order; undefined once the input is exhausted. */
  next(): Promise<SourcedChunk | undefined>;
  /** The whole plan when the row count is known up front (Table input, or `totalRows`). */
  readonly plan: ChunkPlan[] | undefined;
  /** Stops reading the input early (its iterator's `return`). */
  close(): Promise<void>;
}

export function isTable(t: unknown): t is Table {
  return typeof t === 'object' && t !== null && typeof (t as Table).numRows === 'number' && typeof (t as Table).slice === 'function';
}

export function isAsyncIterable(t: unknown): t is AsyncIterable<RecordBatch> {
  return typeof t === 'object' && t !== null && typeof (t as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Validates the input and its chunking; throws InvalidOptionError before any work. */
export function openChunkSource(input: CallInput, chunking: ChunkingOptions, totalRows: number | undefined): ChunkSource {
  if (totalRows !== undefined && !isNonNegativeInt(totalRows)) {
    throw new InvalidOptionError('totalRows', totalRows, 'a non-negative integer (the rows the input will yield)');
  }
  if (isTable(input)) {
    if (totalRows !== undefined && totalRows !== input.numRows) {
      throw new InvalidOptionError('totalRows', totalRows, `${input.numRows} (the Table's rows) or undefined`);
    }
    return tableSource(input, planChunks(input.numRows, chunking));
  }
  if (!isAsyncIterable(input)) {
    throw new InvalidOptionError('args', input, 'an apache-arrow Table or an AsyncIterable<RecordBatch> (one column per argument)');
  }
  if (totalRows === undefined) {
    // Validate the chunking first, so a bad chunkSize is named before the missing row count.
    planChunks(0, chunking);
    if (chunking.chunkSize === undefined) {
      throw new InvalidOptionError('totalRows', undefined, 'the number of rows the input will yield',
        'numChunks needs the row count up front, which a stream of record batches does not tell: pass totalRows, or use chunkSize instead.');
    }
    return streamSource(input, undefined, chunking.chunkSize);
  }
  return streamSource(input, planChunks(totalRows, chunking), 0);
}

function tableSource(table: Table, plan: ChunkPlan[]): ChunkSource {
  let i = 0;
  return {
    plan,
    next: async () => {
      const c = plan[i++];
      return c && { plan: c, args: table.slice(c.offset, c.offset + c.rows) };
    },
    close: async () => undefined,
  };
}

/**
 * Cuts a stream of record batches into chunks: by `plan` when the row count is known (the stream
 * must then yield exactly that many rows), else into `chunkSize`-row chunks (the last one shorter).
 */
function streamSource(input: AsyncIterable<RecordBatch>, plan: ChunkPlan[] | undefined, chunkSize: number): ChunkSource {
  const it = input[Symbol.asyncIterator]();
  let held: RecordBatch[] = [];
  let heldRows = 0;
  let rowsRead = 0;
  let ended = false;
  let index = 0;
  let offset = 0;
  let fieldNames: string | undefined;
  const last = plan?.at(-1);
  const planned = plan && (last ? last.offset + last.rows : 0);

  const pull = async (): Promise<boolean> => {
    const r = await it.next();
    if (r.done) {
      ended = true;
      return false;
    }
    const batch = r.value;
    if (!(batch instanceof RecordBatch)) {
      throw new InvalidOptionError('args', batch, 'an apache-arrow RecordBatch from the input iterable');
    }
    const names = batch.schema.fields.map((f) => f.name).join('\u0000');
    fieldNames ??= names;
    if (names !== fieldNames) {
      throw new InvalidOptionError('args', `a batch with columns ${batch.schema.fields.map((f) => f.name).join(', ')}`,
        'record batches that all have the columns of the first one');
    }
    rowsRead += batch.numRows;
    if (planned !== undefined && rowsRead > planned) {
      throw new InvalidOptionError('totalRows', planned, `at least ${rowsRead} (the input yielded more rows than totalRows)`);
    }
    if (batch.numRows > 0) {
      held.push(batch);
      heldRows += batch.numRows;
    }
    return true;
  };

  return {
    plan,
    async next() {
      const want = plan ? plan[index]?.rows : chunkSize;
      if (want === undefined) {
        // Planned input fully cut: the stream must be at its end too.
        while (!ended) await pull();
        return undefined;
      }
      while (heldRows < want && !ended) await pull();
      if (heldRows === 0) return undefined;
      if (heldRows < want && plan) {
        throw new InvalidOptionError('totalRows', planned, `${rowsRead} (the input yielded only ${rowsRead} rows)`);
      }
      const rows = Math.min(want, heldRows);
      const all = new Table(held);
      const args = all.slice(0, rows);
      const rest = rows < heldRows ? all.slice(rows) : undefined;
      held = rest ? rest.batches : [];
      heldRows -= rows;
      const chunk: SourcedChunk = { plan: plan ? plan[index] : { index, offset, rows }, args };
      index++;
      offset += rows;
      return chunk;
    },
    async close() {
      if (!ended) {
        ended = true;
        await it.return?.();
      }
    },
  };
}
