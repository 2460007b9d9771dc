// The file set of a BERT-family model in Hugging Face layout, and the checks every source
// (URL, local folder, dropped files) runs on it before anything reaches onnxruntime.
import { decodeModel } from '../onnx/builder';
import { ModelFilesMissingError, ModelFormatError, ModelSignatureError } from './errors';

export interface ModelFiles {
  /** Which file the ONNX bytes came from, e.g. "onnx/model.onnx". */
  modelFile: string;
  modelBytes: Uint8Array;
  /** Parsed tokenizer.json. */
  tokenizerJson: unknown;
  /** Parsed config.json. */
  config: unknown;
  /** Parsed tokenizer_config.json, when present. */
  tokenizerConfig?: unknown;
  /** Graph input names (initializers excluded), e.g. ['input_ids', 'attention_mask', 'token_type_ids']. */
  inputNames: string[];
  outputNames: string[];
}

/** Which ONNX file to use: full precision, the quantised export, or whichever exists (fp32 first). */
export type ModelVariant = 'fp32' | 'quantized' | 'auto';

/** Candidate model paths in preference order, relative to the model root. */
export function modelFileCandidates(variant: ModelVariant = 'auto'): string[] {
  if (variant === 'fp32') return ['onnx/model.onnx', 'model.onnx'];
  if (variant === 'quantized') return ['onnx/model_quantized.onnx', 'model_quantized.onnx'];
  return ['onnx/model.onnx', 'model.onnx', 'onnx/model_quantized.onnx', 'model_quantized.onnx'];
}

const BERT_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

function expectedFilesText(variant: ModelVariant = 'auto'): string {
  const model = variant === 'quantized' ? 'onnx/model_quantized.onnx' : variant === 'fp32' ? 'onnx/model.onnx' : 'onnx/model.onnx (or onnx/model_quantized.onnx)';
  return `${model}, tokenizer.json, config.json and optionally tokenizer_config.json`;
}

export function missingFilesError(where: string, missing: string[], found: string[], variant: ModelVariant = 'auto'): ModelFilesMissingError {
  const shown = found.length ? found.slice(0, 30).join(', ') + (found.length > 30 ? `, … (${found.length} files)` : '') : 'nothing';
  return new ModelFilesMissingError(
    `${where}: missing ${missing.join(', ')}. Found: ${shown}. Expected a Hugging Face model layout: ${expectedFilesText(variant)}.`,
    missing,
    found,
  );
}

/** Recognisable non-ONNX payloads, for a more useful message than "invalid wire type". */
function sniff(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  if (head.startsWith('version https://git-lfs')) return 'a Git LFS pointer file (the real weights were never downloaded: run `git lfs pull`)';
  if (head.startsWith('<')) return 'an HTML/XML document (an error or login page?)';
  if (head.startsWith('{') || head.startsWith('[')) return 'a JSON document';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'a ZIP archive (unpack it first)';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'a gzip file (unpack it first)';
  if (head.startsWith('Entry not found') || head.startsWith('Not Found')) return `a "${head.slice(0, 20)}" error text`;
  return undefined;
}

/** Parses the ONNX header and graph signature; throws ModelFormatError / ModelSignatureError. */
export function inspectOnnx(bytes: Uint8Array, file: string): { inputNames: string[]; outputNames: string[] } {
  if (bytes.byteLength < 16) throw new ModelFormatError(`${file} is not an ONNX model: only ${bytes.byteLength} bytes.`);
  const what = sniff(bytes);
  if (what) throw new ModelFormatError(`${file} is not an ONNX model: it looks like ${what}.`);
  let model;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new ModelFormatError(`${file} is not an ONNX model: it does not parse as an ONNX ModelProto (${(e as Error).message}).`);
  }
  const g = model.graph;
  if (!g || !Number(model.irVersion) || !g.node?.length || !g.input?.length) {
    throw new ModelFormatError(`${file} is not an ONNX model: it parses, but has no ir_version, graph, nodes or inputs.`);
  }
  const initializers = new Set((g.initializer ?? []).map((t) => t.name));
  const inputNames = g.input.map((i) => i.name ?? '').filter((n) => !initializers.has(n));
  const outputNames = (g.output ?? []).map((o) => o.name ?? '');
  return { inputNames, outputNames };
}

/** Throws unless the inputs are input_ids + attention_mask (+ optional token_type_ids). */
function checkBertInputs(inputNames: string[], file: string): void {
  const unexpected = inputNames.filter((n) => !BERT_INPUTS.has(n));
  const lacking = ['input_ids', 'attention_mask'].filter((n) => !inputNames.includes(n));
  if (unexpected.length || lacking.length) {
    const parts = [
      lacking.length ? `lacks ${lacking.join(', ')}` : '',
      unexpected.length ? `has unexpected ${unexpected.join(', ')}` : '',
    ].filter(Boolean);
    throw new ModelSignatureError(
      file,
      `has inputs [${inputNames.join(', ')}], which ${parts.join(' and ')}. A BERT-family ` +
        'model needs input_ids and attention_mask, optionally token_type_ids (a Hugging Face ' +
        'feature-extraction ONNX export).',
      inputNames,
    );
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const what = text.trimStart().startsWith('<') ? ' (it looks like an HTML page)' : '';
    throw new ModelFormatError(`${file} is not valid JSON${what}: ${(e as Error).message}`);
  }
}

export interface RawModelFiles {
  modelFile: string;
  modelBytes: Uint8Array;
  tokenizerText: string;
  configText: string;
  tokenizerConfigText?: string;
  /** Prefix for file names in messages (URL, folder…). */
  where?: string;
}

/** Validates and parses a raw file set: the last step of every source. */
export function assembleModelFiles(raw: RawModelFiles): ModelFiles {
  const at = (f: string): string => (raw.where ? `${raw.where}/${f}` : f);
  const { inputNames, outputNames } = inspectOnnx(raw.modelBytes, at(raw.modelFile));
  checkBertInputs(inputNames, at(raw.modelFile));
  const tokenizerJson = parseJson(raw.tokenizerText, at('tokenizer.json'));
  const config = parseJson(raw.configText, at('config.json'));
  const files: ModelFiles = { modelFile: raw.modelFile, modelBytes: raw.modelBytes, tokenizerJson, config, inputNames, outputNames };
  if (raw.tokenizerConfigText !== undefined) files.tokenizerConfig = parseJson(raw.tokenizerConfigText, at('tokenizer_config.json'));
  return files;
}
