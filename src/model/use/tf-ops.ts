// The table of TensorFlow → ONNX op converters used by the TF.js graph converter.
// Each converter reproduces the TF op's semantics exactly (dtypes included: TF's int32 shape
// arithmetic stays int32, casts to int64 are inserted only where ONNX demands it) so the converted
// graph computes what the original computes, row for row. Only the attribute combinations the
// converted models use are accepted; anything else raises UnsupportedTfOpError naming the node.
import type { onnx } from 'onnx-proto';
import { DataType, type AttrValue } from '../onnx/builder';
import type { TfAttr, TfNode, TfWeight } from './tfjs-graph';
import { EmbedbookError } from '../../core/errors';

/** A TF op, or an attribute combination of one, that this converter does not implement. */
export class UnsupportedTfOpError extends EmbedbookError {
  override readonly name = 'UnsupportedTfOpError';
  constructor(node: TfNode, what: string) {
    super(`cannot convert TF node "${node.name}" (op ${node.op}): ${what}`);
  }
}

/** What an op converter may ask of the graph being built. */
export interface ConvertContext {
  /** ONNX tensor name of the node's i-th input. */
  input(i: number): string;
  /** Number of data inputs (control inputs "^x" excluded). */
  readonly inputCount: number;
  /** ONNX element type of a tensor already produced. */
  dtype(tensor: string): number;
  /** Rank of a tensor when statically known. */
  rank(tensor: string): number | undefined;
  /** The constant value behind input i (a TF Const node), if it is one. */
  constInput(i: number): TfWeight | undefined;
  /** Emit an ONNX node. */
  emit(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, AttrValue>): void;
  /** Add an int64 initializer and return its name. */
  int64(values: readonly number[], dims?: readonly number[]): string;
  /** Add a scalar/array initializer of the given ONNX type. */
  constant(values: readonly number[], elemType: number, dims?: readonly number[]): string;
  /** A fresh, deterministic tensor name derived from the node's name. */
  fresh(suffix: string): string;
  /** Register output k of the TF node (k = 0 → "node", k > 0 → "node:k"). */
  define(k: number, onnxName: string, elemType: number, rank?: number): void;
  /** The name the TF node's output k should preferably get. */
  outName(k?: number): string;
  /** Cast a tensor to int64 (no-op when it already is one). */
  toInt64(tensor: string): string;
}

export type OpConverter = (node: TfNode, ctx: ConvertContext) => void;

/** TF DataType enum → ONNX TensorProto.DataType. */
export function tfTypeToOnnx(t: string | number | undefined, node: TfNode): number {
  const map: Record<string, number> = {
    '1': DataType.FLOAT, DT_FLOAT: DataType.FLOAT,
    '3': DataType.INT32, DT_INT32: DataType.INT32,
    '9': DataType.INT64, DT_INT64: DataType.INT64,
    '10': DataType.BOOL, DT_BOOL: DataType.BOOL,
  };
  const v = t === undefined ? undefined : map[String(t)];
  if (v === undefined) throw new UnsupportedTfOpError(node, `data type ${String(t)} (float32, int32, int64, bool)`);
  return v;
}

const attrInt = (node: TfNode, key: string, dflt = 0): number => {
  const a: TfAttr | undefined = node.attr?.[key];
  return a?.i !== undefined ? Number(a.i) : dflt;
};
const attrBool = (node: TfNode, key: string): boolean => node.attr?.[key]?.b === true;
const attrInts = (node: TfNode, key: string): number[] => (node.attr?.[key]?.list?.i ?? []).map(Number);
const attrString = (node: TfNode, key: string): string | undefined => {
  // TF.js writes bytes either as a byte array or as base64.
  const s = node.attr?.[key]?.s;
  if (s === undefined) return undefined;
  const bytes = typeof s === 'string' ? Uint8Array.from(atob(s), (c) => c.charCodeAt(0)) : Uint8Array.from(s);
  return new TextDecoder().decode(bytes);
};

function constValues(node: TfNode, ctx: ConvertContext, i: number, what: string): number[] {
  const c = ctx.constInput(i);
  if (!c) throw new UnsupportedTfOpError(node, `${what} (input ${i}) must be a constant`);
  return Array.from(c.data);
}

/** ONNX Slice end value meaning "to the end" / "from the start when stepping backwards". */
const INT64_MAX = Number.MAX_SAFE_INTEGER;
const INT64_MIN = Number.MIN_SAFE_INTEGER;

const unary = (onnxOp: string): OpConverter => (node, ctx) => {
  const x = ctx.input(0);
  ctx.emit(onnxOp, [x], [ctx.outName()]);
  ctx.define(0, ctx.outName(), ctx.dtype(x), ctx.rank(x));
};

const binary = (onnxOp: string, outType?: number): OpConverter => (node, ctx) => {
  const a = ctx.input(0);
  const b = ctx.input(1);
  if (ctx.dtype(a) !== ctx.dtype(b)) {
    throw new UnsupportedTfOpError(node, `operand types differ (${ctx.dtype(a)} vs ${ctx.dtype(b)})`);
  }
  ctx.emit(onnxOp, [a, b], [ctx.outName()]);
  const ra = ctx.rank(a);
  const rb = ctx.rank(b);
  ctx.define(0, ctx.outName(), outType ?? ctx.dtype(a), ra !== undefined && rb !== undefined ? Math.max(ra, rb) : undefined);
};

/** TF reductions take their axes as a tensor input; keep_dims defaults to false. */
const reduce = (onnxOp: string, axesAsInput: boolean): OpConverter => (node, ctx) => {
  const x = ctx.input(0);
  const axes = constValues(node, ctx, 1, 'reduction axes');
  const keepdims = attrBool(node, 'keep_dims') ? 1 : 0;
  if (axesAsInput) ctx.emit(onnxOp, [x, ctx.int64(axes, [axes.length])], [ctx.outName()], { keepdims });
  else ctx.emit(onnxOp, [x], [ctx.outName()], { axes: { ints: axes }, keepdims });
  const r = ctx.rank(x);
  ctx.define(0, ctx.outName(), ctx.dtype(x), r === undefined ? undefined : keepdims ? r : r - axes.length);
};

function transposeLastTwo(node: TfNode, ctx: ConvertContext, x: string, tag: string): string {
  const r = ctx.rank(x);
  if (r === undefined || r < 2) throw new UnsupportedTfOpError(node, `transposed operand ${x} needs a known rank ≥ 2`);
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  const out = ctx.fresh(tag);
  ctx.emit('Transpose', [x], [out], { perm: { ints: perm } });
  ctx.define(-1, out, ctx.dtype(x), r);
  return out;
}

const matmul = (flagA: string, flagB: string): OpConverter => (node, ctx) => {
  let a = ctx.input(0);
  let b = ctx.input(1);
  if (attrBool(node, flagA)) a = transposeLastTwo(node, ctx, a, 'a_T');
  if (attrBool(node, flagB)) b = transposeLastTwo(node, ctx, b, 'b_T');
  ctx.emit('MatMul', [a, b], [ctx.outName()]);
  const ra = ctx.rank(a);
  const rb = ctx.rank(b);
  ctx.define(0, ctx.outName(), ctx.dtype(a), ra !== undefined && rb !== undefined ? Math.max(ra, rb) : undefined);
};

const strictNoMask = (node: TfNode, keys: string[]): void => {
  for (const k of keys) if (attrInt(node, k) !== 0) throw new UnsupportedTfOpError(node, `${k} ≠ 0 is not supported`);
};

export const TF_OP_CONVERTERS: Readonly<Record<string, OpConverter>> = {
  Identity: unary('Identity'),
  Relu: unary('Relu'),
  Tanh: unary('Tanh'),
  Sin: unary('Sin'),
  Cos: unary('Cos'),
  Sqrt: unary('Sqrt'),
  LogicalNot: unary('Not'),
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Less: binary('Less', DataType.BOOL),
  Greater: binary('Greater', DataType.BOOL),
  Sum: reduce('ReduceSum', true),
  Mean: reduce('ReduceMean', false),
  Max: reduce('ReduceMax', false),
  Prod: reduce('ReduceProd', false),
  MatMul: matmul('transpose_a', 'transpose_b'),
  BatchMatMul: matmul('adj_x', 'adj_y'),
  BatchMatMulV2: matmul('adj_x', 'adj_y'),

  Square: (node, ctx) => {
    const x = ctx.input(0);
    ctx.emit('Mul', [x, x], [ctx.outName()]);
    ctx.define(0, ctx.outName(), ctx.dtype(x), ctx.rank(x));
  },
  Rsqrt: (node, ctx) => {
    const x = ctx.input(0);
    const s = ctx.fresh('sqrt');
    ctx.emit('Sqrt', [x], [s]);
    ctx.emit('Reciprocal', [s], [ctx.outName()]);
    ctx.define(0, ctx.outName(), ctx.dtype(x), ctx.rank(x));
  },
  Softmax: (node, ctx) => {
    const x = ctx.input(0);
    ctx.emit('Softmax', [x], [ctx.outName()], { axis: -1 });
    ctx.define(0, ctx.outName(), ctx.dtype(x), ctx.rank(x));
  },
  BiasAdd: (node, ctx) => {
    const fmt = attrString(node, 'data_format') ?? 'NHWC';
    if (fmt !== 'NHWC') throw new UnsupportedTfOpError(node, `data_format ${fmt} (only NHWC: bias on the last axis)`);
    binary('Add')(node, ctx);
  },
  Cast: (node, ctx) => {
    const x = ctx.input(0);
    const to = tfTypeToOnnx(node.attr?.DstT?.type, node);
    ctx.emit('Cast', [x], [ctx.outName()], { to });
    ctx.define(0, ctx.outName(), to, ctx.rank(x));
  },
  Shape: (node, ctx) => {
    const x = ctx.input(0);
    const outType = tfTypeToOnnx(node.attr?.out_type?.type ?? 3, node);
    if (outType === DataType.INT64) {
      ctx.emit('Shape', [x], [ctx.outName()]);
    } else {
      const s = ctx.fresh('shape64');
      ctx.emit('Shape', [x], [s]);
      ctx.emit('Cast', [s], [ctx.outName()], { to: outType });
    }
    ctx.define(0, ctx.outName(), outType, 1);
  },
  Reshape: (node, ctx) => {
    const x = ctx.input(0);
    const c = ctx.constInput(1);
    // allowzero: a TF shape of 0 means an empty dimension (no tokens in the batch), never "copy".
    ctx.emit('Reshape', [x, ctx.toInt64(ctx.input(1))], [ctx.outName()], { allowzero: 1 });
    ctx.define(0, ctx.outName(), ctx.dtype(x), c ? c.data.length : undefined);
  },
  ExpandDims: (node, ctx) => {
    const x = ctx.input(0);
    const [axis] = constValues(node, ctx, 1, 'dim');
    ctx.emit('Unsqueeze', [x, ctx.int64([axis], [1])], [ctx.outName()]);
    const r = ctx.rank(x);
    ctx.define(0, ctx.outName(), ctx.dtype(x), r === undefined ? undefined : r + 1);
  },
  Squeeze: (node, ctx) => {
    const x = ctx.input(0);
    const dims = attrInts(node, 'squeeze_dims');
    if (dims.length === 0) throw new UnsupportedTfOpError(node, 'Squeeze without squeeze_dims (shape-dependent)');
    ctx.emit('Squeeze', [x, ctx.int64(dims, [dims.length])], [ctx.outName()]);
    const r = ctx.rank(x);
    ctx.define(0, ctx.outName(), ctx.dtype(x), r === undefined ? undefined : r - dims.length);
  },
  Transpose: (node, ctx) => {
    const x = ctx.input(0);
    const perm = constValues(node, ctx, 1, 'perm');
    ctx.emit('Transpose', [x], [ctx.outName()], { perm: { ints: perm } });
    ctx.define(0, ctx.outName(), ctx.dtype(x), perm.length);
  },
  ConcatV2: (node, ctx) => {
    const n = ctx.inputCount - 1;
    const [axis] = constValues(node, ctx, n, 'axis');
    const xs = [...Array(n).keys()].map((i) => ctx.input(i));
    ctx.emit('Concat', xs, [ctx.outName()], { axis });
    ctx.define(0, ctx.outName(), ctx.dtype(xs[0]), ctx.rank(xs[0]));
  },
  Pack: (node, ctx) => {
    const axis = attrInt(node, 'axis');
    const n = ctx.inputCount;
    const parts = [...Array(n).keys()].map((i) => {
      const x = ctx.input(i);
      const u = ctx.fresh(`unsq${i}`);
      ctx.emit('Unsqueeze', [x, ctx.int64([axis], [1])], [u]);
      return u;
    });
    ctx.emit('Concat', parts, [ctx.outName()], { axis });
    const r = ctx.rank(ctx.input(0));
    ctx.define(0, ctx.outName(), ctx.dtype(ctx.input(0)), r === undefined ? undefined : r + 1);
  },
  GatherV2: (node, ctx) => {
    if (attrInt(node, 'batch_dims') !== 0) throw new UnsupportedTfOpError(node, 'batch_dims ≠ 0');
    const params = ctx.input(0);
    const indices = ctx.input(1);
    const [axis] = constValues(node, ctx, 2, 'axis');
    ctx.emit('Gather', [params, indices], [ctx.outName()], { axis });
    const rp = ctx.rank(params);
    const ri = ctx.rank(indices);
    ctx.define(0, ctx.outName(), ctx.dtype(params), rp !== undefined && ri !== undefined ? rp - 1 + ri : undefined);
  },
  GatherNd: (node, ctx) => {
    const params = ctx.input(0);
    ctx.emit('GatherND', [params, ctx.toInt64(ctx.input(1))], [ctx.outName()]);
    ctx.define(0, ctx.outName(), ctx.dtype(params));
  },
  ScatterNd: (node, ctx) => {
    // TF: zeros(shape) with updates scattered in (indices are unique in the graphs we convert,
    // so ONNX ScatterND's "last write wins" equals TF's summation).
    const updates = ctx.input(1);
    const zeros = ctx.fresh('zeros');
    const zeroValue = ctx.dtype(updates) === DataType.FLOAT
      ? { tensor: { dims: [1], dataType: DataType.FLOAT, rawData: new Uint8Array(4) } }
      : { tensor: { dims: [1], dataType: ctx.dtype(updates), rawData: new Uint8Array(ctx.dtype(updates) === DataType.INT64 ? 8 : 4) } };
    ctx.emit('ConstantOfShape', [ctx.toInt64(ctx.input(2))], [zeros], { value: zeroValue as { tensor: onnx.ITensorProto } });
    ctx.emit('ScatterND', [zeros, ctx.toInt64(ctx.input(0)), updates], [ctx.outName()]);
    const c = ctx.constInput(2);
    ctx.define(0, ctx.outName(), ctx.dtype(updates), c ? c.data.length : undefined);
  },
  SparseToDense: (node, ctx) => {
    // dense = fill(output_shape, default_value); dense[indices[i]] = values[i].
    const values = ctx.input(2);
    const filled = ctx.fresh('filled');
    ctx.emit('Expand', [ctx.input(3), ctx.toInt64(ctx.input(1))], [filled]);
    ctx.emit('ScatterND', [filled, ctx.toInt64(ctx.input(0)), values], [ctx.outName()]);
    ctx.define(0, ctx.outName(), ctx.dtype(values), 2);
  },
  Where: (node, ctx) => {
    if (ctx.inputCount !== 1) throw new UnsupportedTfOpError(node, 'only the one-input form (coordinates of true elements)');
    const x = ctx.input(0);
    const nz = ctx.fresh('nonzero');
    ctx.emit('NonZero', [x], [nz]);
    // TF returns [n, rank] int64 in row-major order, NonZero returns [rank, n] in the same order.
    ctx.emit('Transpose', [nz], [ctx.outName()], { perm: { ints: [1, 0] } });
    ctx.define(0, ctx.outName(), DataType.INT64, 2);
  },
  Range: (node, ctx) => {
    const xs = [0, 1, 2].map((i) => ctx.input(i));
    ctx.emit('Range', xs, [ctx.outName()]);
    ctx.define(0, ctx.outName(), ctx.dtype(xs[0]), 1);
  },
  Slice: (node, ctx) => {
    const x = ctx.input(0);
    const begin = constValues(node, ctx, 1, 'begin');
    const size = constValues(node, ctx, 2, 'size');
    const ends = begin.map((b, i) => (size[i] === -1 ? INT64_MAX : b + size[i]));
    const axes = begin.map((_, i) => i);
    ctx.emit('Slice', [x, ctx.int64(begin, [begin.length]), ctx.int64(ends, [ends.length]), ctx.int64(axes, [axes.length])], [ctx.outName()]);
    ctx.define(0, ctx.outName(), ctx.dtype(x), ctx.rank(x));
  },
  StridedSlice: (node, ctx) => {
    strictNoMask(node, ['ellipsis_mask', 'new_axis_mask']);
    const x = ctx.input(0);
    const begin = constValues(node, ctx, 1, 'begin');
    const end = constValues(node, ctx, 2, 'end');
    const strides = constValues(node, ctx, 3, 'strides');
    const beginMask = attrInt(node, 'begin_mask');
    const endMask = attrInt(node, 'end_mask');
    const shrinkMask = attrInt(node, 'shrink_axis_mask');
    const starts: number[] = [];
    const ends: number[] = [];
    const shrink: number[] = [];
    begin.forEach((b, i) => {
      const step = strides[i];
      const bit = 1 << i;
      let s = beginMask & bit ? (step > 0 ? 0 : INT64_MAX) : b;
      let e = endMask & bit ? (step > 0 ? INT64_MAX : INT64_MIN) : end[i];
      if (shrinkMask & bit) {
        if (step !== 1) throw new UnsupportedTfOpError(node, 'shrink_axis with a stride other than 1');
        s = b;
        e = b === -1 ? INT64_MAX : b + 1;
        shrink.push(i);
      }
      starts.push(s);
      ends.push(e);
    });
    const axes = begin.map((_, i) => i);
    const sliced = shrink.length ? ctx.fresh('sliced') : ctx.outName();
    ctx.emit(
      'Slice',
      [x, ctx.int64(starts, [starts.length]), ctx.int64(ends, [ends.length]), ctx.int64(axes, [axes.length]), ctx.int64(strides, [strides.length])],
      [sliced],
    );
    if (shrink.length) ctx.emit('Squeeze', [sliced, ctx.int64(shrink, [shrink.length])], [ctx.outName()]);
    const r = ctx.rank(x);
    ctx.define(0, ctx.outName(), ctx.dtype(x), r === undefined ? undefined : r - shrink.length);
  },
  SplitV: (node, ctx) => {
    const x = ctx.input(0);
    const sizes = constValues(node, ctx, 1, 'size_splits');
    const [axis] = constValues(node, ctx, 2, 'axis');
    if (sizes.includes(-1)) throw new UnsupportedTfOpError(node, 'a size_splits entry of -1');
    const outs = sizes.map((_, k) => ctx.outName(k));
    ctx.emit('Split', [x, ctx.int64(sizes, [sizes.length])], outs, { axis });
    outs.forEach((o, k) => ctx.define(k, o, ctx.dtype(x), ctx.rank(x)));
  },
  Conv2D: (node, ctx) => {
    // The encoder's projections are 1×1 convolutions over NHWC: exactly a MatMul on the last axis.
    const fmt = attrString(node, 'data_format') ?? 'NHWC';
    const strides = attrInts(node, 'strides');
    const dil = attrInts(node, 'dilations');
    const k = ctx.constInput(1);
    if (fmt !== 'NHWC' || !k || k.shape.length !== 4 || k.shape[0] !== 1 || k.shape[1] !== 1 ||
        strides.some((s) => s !== 1) || dil.some((d) => d !== 1)) {
      throw new UnsupportedTfOpError(node, 'only 1×1, stride 1, NHWC convolutions with a constant kernel');
    }
    const w = ctx.fresh('kernel2d');
    ctx.emit('Reshape', [ctx.input(1), ctx.int64([k.shape[2], k.shape[3]], [2])], [w]);
    ctx.emit('MatMul', [ctx.input(0), w], [ctx.outName()]);
    ctx.define(0, ctx.outName(), DataType.FLOAT, ctx.rank(ctx.input(0)));
  },
};
