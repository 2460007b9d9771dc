// Browser file access for the model registry: 'default' → /models/default/ on this origin, a URL
// (Hugging Face layout), or dropped files.
import { DEFAULT_MODEL } from './use/default-model';
import { checkSpec, filesSource, loadModelFiles, urlSource, ModelSourceError, type LoadedModel, type ModelFileSource, type ModelSpec } from './registry';
import type { ModelLoadProgress } from './types';

export const DEFAULT_MODEL_URL = `/${DEFAULT_MODEL.publicDir}/`;

export function webModelSource(spec: ModelSpec, defaultUrl = DEFAULT_MODEL_URL): ModelFileSource {
  checkSpec(spec);
  if (spec === 'default') return urlSource(defaultUrl);
  if ('url' in spec) return urlSource(spec.url);
  if ('files' in spec) return filesSource(spec.files);
  throw new ModelSourceError(`{ folder: ${JSON.stringify(spec.folder)} }`, 'a folder path works in Node only; in the browser pick or drop the folder\'s files ({ files }) or give its { url }');
}

export function loadWebModel(spec: ModelSpec, onProgress?: (p: ModelLoadProgress) => void, defaultUrl?: string): Promise<LoadedModel> {
  const name = spec === 'default' ? 'default' : 'url' in spec ? spec.url : 'files';
  return loadModelFiles(webModelSource(spec, defaultUrl), name, onProgress);
}
