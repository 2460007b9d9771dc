// ONNX external data: initializers whose bytes live in a side file next to the graph
// (`onnx/model.onnx` + `onnx/model.onnx_data`, as torch.onnx / optimum export models over 2 GB
// and as some hub repos ship every file). The graph names each file in its tensors'
// `external_data` entries (`location`, relative to the graph's folder); onnxruntime (Node and Web)
// takes the files' bytes through the `externalData` session option, keyed by that location.
import { EmbedbookError } from '../../core/errors';
import { decodeModel, encodeModel, type onnx } from './builder';

/** One external data file, as onnxruntime's `externalData` session option takes it. */
export interface ExternalDataFile {
  /** The location exactly as the graph writes it, e.g. `model.onnx_data`. */
  path: string;
  data: Uint8Array;
}

const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL

/** A location that is not a plain relative path inside the model's folder. */
export class ExternalDataLocationError extends EmbedbookError {
  override readonly name = 'ExternalDataLocationError';
  constructor(readonly location: string) {
    super(`external data location ${JSON.stringify(location)} is not a relative path inside the model's folder (no '..', no absolute path, no backslash); re-export the model with a plain file name such as model.onnx_data`);
  }
}

function checkLocation(location: string): string {
  const parts = location.split('/');
  if (!location || location.startsWith('/') || location.includes('\\') || /^[A-Za-z]:/.test(location) || parts.some((p) => p === '..' || p === '' || p === '.')) {
    throw new ExternalDataLocationError(location);
  }
  return location;
}

function externalTensors(g: onnx.IGraphProto | null | undefined): onnx.ITensorProto[] {
  return (g?.initializer ?? []).filter((t) => t.dataLocation === EXTERNAL);
}

/**
 * The distinct external data files a graph refers to (checked locations, in first-use order);
 * empty for a self-contained model. Throws ExternalDataLocationError for a path that would
 * leave the model's folder.
 */
export function externalDataLocations(modelBytes: Uint8Array): string[] {
  const out = new Set<string>();
  for (const t of externalTensors(decodeModel(modelBytes).graph)) {
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    if (location === undefined || location === null) throw new ExternalDataLocationError(String(location));
    out.add(checkLocation(location));
  }
  return [...out];
}

/**
 * Moves every initializer of at least `minBytes` out of the graph into one external data file
 * named `location` (offsets aligned to 4 kB pages, as onnx's save_model does for mmap), and
 * returns the slimmed graph and that file. What onnx.save_model(..., save_as_external_data=True)
 * writes; used by tests and by anyone preparing a model in this layout.
 */
export function saveWithExternalData(modelBytes: Uint8Array, location: string, minBytes = 1024): { model: Uint8Array; data: Uint8Array } {
  checkLocation(location);
  const model = decodeModel(modelBytes);
  const g = model.graph!;
  const chunks: Array<{ offset: number; bytes: Uint8Array }> = [];
  let end = 0;
  for (const t of g.initializer ?? []) {
    const raw = t.rawData;
    if (!raw || raw.byteLength < minBytes) continue;
    const offset = Math.ceil(end / 4096) * 4096;
    chunks.push({ offset, bytes: raw });
    end = offset + raw.byteLength;
    t.rawData = new Uint8Array(0);
    t.dataLocation = EXTERNAL;
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.byteLength) },
    ];
  }
  const data = new Uint8Array(end);
  for (const c of chunks) data.set(c.bytes, c.offset);
  const opset = Number(model.opsetImport?.find((o) => !o.domain)?.version ?? 17);
  const extraOpsets = (model.opsetImport ?? []).filter((o) => o.domain).map((o) => ({ domain: o.domain!, version: Number(o.version) }));
  return { model: encodeModel(g, { opset, extraOpsets, irVersion: Number(model.irVersion), producerName: model.producerName ?? undefined }), data };
}
