// Loads a model file set over HTTP(S) from a base URL in Hugging Face layout, e.g.
// https://huggingface.co/Xenova/all-MiniLM-L6-v2/resolve/main. `fetch` is injected (tests, auth
// headers, caching); download progress is reported per file as ModelLoadProgress 'download' events.
import { concatBytes } from '../../core/bytes';
import type { ModelLoadProgress } from '../types';
import { ModelDownloadError } from './errors';
import { assembleModelFiles, missingFilesError, modelFileCandidates, type ModelFiles, type ModelVariant } from './model-files';

export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

export interface UrlSourceOptions {
  fetch?: FetchLike;
  onProgress?: (p: ModelLoadProgress) => void;
  signal?: AbortSignal;
  variant?: ModelVariant;
}

function join(base: string, file: string): string {
  return `${base.replace(/\/+$/, '')}/${file}`;
}

/**
 * One file of a model folder over HTTP(S), streamed with per-file byte progress: null on 404 (the
 * caller decides whether that file was optional); throws ModelDownloadError on other failures.
 * Shared by loadModelFromUrl and the model registry's urlSource.
 */
export async function fetchModelFile(
  base: string,
  file: string,
  opts: UrlSourceOptions,
  fetchFn: FetchLike,
): Promise<Uint8Array | null> {
  const url = join(base, file);
  let res: Response | undefined;
  // A GET is safe to repeat: one retry covers a kept-alive socket the server closed meanwhile.
  for (let attempt = 1; !res; attempt++) {
    try {
      res = await fetchFn(url, { signal: opts.signal });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      if (attempt < 2) continue;
      throw new ModelDownloadError(`could not fetch ${url}: ${(e as Error).message}`, url, undefined, undefined, { cause: e });
    }
  }
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ModelDownloadError(`fetching ${url} failed: HTTP ${res.status} ${res.statusText}`.trim(), url, res.status, res.statusText);
  }
  const lengthHeader = Number(res.headers.get('content-length'));
  // Compressed responses report the compressed length: only trust it as a total when identity.
  const total = Number.isFinite(lengthHeader) && lengthHeader > 0 && !res.headers.get('content-encoding') ? lengthHeader : undefined;
  opts.onProgress?.({ status: 'download', file, loaded: 0, total });
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    opts.onProgress?.({ status: 'download', file, loaded: bytes.byteLength, total: total ?? bytes.byteLength });
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    opts.onProgress?.({ status: 'download', file, loaded, total });
  }
  return concatBytes(chunks);
}

/** Fetches, validates and parses {model, tokenizer.json, config.json, tokenizer_config.json?}. */
export async function loadModelFromUrl(baseUrl: string, opts: UrlSourceOptions = {}): Promise<ModelFiles> {
  const fetchFn: FetchLike = opts.fetch ?? ((u, i) => fetch(u, i));
  const variant = opts.variant ?? 'auto';
  const text = (b: Uint8Array | null): string | undefined => (b ? new TextDecoder().decode(b) : undefined);
  // Small JSON files first, so a wrong URL fails before a large download starts.
  const [tokenizer, config, tokenizerConfig] = await Promise.all(
    ['tokenizer.json', 'config.json', 'tokenizer_config.json'].map((f) => fetchModelFile(baseUrl, f, opts, fetchFn)),
  );
  const tried: string[] = [];
  let modelFile: string | undefined;
  let modelBytes: Uint8Array | null = null;
  if (tokenizer && config) {
    for (const candidate of modelFileCandidates(variant)) {
      tried.push(candidate);
      modelBytes = await fetchModelFile(baseUrl, candidate, opts, fetchFn);
      if (modelBytes) {
        modelFile = candidate;
        break;
      }
    }
  }
  const found = [tokenizer && 'tokenizer.json', config && 'config.json', tokenizerConfig && 'tokenizer_config.json', modelFile].filter(
    (f): f is string => Boolean(f),
  );
  const missing = [
    ...(tokenizer ? [] : ['tokenizer.json']),
    ...(config ? [] : ['config.json']),
    ...(tokenizer && config && !modelFile ? [`a model file (tried ${tried.join(', ')})`] : []),
  ];
  if (missing.length || !modelBytes || !modelFile) throw missingFilesError(baseUrl, missing, found, variant);
  return assembleModelFiles({
    modelFile,
    modelBytes,
    tokenizerText: text(tokenizer)!,
    configText: text(config)!,
    tokenizerConfigText: text(tokenizerConfig),
    where: baseUrl.replace(/\/+$/, ''),
  });
}
