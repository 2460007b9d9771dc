// Node file access for the model registry: folders on disk, and 'default' → public/models/default.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL } from './use/default-model';
import { readModelFile } from './sources/node-folder-source';
import { checkSpec, filesSource, loadModelFiles, urlSource, ModelSourceError, type LoadedModel, type ModelFileSource, type ModelSpec } from './registry';
import type { ModelLoadProgress } from './types';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** public/models/default in this checkout (EMBEDBOOK_DEFAULT_MODEL_DIR overrides). */
export function defaultModelDir(): string {
  return process.env.EMBEDBOOK_DEFAULT_MODEL_DIR ?? join(REPO_ROOT, 'public', DEFAULT_MODEL.publicDir);
}

/** A source over a model folder on disk; the reading itself is sources/node-folder-source's. */
export function folderSource(folder: string): ModelFileSource {
  const root = resolve(folder);
  if (!existsSync(root)) throw new ModelSourceError(`{ folder: ${JSON.stringify(folder)} }`, `folder ${root} does not exist`);
  return { label: root, read: (path, onProgress) => readModelFile(root, path, onProgress) };
}

export function nodeModelSource(spec: ModelSpec): ModelFileSource {
  checkSpec(spec);
  if (spec === 'default') return folderSource(defaultModelDir());
  if ('folder' in spec) return folderSource(spec.folder);
  if ('url' in spec) return urlSource(spec.url);
  return filesSource(spec.files);
}

export function specName(spec: ModelSpec): string {
  if (spec === 'default') return 'default';
  if ('folder' in spec) return spec.folder;
  if ('url' in spec) return spec.url;
  return 'files';
}

export function loadNodeModel(spec: ModelSpec, onProgress?: (p: ModelLoadProgress) => void): Promise<LoadedModel> {
  return loadModelFiles(nodeModelSource(spec), specName(spec), onProgress);
}
