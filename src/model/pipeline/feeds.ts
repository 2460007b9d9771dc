// Builds the input feeds for a DenseBatch in the integer type the model declares (runtime-neutral:
// the adapter passes its own onnxruntime Tensor constructor).
import type { DenseBatch } from '../types';
import type { IdType, ModelSignature } from './signature';

export type MakeTensor<T> = (type: IdType, data: BigInt64Array | Int32Array, dims: number[]) => T;

export function toFeeds<T>(sig: ModelSignature, batch: DenseBatch, make: MakeTensor<T>): Record<string, T> {
  const dims = [batch.batch, batch.seqLen];
  const conv = (a: BigInt64Array | Int32Array) => make(sig.idType, convert(a, sig.idType), dims);
  const feeds: Record<string, T> = {
    [sig.inputIds]: conv(batch.inputIds),
    [sig.attentionMask]: conv(batch.attentionMask),
  };
  if (sig.tokenTypeIds) {
    feeds[sig.tokenTypeIds] = conv(batch.tokenTypeIds ?? new BigInt64Array(batch.batch * batch.seqLen));
  }
  return feeds;
}

function convert(a: BigInt64Array | Int32Array, to: IdType): BigInt64Array | Int32Array {
  if (to === 'int64') return a instanceof BigInt64Array ? a : BigInt64Array.from(a, (x) => BigInt(x));
  return a instanceof Int32Array ? a : Int32Array.from(a, (x) => Number(x));
}
