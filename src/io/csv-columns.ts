// CSV cell text → typed Arrow columns. Type inference is a small lattice per column:
//   null < empty < bool;  null < empty < int < float < utf8;  bool ⊔ number = utf8.
// Cells are `null` for an unquoted empty field and "" for a quoted one (see csv-tokenizer.ts).
// Empty cells follow pyarrow's read_csv defaults (strings_can_be_null=False): in a text column an
// empty cell, quoted or not, is the empty string (a value, embedded like any text); in a
// bool/int/float column it is null (there is no empty number). A column with no value at all
// (every cell unquoted-empty) is an all-null text column. A column whose only values are "" is
// text. Integers with leading zeros ("007") and integers beyond
// 2^53 stay text, so IDs and zip codes are never mangled; integers beyond int32 become float64
// (exact up to 2^53).
import { Bool, Data, Float64, Int32, Utf8, makeData } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import type { CsvField } from './csv-tokenizer';

/** 'empty': no cell so far but null or "" (quoted empty): text unless other cells say otherwise. */
export type CsvKind = 'null' | 'empty' | 'bool' | 'int' | 'float' | 'utf8';

const INT_RE = /^-?(?:0|[1-9]\d*)$/;
const FLOAT_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/** The narrowest kind that represents this (non-empty) cell exactly. */
function kindOfCell(s: string): CsvKind {
  const c = s.charCodeAt(0);
  // Fast exit for ordinary text: numbers start with a digit, sign or dot.
  const numericStart = (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46;
  if (!numericStart) {
    if (s.length === 4 || s.length === 5) {
      const l = s.toLowerCase();
      if (l === 'true' || l === 'false') return 'bool';
    }
    return 'utf8';
  }
  if (INT_RE.test(s)) {
    if (s.length <= 11) {
      const v = Number(s);
      if (v >= INT32_MIN && v <= INT32_MAX) return 'int';
    }
    return Number.isSafeInteger(Number(s)) ? 'float' : 'utf8';
  }
  if (FLOAT_RE.test(s)) {
    // "007" style integers with leading zeros are identifiers, not numbers.
    if (/^[-+]?0\d+$/.test(s)) return 'utf8';
    return Number.isFinite(Number(s)) ? 'float' : 'utf8';
  }
  return 'utf8';
}

function joinKinds(a: CsvKind, b: CsvKind): CsvKind {
  if (a === b) return a;
  if (a === 'null' || a === 'empty') return b === 'null' ? a : b;
  if (b === 'null' || b === 'empty') return a;
  if (a === 'utf8' || b === 'utf8') return 'utf8';
  if (a === 'bool' || b === 'bool') return 'utf8';
  return 'float'; // int ⊔ float
}

/** The join of the current kind and every cell; stops early once the column is text. */
export function inferKind(cells: readonly CsvField[], start: CsvKind): CsvKind {
  let kind = start;
  if (kind === 'utf8') return kind;
  for (let i = 0; i < cells.length; i++) {
    const s = cells[i];
    if (s === null) continue;
    kind = joinKinds(kind, s.length === 0 ? 'empty' : kindOfCell(s));
    if (kind === 'utf8') break;
  }
  return kind;
}

export function arrowTypeOf(kind: CsvKind): DataType {
  switch (kind) {
    case 'bool':
      return new Bool();
    case 'int':
      return new Int32();
    case 'float':
      return new Float64();
    default:
      return new Utf8(); // 'null'/'empty' columns (all blank so far) are text: the most permissive
  }
}

/** True when a cell is null in a column of this kind (in a text column no cell is: empty is ""). */
function isNullCell(s: CsvField, text: boolean): s is null | '' {
  return !text && (s === null || s.length === 0);
}

/** Validity bitmap (bit set = valid) for cells, or undefined when none is null. */
function validity(cells: readonly CsvField[], text: boolean): { bitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (let i = 0; i < cells.length; i++) if (isNullCell(cells[i], text)) nullCount++;
  if (nullCount === 0) return { bitmap: undefined, nullCount };
  const bitmap = new Uint8Array((cells.length + 7) >> 3);
  for (let i = 0; i < cells.length; i++) if (!isNullCell(cells[i], text)) bitmap[i >> 3] |= 1 << (i & 7);
  return { bitmap, nullCount };
}

const encoder = new TextEncoder();

/** Builds one Arrow column from cell text. Cells must already fit `kind` (see inferKind). */
export function buildColumn(cells: readonly CsvField[], kind: CsvKind): Data {
  const length = cells.length;
  // A 'null' column (no cell had a value) stays all null; see the header.
  const text = kind === 'utf8' || kind === 'empty';
  const { bitmap, nullCount } = validity(cells, text);
  switch (kind) {
    case 'int': {
      const values = new Int32Array(length);
      for (let i = 0; i < length; i++) if (cells[i]) values[i] = Number(cells[i]);
      return makeData({ type: new Int32(), length, nullCount, nullBitmap: bitmap, data: values });
    }
    case 'float': {
      const values = new Float64Array(length);
      for (let i = 0; i < length; i++) if (cells[i]) values[i] = Number(cells[i]);
      return makeData({ type: new Float64(), length, nullCount, nullBitmap: bitmap, data: values });
    }
    case 'bool': {
      const values = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) {
        const s = cells[i];
        if (s !== null && s.length === 4) values[i >> 3] |= 1 << (i & 7); // only "true" (any case) has 4 chars
      }
      return makeData({ type: new Bool(), length, nullCount, nullBitmap: bitmap, data: values });
    }
    default:
      return buildUtf8(cells, bitmap, nullCount);
  }
}

function buildUtf8(cells: readonly CsvField[], bitmap: Uint8Array | undefined, nullCount: number): Data<Utf8> {
  const length = cells.length;
  let chars = 0;
  for (let i = 0; i < length; i++) chars += cells[i]?.length ?? 0;
  // One UTF-16 unit encodes to at most 3 UTF-8 bytes.
  let bytes = new Uint8Array(Math.max(16, chars * 3));
  const offsets = new Int32Array(length + 1);
  let at = 0;
  for (let i = 0; i < length; i++) {
    const s = cells[i];
    if (s !== null && s.length !== 0) {
      if (s.length < 64) {
        // Short strings: an ASCII fast path beats encodeInto's call overhead.
        let ascii = true;
        for (let k = 0; k < s.length; k++) {
          const c = s.charCodeAt(k);
          if (c >= 128) {
            ascii = false;
            break;
          }
          bytes[at + k] = c;
        }
        if (ascii) at += s.length;
        else at += encoder.encodeInto(s, bytes.subarray(at)).written;
      } else {
        at += encoder.encodeInto(s, bytes.subarray(at)).written;
      }
    }
    offsets[i + 1] = at;
  }
  if (bytes.byteLength > at * 1.25 + 1024) bytes = bytes.slice(0, at);
  return makeData({ type: new Utf8(), length, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data: bytes });
}

/**
 * Re-types an already built column to a wider kind (a later batch turned out to need it).
 * int → float is exact; bool/int/float → utf8 renders the parsed value (so "1.50" becomes "1.5",
 * "TRUE" becomes "true"): the values are preserved, the original spelling of those earlier cells
 * is not. Columns that are text from the start (the usual case) never pass through here.
 */
export function widenColumn(data: Data, from: CsvKind, to: CsvKind): Data {
  if (from === to) return data;
  const length = data.length;
  const valid = (i: number): boolean => data.nullBitmap == null || data.nullBitmap.byteLength === 0 || ((data.nullBitmap[i >> 3] >> (i & 7)) & 1) === 1;
  const cells: CsvField[] = new Array<CsvField>(length);
  if (from === 'null') return buildColumn(new Array<CsvField>(length).fill(null), to);
  // 'empty' columns hold only null and "" (a typed `to` turns "" into null, as in buildColumn).
  if (from === 'empty') return buildColumn(Array.from({ length }, (_, i) => (valid(i) ? '' : null)), to);
  for (let i = 0; i < length; i++) {
    if (!valid(i)) {
      cells[i] = null;
      continue;
    }
    if (from === 'bool') cells[i] = ((data.values as Uint8Array)[i >> 3] >> (i & 7)) & 1 ? 'true' : 'false';
    else cells[i] = String((data.values as Int32Array | Float64Array)[i]);
  }
  return buildColumn(cells, to);
}
