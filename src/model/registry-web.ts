// Browser file access for the model registry: 'default' → /models/default/ on this origin, a hub
// id on the default (or the spec's own) endpoint, a URL (Hugging Face layout), or dropped files.
import { DEFAULT_MODEL } from './use/default-model';
import { DEFAULT_HF_ENDPOINT } from './sources/hub';
import { browserFileCache } from './sources/file-cache';
import { checkSpec, filesSource, hubSource, hubSpecOf, loadModelFiles, specName, urlSource, ModelSourceError, type LoadedModel, type LoadModelOptions, type ModelFileSource, type ModelSpec } from './registry';
import type { ModelLoadProgress } from './types';

const DEFAULT_MODEL_URL = `/${DEFAULT_MODEL.publicDir}/`;

function webModelSource(spec: ModelSpec, defaultUrl = DEFAULT_MODEL_URL): ModelFileSource {
  checkSpec(spec);
  if (spec === 'default') return urlSource(defaultUrl);
  const hub = hubSpecOf(spec);
  if (hub) return hubSource(hub, { endpoint: DEFAULT_HF_ENDPOINT }, { cache: globalThis.caches ? browserFileCache(globalThis.caches) : undefined });
  if (typeof spec === 'string') throw new ModelSourceError(spec, 'unreachable: checkSpec accepts only ids');
  if ('url' in spec) return urlSource(spec.url);
  if ('files' in spec) return filesSource(spec.files);
  if ('folder' in spec) {
    throw new ModelSourceError(`{ folder: ${JSON.stringify(spec.folder)} }`, 'a folder path works in Node only; in the browser pick or drop the folder\'s files ({ files }) or give its { url }');
  }
  throw new ModelSourceError(specName(spec), 'unsupported model spec');
}

export function loadWebModel(spec: ModelSpec, onProgress?: (p: ModelLoadProgress) => void, defaultUrl?: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  return loadModelFiles(webModelSource(spec, defaultUrl), specName(spec), onProgress, opts);
}
