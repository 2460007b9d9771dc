// Arrow at the HTTP edge: the request body (IPC stream) → validated JS columns, and a call's per-row
// results → an IPC stream with `result` and `status` columns. Nothing else in the server sees Arrow.
import {
  Bool, Field, Float32, Float64, Int32, List, Table, Type, Utf8, tableFromIPC, tableToIPC, type Data, type DataType, type Vector,
} from 'apache-arrow';
import { assembleTable, ERROR_CODE_COLUMN } from '../core/assemble';
import { outputKind, valueProblem, type OutputKind } from '../core/output-type';
import { OUTPUT_TYPE_CODE } from '../core/row-error';
import type { BatchOutput, RowError } from '../core/types';
import type { CallResults } from './call-results';
import type { ArgType, FunctionSpec, OutputType } from '../protocol/define-function';
import { MalformedIpcError, SchemaMismatchError } from './errors';
import { floatListColumn, listValue, utf8Column, utf8Values, type WireBatch, type WireColumn } from '../wire/columns';
import { joinIpcParts, writeIpcParts, type IpcParts } from '../wire/ipc-write';
import { columnDataProblem } from '../wire/arrow-data-check';
import { ipcStreamProblem, type IpcLimits } from '../wire/ipc-guard';
import { readIpcStream } from '../wire/ipc-read';

export { ARROW_STREAM } from '../protocol/http';

/** A decoded call body: the lean reader's columns (text and vector columns) or an apache-arrow Table. */
export type CallInput = Table | WireBatch;

/**
 * Decodes a call's IPC stream body: the lean reader first (the usual text chunk), apache-arrow for
 * every other stream; anything unreadable, or with more rows than `limits.maxRows`, is a
 * MalformedIpcError naming the cause. The lean reader sizes nothing from a count its buffers do not
 * back; apache-arrow's path is checked by ipcStreamProblem before it runs.
 */
export function readCallBody(body: Uint8Array | undefined, limits: IpcLimits = {}): CallInput {
  if (!body || body.byteLength === 0) throw new MalformedIpcError('the body is empty (send the batch as an Arrow IPC stream)');
  const wire = readIpcStream(body);
  if (wire && wire.columns.length > 0) {
    if (limits.maxRows !== undefined && wire.rows > limits.maxRows) {
      throw new MalformedIpcError(`the stream claims ${wire.rows} rows, more than this server's limit of ${limits.maxRows} rows per call: send it in chunks of at most ${limits.maxRows} rows`);
    }
    return wire;
  }
  return readIpc(body, limits);
}

/** Decodes an IPC stream body with apache-arrow; anything unreadable is a MalformedIpcError naming the cause. */
export function readIpc(body: Uint8Array | undefined, limits: IpcLimits = {}): Table {
  if (!body || body.byteLength === 0) throw new MalformedIpcError('the body is empty (send the batch as an Arrow IPC stream)');
  // apache-arrow believes the lengths in the metadata: a damaged one could stall this thread.
  const problem = ipcStreamProblem(body, limits);
  if (problem) throw new MalformedIpcError(problem);
  let table: Table;
  try {
    table = tableFromIPC(body);
  } catch (err) {
    throw new MalformedIpcError(err instanceof Error ? err.message : String(err));
  }
  if (table.schema.fields.length === 0) throw new MalformedIpcError(`no schema or no columns in ${body.byteLength} bytes`);
  const fields = table.schema.fields.length;
  table.batches.forEach((b, i) => {
    // apache-arrow builds a batch from whatever nodes it finds: fewer columns than the schema
    // would fail later, inside getChildAt.
    if (b.data.children.length !== fields) throw new MalformedIpcError(`record batch ${i} has ${b.data.children.length} columns but the schema declares ${fields}`);
  });
  return table;
}

const isNumeric = (t: DataType) => t.typeId === Type.Int || t.typeId === Type.Float || t.typeId === Type.Decimal;

function accepts(arg: ArgType, t: DataType): boolean {
  switch (arg) {
    case 'string[]':
    case 'json[]':
      return t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8;
    case 'number[]':
      return isNumeric(t);
    case 'boolean[]':
      return t.typeId === Type.Bool;
    case 'number[][]':
      return (t.typeId === Type.List || t.typeId === Type.FixedSizeList) && isNumeric((t as List).children[0].type);
  }
}

const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);

/**
 * One column of a call body as the argument check sees it, whichever reader decoded it: its
 * name, its type as Arrow names it, whether an argument type accepts it, and its cells as JS values
 * (json[] text still unparsed).
 */
interface ArgColumn {
  name: string;
  typeName: string;
  accepts(arg: ArgType): boolean;
  values(arg: ArgType): unknown[];
}

function tableColumn(table: Table, j: number): ArgColumn {
  const field = table.schema.fields[j];
  const vec = table.getChildAt(j) as Vector;
  return {
    name: field.name,
    typeName: String(field.type),
    accepts: (arg) => accepts(arg, field.type),
    values: (arg) => {
      // Lengths come from the stream's field nodes: check them against the batch and the buffers
      // before a single value is read.
      if (vec.length !== table.numRows) throw new MalformedIpcError(`column "${field.name}" has ${vec.length} values but its batches claim ${table.numRows} rows`);
      const problem = columnDataProblem(vec.data);
      if (problem) throw new MalformedIpcError(`column "${field.name}" ${problem}`);
      const out = new Array<unknown>(vec.length);
      for (let i = 0; i < vec.length; i++) {
        const v: unknown = vec.get(i);
        if (v === null || v === undefined) out[i] = null;
        else if (arg === 'number[]') out[i] = num(v);
        else if (arg === 'number[][]') out[i] = Array.from((v as Vector).toArray() as ArrayLike<unknown>, num);
        else out[i] = v;
      }
      return out;
    },
  };
}

const wireTypeName: Record<WireColumn['type'], string> = { utf8: 'Utf8', 'list<float32>': 'List<Float32>', 'list<float64>': 'List<Float64>' };

function wireColumn(c: WireColumn): ArgColumn {
  return {
    name: c.name,
    typeName: wireTypeName[c.type],
    accepts: (arg) => (arg === 'string[]' || arg === 'json[]' ? c.type === 'utf8' : arg === 'number[][]' && c.type !== 'utf8'),
    values: () => {
      if (c.type === 'utf8') return utf8Values(c);
      const out = new Array<unknown>(c.length);
      for (let i = 0; i < c.length; i++) {
        const v = listValue(c, i);
        out[i] = v === null ? null : Array.from(v);
      }
      return out;
    },
  };
}

/** Checks the call's columns against the declared arguments (names and types) and extracts them. */
export function extractColumns(spec: FunctionSpec, input: CallInput): unknown[][] {
  const columns = isWire(input) ? input.columns.map(wireColumn) : input.schema.fields.map((_, j) => tableColumn(input, j));
  const declared = Object.keys(spec.args);
  const present = columns.map((c) => c.name);
  const missing = declared.filter((n) => !present.includes(n));
  const extra = present.filter((n) => !declared.includes(n));
  const wrongType: string[] = [];
  for (const c of columns) {
    const arg = spec.args[c.name];
    if (arg && !c.accepts(arg)) wrongType.push(`column "${c.name}" is ${c.typeName} but the function declares ${arg}`);
  }
  if (missing.length || extra.length || wrongType.length) throw new SchemaMismatchError(spec.name, missing, extra, wrongType);
  return declared.map((name) => {
    const arg = spec.args[name];
    const cells = (columns.find((c) => c.name === name) as ArgColumn).values(arg);
    if (arg !== 'json[]') return cells;
    return cells.map((v, i) => {
      if (v === null) return null;
      try {
        return JSON.parse(v as string) as unknown;
      } catch {
        throw new SchemaMismatchError(spec.name, [], [], [`column "${name}" row ${i} is not JSON text`]);
      }
    });
  });
}

function isWire(input: CallInput): input is WireBatch {
  return Array.isArray((input as WireBatch).columns);
}

/** The number of rows of a decoded call body. */
export function inputRows(input: CallInput): number {
  return isWire(input) ? input.rows : input.numRows;
}

/** The output type to use for a call: declared, or inferred from its first non-null value. */
function inferOutput(results: CallResults): OutputType {
  let v: unknown = undefined;
  for (let i = 0; i < results.rows && (v === null || v === undefined); i++) v = results.value(i);
  if (v instanceof Float32Array || (Array.isArray(v) && v.every((x) => typeof x === 'number'))) return 'float32[]';
  if (v instanceof Float64Array) return 'float64[]';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'string') return 'utf8';
  if (typeof v === 'boolean') return 'bool';
  return v === undefined || v === null ? 'float32[]' : 'json';
}

/** The Arrow type of the `result` column for each declared output type. */
function arrowType(output: OutputType): DataType {
  switch (output) {
    case 'float32[]': return new List(new Field('item', new Float32(), true));
    case 'float64[]': return new List(new Field('item', new Float64(), true));
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'int32': return new Int32();
    case 'bool': return new Bool();
    case 'utf8':
    case 'json': return new Utf8();
  }
}

/**
 * The rows of `results` as parts the core assembles, each value checked by the core's valueProblem:
 * a value that does not fit the output type becomes that row's error (null result), never a
 * corrupt column or a failed answer. json output is sent as JSON text.
 */
function* checkedParts(results: CallResults, output: OutputType, kind: OutputKind): Iterable<BatchOutput<unknown>> {
  // Rows of one packed float buffer fit a List by construction: no per-row check needed.
  const fits = kind.kind === 'list' && results.packedVectors;
  for (const part of results.parts()) {
    if (fits) {
      yield part;
      continue;
    }
    let errors = part.errors as (string | RowError | null)[] | undefined;
    const values = part.values as unknown[];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (output === 'json') {
        values[i] = JSON.stringify(v);
        continue;
      }
      const problem = valueProblem(kind, v);
      if (problem === null) continue;
      values[i] = null;
      errors ??= new Array<RowError | null>(values.length).fill(null);
      errors[i] = { code: OUTPUT_TYPE_CODE, message: problem };
    }
    yield errors ? { values, errors } : { values };
  }
}

/**
 * The answer of GET /calls/:id: `result` (the output type), `status` ('ok', the row's error
 * message, or 'pending') and `error_code` (the row error's code: null for ok, PENDING for pending),
 * built by the core's assembly (core/assemble.ts) like every local result table.
 */
export function resultIpc(results: CallResults, output?: OutputType): Uint8Array {
  return joinIpcParts(resultIpcParts(results, output));
}

/** resultIpc as parts: a vector answer's floats stay views of the held results (ipc-write.ts). */
export function resultIpcParts(results: CallResults, output?: OutputType): IpcParts {
  const type = output ?? inferOutput(results);
  const direct = allOkVectorsIpc(results, type);
  if (direct) return direct;
  const arrow = arrowType(type);
  // One record batch for the whole call (a call is at most maxQueuedRows rows).
  const table = assembleTable(arrow, checkedParts(results, type, outputKind(arrow)), Math.max(1, results.rows));
  if (type !== 'float32[]' && type !== 'float64[]') {
    const bytes = tableToIPC(table, 'stream');
    return { parts: [bytes], byteLength: bytes.byteLength };
  }
  // Vectors (every embedding call) go out through the lean writer, which the client's lean reader
  // reads as views: the same buffers the assembly built, no second copy.
  const batch = table.batches[0];
  if (!batch) return writeIpcParts([floatListColumn('result', [], type === 'float64[]'), utf8Column('status', []), utf8Column(ERROR_CODE_COLUMN, [])], 0);
  const result = batch.getChildAt(0)!.data[0] as Data<List>;
  const status = batch.getChildAt(1)!.data[0] as Data<Utf8>;
  const code = batch.getChildAt(2)!.data[0] as Data<Utf8>;
  const floats = result.children[0].values as Float32Array | Float64Array;
  return writeIpcParts([
    {
      type: type === 'float64[]' ? 'list<float64>' : 'list<float32>', name: 'result', length: result.length, nullCount: result.nullCount,
      validity: result.nullCount > 0 ? result.nullBitmap : null, offsets: result.valueOffsets, values: floats,
    },
    { type: 'utf8', name: 'status', length: status.length, nullCount: 0, validity: null, offsets: status.valueOffsets, data: status.values },
    {
      type: 'utf8', name: ERROR_CODE_COLUMN, length: code.length, nullCount: code.nullCount,
      validity: code.nullCount > 0 ? code.nullBitmap : null, offsets: code.valueOffsets, data: code.values,
    },
  ], result.length);
}

/**
 * The columns every all-ok answer of `n` rows × `dim` shares, built once and only read after:
 * the list offsets (i × dim), 'ok' × n as Utf8 offsets and bytes, and an all-null error_code.
 * One entry: a function's calls come in one batch size, and rebuilding them per answer was a
 * fifth of its CPU on a cold path (bench/queue-ab.bench.ts --cpu-prof).
 */
const EMPTY_BYTES = new Uint8Array(0);

let allOkShape: { n: number; dim: number; listOffsets: Int32Array; okOffsets: Int32Array; ok: Uint8Array; nullBitmap: Uint8Array; noOffsets: Int32Array } | undefined;

function allOkColumns(n: number, dim: number): NonNullable<typeof allOkShape> {
  if (allOkShape?.n === n && allOkShape.dim === dim) return allOkShape;
  const listOffsets = new Int32Array(n + 1);
  const okOffsets = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    listOffsets[i] = i * dim;
    okOffsets[i] = 2 * i;
  }
  const ok = new Uint8Array(2 * n);
  for (let i = 0; i < 2 * n; i += 2) {
    ok[i] = 0x6f; // 'o'
    ok[i + 1] = 0x6b; // 'k'
  }
  return (allOkShape = { n, dim, listOffsets, okOffsets, ok, nullBitmap: new Uint8Array((n + 7) >> 3), noOffsets: new Int32Array(n + 1) });
}

/**
 * The answer of a call whose rows are all ok vectors of the declared float type, written straight
 * from the held packed buffer: no per-row views, no assembly copy (what core/assemble.ts would
 * build for it, byte for byte: list offsets i × dim, status 'ok', error_code all null). Undefined
 * for any other call, which takes the general path.
 */
function allOkVectorsIpc(results: CallResults, type: OutputType): IpcParts | undefined {
  const packed = results.allOkVectors();
  if (!packed) return undefined;
  const float64 = packed.floats instanceof Float64Array;
  if (type !== (float64 ? 'float64[]' : 'float32[]')) return undefined;
  const n = results.rows;
  const shape = allOkColumns(n, packed.dim);
  return writeIpcParts([
    { type: float64 ? 'list<float64>' : 'list<float32>', name: 'result', length: n, nullCount: 0, validity: null, offsets: shape.listOffsets, values: packed.floats.subarray(0, n * packed.dim) },
    { type: 'utf8', name: 'status', length: n, nullCount: 0, validity: null, offsets: shape.okOffsets, data: shape.ok },
    { type: 'utf8', name: ERROR_CODE_COLUMN, length: n, nullCount: n, validity: shape.nullBitmap, offsets: shape.noOffsets, data: EMPTY_BYTES },
  ], n);
}
