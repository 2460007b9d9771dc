// Node-only: loads a model file set from a local folder in Hugging Face layout.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ModelLoadProgress } from '../types';
import { ModelFilesMissingError } from './errors';
import { assembleModelFiles, missingFilesError, modelFileCandidates, type ModelFiles, type ModelVariant } from './model-files';

export interface FolderSourceOptions {
  variant?: ModelVariant;
  onProgress?: (p: ModelLoadProgress) => void;
}

async function listFiles(dir: string, depth = 2): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, left: number): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && left > 0) await walk(p, left - 1);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir, depth);
  return out.sort();
}

/**
 * One file of a model folder on disk, reported as a single 'download' progress event; undefined
 * when the file does not exist. Shared by loadModelFromFolder and the registry's folderSource.
 */
export async function readModelFile(dir: string, file: string, onProgress?: (p: ModelLoadProgress) => void): Promise<Uint8Array | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(join(dir, file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  onProgress?.({ status: 'download', file, loaded: bytes.byteLength, total: bytes.byteLength });
  return bytes;
}

export async function loadModelFromFolder(dir: string, opts: FolderSourceOptions = {}): Promise<ModelFiles> {
  const variant = opts.variant ?? 'auto';
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    // handled below
  }
  if (!isDir) {
    throw new ModelFilesMissingError(`model folder ${dir} does not exist or is not a folder.`, ['(folder)'], []);
  }
  const found = await listFiles(dir);
  const modelFile = modelFileCandidates(variant).find((c) => found.includes(c));
  const missing = [
    ...(modelFile ? [] : [modelFileCandidates(variant)[0]]),
    ...['tokenizer.json', 'config.json'].filter((f) => !found.includes(f)),
  ];
  if (missing.length || !modelFile) throw missingFilesError(dir, missing, found, variant);
  const read = async (f: string): Promise<Uint8Array> => {
    const bytes = await readModelFile(dir, f, opts.onProgress);
    if (!bytes) throw new ModelFilesMissingError(`model folder ${dir}: ${f} disappeared while loading.`, [f], found);
    return bytes;
  };
  const readText = async (f: string): Promise<string> => new TextDecoder().decode(await read(f));
  const [modelBytes, tokenizerText, configText, tokenizerConfigText] = await Promise.all([
    read(modelFile),
    readText('tokenizer.json'),
    readText('config.json'),
    found.includes('tokenizer_config.json') ? readText('tokenizer_config.json') : Promise.resolve(undefined),
  ]);
  return assembleModelFiles({ modelFile, modelBytes, tokenizerText, configText, tokenizerConfigText, where: dir });
}
