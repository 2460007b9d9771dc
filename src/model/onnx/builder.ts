// A small, dependency-light ONNX graph builder over onnx-proto (protobufjs, ONNX v1.10 schema).
// Shared by the synthetic BERT generator and the TF.js → ONNX converter. Encoding is
// deterministic: protobufjs writes fields in field-number order and repeated fields in the order
// given, and tensors are stored as little-endian raw_data, so the same calls give the same bytes.
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import { EmbedbookError } from '../../core/errors';

// onnx-proto is CommonJS (`module.exports = $root`); a default import works in Node, tsx,
// Vitest and Vite alike, whereas a named import is not detectable by Node's CJS lexer.
const proto = onnxProto.onnx;

export type { onnx };

/** ONNX element types this builder can store (TensorProto.DataType values). */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

export type TensorData =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Uint16Array;

/** Raised when a builder call gets inconsistent input (wrong element count, unknown type...). */
export class OnnxBuildError extends EmbedbookError {
  override readonly name = 'OnnxBuildError';
}

function inferDataType(data: TensorData): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Float64Array) return DataType.DOUBLE;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof BigInt64Array) return DataType.INT64;
  if (data instanceof Int8Array) return DataType.INT8;
  if (data instanceof Uint16Array) return DataType.FLOAT16; // raw half-precision bits
  return DataType.UINT8;
}

/**
 * An initializer / constant tensor. `data` length must equal the product of `dims`
 * (a scalar has dims []). Pass `dataType` only to store a Uint8Array as BOOL, say.
 */
export function tensor(
  name: string,
  dims: readonly number[],
  data: TensorData,
  dataType?: number,
): onnx.ITensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new OnnxBuildError(
      `tensor "${name}": dims [${dims.join(', ')}] hold ${count} elements but data has ${data.length}`,
    );
  }
  // Copy: the caller may reuse its buffer, and a view into a larger buffer must not leak bytes.
  const raw = new Uint8Array(data.byteLength);
  raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return { name, dims: [...dims], dataType: dataType ?? inferDataType(data), rawData: raw };
}

/** Tagged attribute values, for when a plain number would be ambiguous (float 1.0 vs int 1). */
export type AttrValue =
  | number // integer → INT, otherwise FLOAT
  | bigint
  | string
  | readonly number[] // all integers → INTS, otherwise FLOATS
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly ints: readonly number[] }
  | { readonly tensor: onnx.ITensorProto };

export const float = (v: number): AttrValue => ({ float: v });

const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: AT.INT, i: v } : { name, type: AT.FLOAT, f: v };
  }
  if (typeof v === 'bigint') return { name, type: AT.INT, i: Number(v) };
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    const arr = v as readonly number[];
    return arr.every(Number.isInteger)
      ? { name, type: AT.INTS, ints: [...arr] }
      : { name, type: AT.FLOATS, floats: [...arr] };
  }
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: [...v.floats] };
  if ('ints' in v) return { name, type: AT.INTS, ints: [...v.ints] };
  if ('tensor' in v) return { name, type: AT.TENSOR, t: v.tensor };
  throw new OnnxBuildError(`attribute "${name}": unsupported value ${String(v)}`);
}

/** One graph node. Attributes are emitted in sorted key order so output never depends on object order. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Readonly<Record<string, AttrValue>> = {},
  name?: string,
  domain?: string,
): onnx.INodeProto {
  const keys = Object.keys(attrs).sort();
  return {
    opType,
    input: [...inputs],
    output: [...outputs],
    name: name ?? `${opType}_${outputs[0] ?? ''}`,
    attribute: keys.map((k) => attribute(k, attrs[k])),
    ...(domain ? { domain } : {}),
  };
}

/** A graph input/output declaration; string dims are symbolic (e.g. 'batch_size'). */
export function valueInfo(
  name: string,
  elemType: number,
  shape: readonly (number | string)[],
): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface GraphSpec {
  name: string;
  nodes: onnx.INodeProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  initializers: onnx.ITensorProto[];
}

export function graph(spec: GraphSpec): onnx.IGraphProto {
  return {
    name: spec.name,
    node: spec.nodes,
    input: spec.inputs,
    output: spec.outputs,
    initializer: spec.initializers,
  };
}

export interface ModelOptions {
  /** Default-domain opset (default 17: LayerNormalization is a standard op from 17). */
  opset?: number;
  /** ONNX IR version (default 8, the newest this onnx-proto schema knows; ORT 1.x reads it). */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Extra opset imports, e.g. [{ domain: 'com.microsoft', version: 1 }]. */
  extraOpsets?: { domain: string; version: number }[];
}

/** Assemble and encode a model: the same graph and options always give the same bytes. */
export function encodeModel(g: onnx.IGraphProto, opts: ModelOptions = {}): Uint8Array {
  const m: onnx.IModelProto = {
    irVersion: opts.irVersion ?? 8,
    opsetImport: [
      { domain: '', version: opts.opset ?? 17 },
      ...(opts.extraOpsets ?? []).map((o) => ({ domain: o.domain, version: o.version })),
    ],
    producerName: opts.producerName ?? 'embedbook',
    producerVersion: opts.producerVersion ?? '0.1.0',
    graph: g,
    ...(opts.docString ? { docString: opts.docString } : {}),
  };
  const err = proto.ModelProto.verify(m);
  if (err) throw new OnnxBuildError(`invalid ModelProto: ${err}`);
  return proto.ModelProto.encode(proto.ModelProto.create(m)).finish();
}

/** Decode ONNX bytes (throws protobufjs errors on garbage; callers wrap them in their own error). */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return proto.ModelProto.decode(bytes);
}

/** Read a tensor's raw_data back as Float32Array (for tests and inspection). */
export function floatData(t: onnx.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData);
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}
