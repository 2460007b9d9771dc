// Which Arrow result types the engine can assemble, and whether one row's value fits the type.
// Checked per row when a chunk finishes, so a malformed value becomes that row's status instead of
// corrupting the output or failing the whole call.
import { DataType, Precision, type Field } from 'apache-arrow';
import { InvalidOptionError, formatValue } from './errors';

export type OutputKind =
  | { kind: 'list'; float64: boolean }
  | { kind: 'fixed-list'; float64: boolean; size: number }
  | { kind: 'float'; float64: boolean }
  | { kind: 'int32' }
  | { kind: 'utf8' }
  | { kind: 'bool' };

export const SUPPORTED_OUTPUT_TYPES =
  'List<Float32|Float64>, FixedSizeList<Float32|Float64>, Float32, Float64, Int32, Utf8, Bool';

function floatChild(field: Field | undefined): boolean | undefined {
  const t = field?.type;
  if (!DataType.isFloat(t)) return undefined;
  if (t.precision === Precision.SINGLE) return false;
  if (t.precision === Precision.DOUBLE) return true;
  return undefined;
}

/** Classifies `type`, or throws InvalidOptionError('outputType') listing the supported types. */
export function outputKind(type: DataType): OutputKind {
  const bad = () => new InvalidOptionError('outputType', type === undefined ? undefined : String(type), SUPPORTED_OUTPUT_TYPES);
  if (!DataType.isDataType(type)) throw bad();
  if (DataType.isList(type)) {
    const f64 = floatChild(type.children[0]);
    if (f64 === undefined) throw bad();
    return { kind: 'list', float64: f64 };
  }
  if (DataType.isFixedSizeList(type)) {
    const f64 = floatChild(type.children[0]);
    if (f64 === undefined || !(type.listSize > 0)) throw bad();
    return { kind: 'fixed-list', float64: f64, size: type.listSize };
  }
  if (DataType.isFloat(type) && type.precision !== Precision.HALF) {
    return { kind: 'float', float64: type.precision === Precision.DOUBLE };
  }
  if (DataType.isInt(type) && type.bitWidth === 32 && type.isSigned) return { kind: 'int32' };
  if (DataType.isUtf8(type)) return { kind: 'utf8' };
  if (DataType.isBool(type)) return { kind: 'bool' };
  throw bad();
}

function isNumberArrayLike(v: unknown): v is ArrayLike<number> {
  if (v instanceof Float32Array || v instanceof Float64Array) return true;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) {
    return true;
  }
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'number') return false;
  return true;
}

// Top level, not a closure inside valueProblem: that runs per row, and a closure per call (named
// per call under tsx/esbuild's keepNames) was most of its cost.
function want(value: unknown, what: string): string {
  return `result ${formatValue(value)} is not ${what}`;
}

/** null when `value` fits the output kind (null always fits), else the row's error text. */
export function valueProblem(kind: OutputKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (kind.kind) {
    case 'list':
      return isNumberArrayLike(value) ? null : want(value, 'an array of numbers (List)');
    case 'fixed-list':
      if (!isNumberArrayLike(value)) return want(value, `an array of ${kind.size} numbers (FixedSizeList)`);
      return value.length === kind.size
        ? null
        : `result has ${value.length} values, expected ${kind.size} (FixedSizeList listSize)`;
    case 'float':
      return typeof value === 'number' ? null : want(value, 'a number');
    case 'int32':
      return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31
        ? null
        : want(value, 'a 32-bit integer');
    case 'utf8':
      return typeof value === 'string' ? null : want(value, 'a string');
    case 'bool':
      return typeof value === 'boolean' ? null : want(value, 'a boolean');
  }
}
