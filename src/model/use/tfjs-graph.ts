// Reads a TF.js graph model (model.json + binary weight shards) into plain data: the node list
// and every weight as a typed array. Only what the Universal Sentence Encoder lite export uses is
// supported (float32 / int32 weights, no quantisation); anything else is a clear error.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { concatBytes } from '../../core/bytes';
import { EmbedbookError } from '../../core/errors';

/** An attribute value as TF.js serialises a tensorflow AttrValue to JSON. */
export interface TfAttr {
  i?: string;
  f?: number;
  b?: boolean;
  s?: string | number[]; // base64 or raw bytes
  type?: string | number;
  shape?: unknown;
  list?: { i?: string[]; s?: string[]; f?: number[] };
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

type TfWeightData = Float32Array | Int32Array;

export interface TfWeight {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: TfWeightData;
}

export interface TfGraph {
  nodes: TfNode[];
  weights: Map<string, TfWeight>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface ModelJson {
  modelTopology?: { node?: TfNode[] };
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
}

/** The TF.js model files are missing, truncated or use a feature this reader does not handle. */
export class TfjsModelError extends EmbedbookError {
  override readonly name = 'TfjsModelError';
}

export async function readTfjsGraph(modelDir: string): Promise<TfGraph> {
  const jsonPath = path.join(modelDir, 'model.json');
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  } catch (e) {
    throw new TfjsModelError(`cannot read TF.js model ${jsonPath}: ${(e as Error).message}`);
  }
  const nodes = json.modelTopology?.node;
  const manifest = json.weightsManifest;
  if (!nodes || !manifest) {
    throw new TfjsModelError(`${jsonPath} is not a TF.js graph model (no modelTopology.node / weightsManifest)`);
  }
  const weights = new Map<string, TfWeight>();
  for (const group of manifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(modelDir, p))));
    const bytes = concatBytes(shards);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.quantization) throw new TfjsModelError(`weight ${spec.name}: quantised weights are not supported`);
      if (spec.dtype !== 'float32' && spec.dtype !== 'int32') {
        throw new TfjsModelError(`weight ${spec.name}: dtype ${spec.dtype} is not supported (float32, int32)`);
      }
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const byteLength = count * 4;
      if (offset + byteLength > bytes.byteLength) {
        throw new TfjsModelError(`weight ${spec.name}: shards end at byte ${bytes.byteLength}, need ${offset + byteLength}`);
      }
      // Copy into an aligned buffer of its own (the shard offset need not be a multiple of 4, and
      // `bytes` may be a Buffer, whose slice() is a view, not a copy).
      const chunk = new Uint8Array(byteLength);
      chunk.set(bytes.subarray(offset, offset + byteLength));
      const data = spec.dtype === 'float32' ? new Float32Array(chunk.buffer) : new Int32Array(chunk.buffer);
      weights.set(spec.name, { name: spec.name, dtype: spec.dtype, shape: [...spec.shape], data });
      offset += byteLength;
    }
  }
  return { nodes, weights };
}
