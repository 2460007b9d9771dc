// Node file access for the model registry: folders on disk, 'default' → public/models/default, and
// hub ids on HF_ENDPOINT with HF_TOKEN.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL } from './use/default-model';
import { readModelFile } from './sources/node-folder-source';
import { hubSettingsFromEnv, parseHubId } from './sources/hub';
import { defaultCacheDir, nodeFileCache } from './sources/node-file-cache';
import { checkSpec, filesSource, hubSource, hubSpecOf, loadModelFiles, specName, urlSource, ModelSourceError, type LoadedModel, type LoadModelOptions, type ModelFileSource, type ModelSpec } from './registry';
import type { ModelLoadProgress } from './types';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** public/models/default in this checkout (EMBEDBOOK_DEFAULT_MODEL_DIR overrides). */
export function defaultModelDir(): string {
  return process.env.EMBEDBOOK_DEFAULT_MODEL_DIR ?? join(REPO_ROOT, 'public', DEFAULT_MODEL.publicDir);
}

/** A source over a model folder on disk; the reading itself is sources/node-folder-source's. */
function folderSource(folder: string): ModelFileSource {
  const root = resolve(folder);
  if (!existsSync(root)) throw new ModelSourceError(`{ folder: ${JSON.stringify(folder)} }`, `folder ${root} does not exist`);
  return { label: root, read: (path, onProgress) => readModelFile(root, path, onProgress) };
}

/**
 * What a model name on the command line or in a server function's `model:` means: 'default', an
 * http(s) URL, an existing folder, else a hub id `org/name[@revision]` (a folder wins, as in
 * transformers' from_pretrained).
 */
export function modelSpecOf(model: string): ModelSpec {
  if (model === 'default') return 'default';
  if (/^https?:\/\//i.test(model)) return { url: model };
  if (existsSync(model) || !parseHubId(model)) return { folder: model };
  return model;
}

function nodeModelSource(spec: ModelSpec): ModelFileSource {
  checkSpec(spec);
  if (spec === 'default') return folderSource(defaultModelDir());
  const hub = hubSpecOf(spec);
  if (hub) return hubSource(hub, hubSettingsFromEnv(process.env), { cache: nodeFileCache(defaultCacheDir()) });
  if (typeof spec === 'string') throw new ModelSourceError(spec, 'unreachable: checkSpec accepts only ids');
  if ('folder' in spec) return folderSource(spec.folder);
  if ('url' in spec) return urlSource(spec.url);
  if ('files' in spec) return filesSource(spec.files);
  throw new ModelSourceError(specName(spec), 'unsupported model spec');
}

export function loadNodeModel(spec: ModelSpec, onProgress?: (p: ModelLoadProgress) => void, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  return loadModelFiles(nodeModelSource(spec), specName(spec), onProgress, opts);
}
