// Which ONNX file of a Hugging Face repo runs for a dtype, with transformers.js' file names
// (onnx/model.onnx, model_fp16.onnx, model_quantized.onnx, model_q4.onnx), and the default per
// device: q8 on WASM (smaller download, faster integer kernels), fp32 on WebGPU / CPU / CUDA.
import { EmbedbookError } from '../core/errors';
import type { Device } from './types';

export const DTYPES = ['fp32', 'fp16', 'q8', 'q4'] as const;
export type Dtype = (typeof DTYPES)[number];

const SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

/** Where a dtype's file may be, in order: the HF place (onnx/) first, then the folder root. */
function dtypeFiles(dtype: Dtype): string[] {
  return [`onnx/model${SUFFIX[dtype]}.onnx`, `model${SUFFIX[dtype]}.onnx`];
}

/** transformers.js' defaults: q8 where the model runs on WASM, fp32 on a GPU or native CPU. */
export function defaultDtype(device: Device | 'auto-web'): Dtype {
  return device === 'wasm' || device === 'auto-web' ? 'q8' : 'fp32';
}

/**
 * Files to try: the picked dtype's only (a missing file is then an error); or, with no pick, the
 * device default first, then the others (a repo with only model.onnx still runs on WASM).
 */
export function modelFileOrder(picked: Dtype | undefined, fallback: Dtype): string[] {
  if (picked) return dtypeFiles(picked);
  const order: Dtype[] = [fallback, ...(['fp32', 'q8', 'fp16'] as Dtype[]).filter((d) => d !== fallback)];
  return order.flatMap(dtypeFiles);
}

export function checkDtype(value: unknown): asserts value is Dtype | undefined {
  if (value !== undefined && !(DTYPES as readonly unknown[]).includes(value)) throw new UnknownDtypeError(value);
}

class UnknownDtypeError extends EmbedbookError {
  override readonly name = 'UnknownDtypeError';
  constructor(readonly dtype: unknown) {
    super(`dtype ${JSON.stringify(dtype)} is not one of ${DTYPES.join(', ')} (onnx/model.onnx, model_fp16.onnx, model_quantized.onnx, model_q4.onnx)`);
  }
  override details(): Record<string, unknown> {
    return { dtype: String(this.dtype) };
  }
}
