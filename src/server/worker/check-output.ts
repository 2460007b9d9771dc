// Checks a handler's per-row values before they are stored as `ok` (runs in the worker, after the
// row count was checked): a NaN or ±Infinity (also inside a vector), or a typed-array vector whose
// length differs from the batch's other typed-array vectors, fails that row alone with a
// HandlerOutputError status; its neighbours stay ok. Typed float arrays are what embedding handlers
// (and the built-in model) return: a batch of them is one matrix, so ragged rows are a bug. Plain
// arrays are variable-length lists (token ids, spans…) and may differ in length.
// Functions whose declared output is 'json', 'utf8' or 'bool' are not checked.
import { errorCode } from '../../core/errors';
import type { RowError } from '../../core/types';

/** The code of HandlerError('HandlerOutputError') (errorCode of its name). */
const HANDLER_OUTPUT_CODE = errorCode('HandlerOutputError');

export interface RowValues {
  values: unknown[];
  errors?: (RowError | null)[];
}

const UNCHECKED_OUTPUTS = new Set(['json', 'utf8', 'bool']);
/** Outputs whose rows are vectors: ragged lengths are an error there (and when inferred). */
const VECTOR_OUTPUTS = new Set(['float32[]', 'float64[]']);

/** A row's vector of numbers (a float typed array, or an array holding only numbers); else undefined. */
function numericVector(v: unknown): ArrayLike<number> | undefined {
  if (v instanceof Float32Array || v instanceof Float64Array) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<number>;
  if (!Array.isArray(v) || v.length === 0) return undefined;
  for (const x of v) if (typeof x !== 'number') return undefined;
  return v as number[];
}

function firstNonFinite(v: ArrayLike<number>): number {
  for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j])) return j;
  return -1;
}

/** The length most rows have (ties: the first row's). */
function modalLength(lengths: Map<number, number>, first: number): number {
  let best = first;
  for (const [len, n] of lengths) if (n > (lengths.get(best) ?? 0)) best = len;
  return best;
}

export function checkOutput(out: RowValues, output: string | undefined): RowValues {
  if (output !== undefined && UNCHECKED_OUTPUTS.has(output)) return out;
  const { values } = out;
  let errors = out.errors;
  const fail = (i: number, message: string) => {
    errors ??= new Array<RowError | null>(values.length).fill(null);
    errors[i] = { code: HANDLER_OUTPUT_CODE, message: `HandlerOutputError: ${message}` };
    values[i] = null;
  };
  const lengths = new Map<number, number>();
  let firstLength = -1;
  const vectors: Array<[number, number]> = [];
  for (let i = 0; i < values.length; i++) {
    if (errors?.[i]) continue;
    const v = values[i];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(i, `the handler returned ${v} for this row; a result must be a finite number (fail the row with { values, errors } instead).`);
      continue;
    }
    const vec = numericVector(v);
    if (!vec) continue;
    const bad = firstNonFinite(vec);
    if (bad >= 0) {
      fail(i, `the handler returned a vector with ${vec[bad]} at position ${bad} for this row; results must be finite numbers (fail the row with { values, errors } instead).`);
      continue;
    }
    if (Array.isArray(vec)) continue; // a variable-length list
    if (firstLength < 0) firstLength = vec.length;
    lengths.set(vec.length, (lengths.get(vec.length) ?? 0) + 1);
    vectors.push([i, vec.length]);
  }
  if (lengths.size > 1 && (output === undefined || VECTOR_OUTPUTS.has(output))) {
    const dim = modalLength(lengths, firstLength);
    for (const [i, len] of vectors) {
      if (len !== dim) fail(i, `the handler returned a vector of ${len} dimensions for this row where the other rows of its batch have ${dim}; every row must have the same number of dimensions.`);
    }
  }
  return errors ? { values, errors } : out;
}
