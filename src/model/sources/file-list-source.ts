// Loads a model file set from browser File objects (a dropped folder or multi-selection).
// Files are matched by name: "model.onnx" / "model_quantized.onnx" (any folder), "tokenizer.json",
// "config.json", "tokenizer_config.json". A single other *.onnx file is accepted as the model.
import type { ModelLoadProgress } from '../types';
import { ModelFormatError } from './errors';
import { assembleModelFiles, missingFilesError, type ModelFiles, type ModelVariant } from './model-files';

export interface FileListSourceOptions {
  variant?: ModelVariant;
  onProgress?: (p: ModelLoadProgress) => void;
}

/** The subset of File this needs (File, or anything Blob-like with a name). */
export interface NamedBlob {
  readonly name: string;
  readonly size: number;
  readonly webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

function displayName(f: NamedBlob): string {
  return f.webkitRelativePath || f.name;
}

function pickModel(files: NamedBlob[], variant: ModelVariant): NamedBlob | undefined {
  const byName = (n: string): NamedBlob | undefined => {
    const hits = files.filter((f) => f.name === n);
    // Prefer the HF place (onnx/) when a drop holds several copies.
    return hits.find((f) => displayName(f).split('/').slice(-2, -1)[0] === 'onnx') ?? hits[0];
  };
  const order = variant === 'fp32' ? ['model.onnx'] : variant === 'quantized' ? ['model_quantized.onnx'] : ['model.onnx', 'model_quantized.onnx'];
  for (const n of order) {
    const f = byName(n);
    if (f) return f;
  }
  const onnx = files.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
  if (variant === 'auto' && onnx.length === 1) return onnx[0];
  if (onnx.length > 1) {
    throw new ModelFormatError(
      `dropped files hold several .onnx files (${onnx.map(displayName).join(', ')}) and none is named model.onnx or model_quantized.onnx: drop just one.`,
    );
  }
  return undefined;
}

/**
 * The bytes of one dropped/picked file (or bytes already in memory), reported as a single
 * 'download' progress event. Shared by loadModelFromFiles and the registry's filesSource.
 */
export async function readDroppedFile(
  f: Pick<Blob, 'arrayBuffer'> | Uint8Array,
  file: string,
  onProgress?: (p: ModelLoadProgress) => void,
): Promise<Uint8Array> {
  const bytes = f instanceof Uint8Array ? f : new Uint8Array(await f.arrayBuffer());
  onProgress?.({ status: 'download', file, loaded: bytes.byteLength, total: bytes.byteLength });
  return bytes;
}

export async function loadModelFromFiles(list: ArrayLike<NamedBlob> | Iterable<NamedBlob>, opts: FileListSourceOptions = {}): Promise<ModelFiles> {
  const files = Array.from(list as Iterable<NamedBlob>);
  const variant = opts.variant ?? 'auto';
  const model = pickModel(files, variant);
  const one = (n: string): NamedBlob | undefined => files.find((f) => f.name === n);
  const tokenizer = one('tokenizer.json');
  const config = one('config.json');
  const tokenizerConfig = one('tokenizer_config.json');
  const missing = [
    ...(model ? [] : [variant === 'quantized' ? 'model_quantized.onnx' : 'model.onnx']),
    ...(tokenizer ? [] : ['tokenizer.json']),
    ...(config ? [] : ['config.json']),
  ];
  if (missing.length || !model || !tokenizer || !config) throw missingFilesError('dropped files', missing, files.map(displayName), variant);
  const read = (f: NamedBlob): Promise<Uint8Array> => readDroppedFile(f, displayName(f), opts.onProgress);
  const dec = new TextDecoder();
  const [modelBytes, tok, cfg, tcfg] = await Promise.all([
    read(model),
    read(tokenizer),
    read(config),
    tokenizerConfig ? read(tokenizerConfig) : Promise.resolve(undefined),
  ]);
  return assembleModelFiles({
    modelFile: displayName(model),
    modelBytes,
    tokenizerText: dec.decode(tok),
    configText: dec.decode(cfg),
    tokenizerConfigText: tcfg ? dec.decode(tcfg) : undefined,
  });
}
