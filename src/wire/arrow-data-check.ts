// A column apache-arrow decoded, checked against its own buffers before anyone reads a value from
// it. apache-arrow builds a Vector's length from the stream's field nodes and views its buffers
// as they came: a node that claims more values than its offsets, values or validity buffer hold
// reads past them (undefined, garbage, or RangeErrors deep inside get()). Only the types the
// server reads are checked; others are refused by name before their values are touched.
import { Type, type Data, type FixedSizeList } from 'apache-arrow';

type Offsets = Int32Array | BigInt64Array;

/** Offsets of `length` entries from `start` that exist, never decrease, and end within `limit`. */
export function offsetsProblem(o: Offsets | undefined, start: number, length: number, limit: number, what: string): string | undefined {
  if (!o || o.length < start + length + 1) {
    return `claims ${length} ${what} but its offsets buffer holds ${o ? Math.max(0, o.length - start - 1) : 0}`;
  }
  let prev = Number(o[start]);
  if (prev < 0) return `has a negative first offset (${prev})`;
  for (let i = start + 1; i <= start + length; i++) {
    const v = Number(o[i]);
    if (v < prev) return `has decreasing offsets at entry ${i - start} (${prev} then ${v})`;
    prev = v;
  }
  return prev > limit ? `has offsets up to ${prev} but only ${limit} bytes or values behind them` : undefined;
}

function dataProblem(d: Data, what: string): string | undefined {
  const end = d.offset + d.length;
  if (d.nullBitmap && d.nullBitmap.length > 0 && d.nullBitmap.length * 8 < end) {
    return `claims ${d.length} ${what} but its validity bitmap covers ${d.nullBitmap.length * 8 - d.offset}`;
  }
  if (d.nullCount > d.length) return `claims ${d.nullCount} nulls in ${d.length} ${what}`;
  switch (d.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return offsetsProblem(d.valueOffsets as Offsets, d.offset, d.length, (d.values as Uint8Array | undefined)?.length ?? 0, what);
    case Type.Bool:
      return ((d.values as Uint8Array | undefined)?.length ?? 0) * 8 < end ? `claims ${d.length} ${what} but its values buffer holds fewer bits` : undefined;
    case Type.Int:
    case Type.Float:
    case Type.Decimal: {
      const have = (d.values as ArrayLike<unknown> | undefined)?.length ?? 0;
      return have < end * d.stride ? `claims ${d.length} ${what} but its values buffer holds ${Math.floor(have / d.stride) - d.offset}` : undefined;
    }
    case Type.List:
    case Type.LargeList: {
      const child = d.children[0] as Data | undefined;
      if (!child) return 'is a list without its child values';
      return offsetsProblem(d.valueOffsets as Offsets, d.offset, d.length, child.length, what) ?? dataProblem(child, 'list values');
    }
    case Type.FixedSizeList: {
      const child = d.children[0] as Data | undefined;
      const size = (d.type as FixedSizeList).listSize;
      if (!child) return 'is a list without its child values';
      if (child.length < end * size) return `claims ${d.length} lists of ${size} but only ${child.length} values follow`;
      return dataProblem(child, 'list values');
    }
    default:
      return undefined;
  }
}

/**
 * Why a decoded column's buffers cannot back the values it claims (e.g. `claims 900 rows but its
 * offsets buffer holds 2`), or undefined when every value it claims is there to read.
 */
export function columnDataProblem(chunks: ReadonlyArray<Data>): string | undefined {
  for (const d of chunks) {
    const problem = dataProblem(d, 'rows');
    if (problem) return problem;
  }
  return undefined;
}
