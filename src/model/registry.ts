// Model name / source → the files an embedder needs (model bytes + tokenizer). Runtime-neutral:
// file access comes from a ModelFileSource (folder on disk in Node, URL or dropped files in the
// browser), supplied by registry-node.ts / registry-web.ts.
import { EmbedbookError } from '../core/errors';
import { createTokenizer } from './tokenizers/create-tokenizer';
import { modelFileOrder, type Dtype } from './dtype';
import { ExternalDataLocationError, externalDataLocations, type ExternalDataFile } from './onnx/external-data';
import { DEFAULT_MODEL, loadDefaultTokenizer } from './use/default-model';
import { ModelDownloadError } from './sources/errors';
import { readDroppedFile } from './sources/file-list-source';
import { fetchModelFile, type FetchLike } from './sources/url-source';
import { cachedSource, type FileCache } from './sources/file-cache';
import { checkEndpoint, hubBaseUrl, ModelAccessError, parseHubId, tokenFetch, type HubSettings } from './sources/hub';
import { DEFAULT_POOLING, poolingPath, readSentenceTransformerConfig, UnsupportedModelConfigError, type SentenceTransformerConfig } from './sentence-transformers';
import type { ModelLoadProgress, Tokenizer } from './types';

/** What users pass as `model`: the built-in default, or a Hugging Face-layout model somewhere. */
export type ModelSpec =
  | 'default'
  /** A hub id, `org/name[@revision]`, on HF_ENDPOINT (Node) or the default endpoint (browser). */
  | string
  /** A hub id with its endpoint (a mirror) and token given here instead of HF_ENDPOINT / HF_TOKEN. */
  | HubSpec
  | { url: string }
  | { folder: string }
  /** Dropped/picked files (browser File/Blob, or bytes), keyed by path inside the model folder. */
  | { files: ReadonlyArray<File> | Readonly<Record<string, Blob | Uint8Array>> };

export interface HubSpec {
  id: string;
  endpoint?: string;
  token?: string;
}

export interface ModelFileSource {
  /** For messages: a folder path or URL. */
  readonly label: string;
  /** The file's bytes, or undefined when the source has no such file. */
  read(path: string, onProgress?: (p: ModelLoadProgress) => void): Promise<Uint8Array | undefined>;
}

export interface LoadedModel {
  name: string;
  kind: 'use' | 'bert';
  /** Path of the ONNX file inside the source, e.g. onnx/model.onnx. */
  modelFile: string;
  model: Uint8Array;
  /** The weights a graph keeps in side files (`onnx/model.onnx_data`), for the session's `externalData`. */
  externalData?: ExternalDataFile[];
  tokenizer: Tokenizer;
  /** Pooling, normalisation, max_seq_length and prompts (sentence-transformers' files, or the defaults). */
  sentenceTransformer: SentenceTransformerConfig;
}

/** A spec that is none of the supported shapes, or a source missing required files. */
export class ModelSourceError extends EmbedbookError {
  override readonly name = 'ModelSourceError';
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`model ${source}: ${detail}`);
  }
  override details(): Record<string, unknown> {
    return { source: this.source, detail: this.detail };
  }
}

export interface LoadModelOptions {
  /** The user's dtype; a missing file for it is an error. */
  dtype?: Dtype;
  /** Without a pick: the dtype tried first (the device's default), then the others. */
  defaultDtype?: Dtype;
}

function describeSpec(spec: unknown): string {
  if (typeof spec === 'string') return JSON.stringify(spec);
  if (spec && typeof spec === 'object') {
    if ('id' in spec) return `{ id: ${JSON.stringify((spec as { id: unknown }).id)} }`;
    if ('url' in spec) return `{ url: ${JSON.stringify((spec as { url: unknown }).url)} }`;
    if ('folder' in spec) return `{ folder: ${JSON.stringify((spec as { folder: unknown }).folder)} }`;
    if ('files' in spec) return '{ files }';
  }
  return JSON.stringify(spec) ?? String(spec);
}

/** Throws ModelSourceError unless `spec` has one of the supported shapes. */
export function checkSpec(spec: unknown): asserts spec is ModelSpec {
  const hubId = typeof spec === 'string' ? spec : typeof (spec as { id?: unknown } | null)?.id === 'string' ? (spec as { id: string }).id : undefined;
  if (hubId !== undefined && hubId !== 'default' && !parseHubId(hubId)) {
    throw new ModelSourceError(
      describeSpec(spec),
      "not a model id: use 'default' or a Hugging Face id 'org/name' or 'org/name@revision' (e.g. 'Xenova/all-MiniLM-L6-v2'); letters, digits, '-', '_' and '.' only",
    );
  }
  const ok =
    typeof spec === 'string' ||
    (typeof spec === 'object' &&
      spec !== null &&
      ((typeof (spec as { url?: unknown }).url === 'string') ||
        (typeof (spec as { id?: unknown }).id === 'string') ||
        (typeof (spec as { folder?: unknown }).folder === 'string') ||
        (typeof (spec as { files?: unknown }).files === 'object' && (spec as { files?: unknown }).files !== null)));
  if (!ok) {
    throw new ModelSourceError(
      describeSpec(spec),
      "unsupported model spec; use 'default', a hub id 'org/name[@revision]', { url: 'https://…/all-MiniLM-L6-v2/' }, { folder: './models/x' } (Node) or { files } (browser)",
    );
  }
}

const BUILD_HINT = " — build it with 'npx tsx scripts/build-default-model.ts' (npm install runs it as postinstall)";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function parseJson(source: ModelFileSource, file: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(text(bytes));
  } catch (err) {
    throw new ModelSourceError(`${source.label}`, `${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Reads the model and tokenizer from `source`. The default model's folder is recognised by its
 * config.json (tokenizer.kind 'sentencepiece'); anything else must be a Hugging Face BERT layout
 * (tokenizer.json + onnx/model.onnx).
 */
export async function loadModelFiles(source: ModelFileSource, name: string, onProgress?: (p: ModelLoadProgress) => void, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const configBytes = await source.read('config.json');
  const config = configBytes ? parseJson(source, 'config.json', configBytes) : undefined;
  if (!config && name === 'default') throw new ModelSourceError(source.label, `the default model is not built (no config.json)${BUILD_HINT}`);
  const sp = (config as { tokenizer?: { kind?: string; vocab?: string } } | undefined)?.tokenizer;
  if (sp?.kind === 'sentencepiece') {
    const vocabFile = sp.vocab ?? DEFAULT_MODEL.files.vocab;
    // dtype q8 (asked for, never a default): the int8 variant the build writes next to the fp32 file.
    const q8 = opts.dtype === 'q8';
    const modelFile = q8 ? ((config as { int8Model?: string }).int8Model ?? DEFAULT_MODEL.files.int8) : ((config as { model?: string }).model ?? DEFAULT_MODEL.files.model);
    const [vocab, model] = await Promise.all([source.read(vocabFile), source.read(modelFile, onProgress)]);
    if (!vocab || !model) {
      throw new ModelSourceError(source.label, `config.json names ${vocabFile} and ${modelFile} but ${!vocab ? vocabFile : modelFile} is missing${name === 'default' ? BUILD_HINT : ''}`);
    }
    const sentenceTransformer = { pooling: DEFAULT_POOLING, prompts: {} };
    const tokenizer = loadDefaultTokenizer(parseJson(source, vocabFile, vocab));
    return { name, kind: 'use', modelFile, model, tokenizer, sentenceTransformer };
  }
  const tokBytes = await source.read('tokenizer.json');
  if (!tokBytes) {
    throw new ModelSourceError(source.label, 'no tokenizer.json (expected a Hugging Face layout: tokenizer.json, config.json, onnx/model.onnx); check the id, revision or folder');
  }
  const tokenizerConfigBytes = await source.read('tokenizer_config.json');
  const sentenceTransformer = await readSentenceTransformerFiles(source);
  const tokenizer = createTokenizer(parseJson(source, 'tokenizer.json', tokBytes), {
    config,
    tokenizerConfig: tokenizerConfigBytes ? parseJson(source, 'tokenizer_config.json', tokenizerConfigBytes) : undefined,
    maxLength: sentenceTransformer.maxSeqLength,
  });
  const candidates = modelFileOrder(opts.dtype, opts.defaultDtype ?? 'fp32');
  for (const modelFile of candidates) {
    const model = await source.read(modelFile, onProgress);
    if (!model) continue;
    const externalData = await readExternalData(source, modelFile, model, onProgress);
    return { name, kind: 'bert', modelFile, model, ...(externalData.length ? { externalData } : {}), tokenizer, sentenceTransformer };
  }
  const hint = opts.dtype ? ` — dtype '${opts.dtype}' was asked for: pick another (fp32, fp16, q8, q4) or leave it unset` : '';
  throw new ModelSourceError(source.label, `no ONNX model found; looked for ${candidates.join(', ')}${hint}`);
}

/**
 * The side files a graph keeps its weights in (`model.onnx` → `model.onnx_data`), read from the
 * graph's own folder in the source. A graph that names a missing file fails here, naming it,
 * rather than inside onnxruntime with a bare "file not found".
 */
async function readExternalData(source: ModelFileSource, modelFile: string, model: Uint8Array, onProgress?: (p: ModelLoadProgress) => void): Promise<ExternalDataFile[]> {
  let locations: string[];
  try {
    locations = externalDataLocations(model);
  } catch (err) {
    if (err instanceof ExternalDataLocationError) throw new ModelSourceError(source.label, `${modelFile}: ${err.message}`);
    return []; // not parseable here: onnxruntime reports the model itself as invalid
  }
  const folder = modelFile.includes('/') ? modelFile.slice(0, modelFile.lastIndexOf('/') + 1) : '';
  return Promise.all(
    locations.map(async (location) => {
      const data = await source.read(`${folder}${location}`, onProgress);
      if (!data) throw new ModelSourceError(source.label, `${modelFile} keeps its weights in ${folder}${location}, which is missing; download it next to ${modelFile} (or pick a dtype whose file is self-contained)`);
      return { path: location, data };
    }),
  );
}

/** modules.json, the Pooling module's config, sentence_bert_config.json, config_sentence_transformers.json (each optional). */
async function readSentenceTransformerFiles(source: ModelFileSource): Promise<SentenceTransformerConfig> {
  const json = async (file: string) => {
    const bytes = await source.read(file);
    return bytes ? parseJson(source, file, bytes) : undefined;
  };
  const modules = await json('modules.json');
  const folder = poolingPath(modules);
  const poolingFile = folder === undefined ? undefined : `${folder}/config.json`;
  const [pooling, sentenceBert, stConfig] = await Promise.all([
    poolingFile ? json(poolingFile) : undefined,
    json('sentence_bert_config.json'),
    json('config_sentence_transformers.json'),
  ]);
  try {
    return readSentenceTransformerConfig({ modules, pooling, poolingFile, sentenceBert, stConfig });
  } catch (err) {
    if (err instanceof UnsupportedModelConfigError) throw new UnsupportedModelConfigError(`${source.label} ${err.file}`, err.detail);
    throw err;
  }
}

/** A source over in-memory files (dropped Files, Blobs or bytes), matched by path suffix. */
export function filesSource(files: ReadonlyArray<File> | Readonly<Record<string, Blob | Uint8Array>>): ModelFileSource {
  const entries: Array<[string, Blob | Uint8Array]> = Array.isArray(files)
    ? (files as ReadonlyArray<File>).map((f) => [(f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, f])
    : Object.entries(files as Record<string, Blob | Uint8Array>);
  const norm = entries.map(([p, f]) => [p.replace(/\\/g, '/'), f] as const);
  return {
    label: `{ files: ${norm.length} files }`,
    async read(path, onProgress) {
      // Dropped folders carry their top folder name ("all-MiniLM-L6-v2/onnx/model.onnx").
      const hit = norm.find(([p]) => p === path || p.endsWith(`/${path}`));
      return hit ? readDroppedFile(hit[1], path, onProgress) : undefined;
    },
  };
}

/**
 * A source over HTTP(S): `base` is the model folder URL (relative URLs resolve against the page);
 * fetch is injected for tests. The download itself is sources/url-source's fetchModelFile; its
 * ModelDownloadError is reported here as a ModelSourceError naming the folder.
 */
export function urlSource(base: string, fetchFn: FetchLike = globalThis.fetch.bind(globalThis), opts: { label?: string; hubToken?: boolean } = {}): ModelFileSource {
  const root = base.endsWith('/') ? base : `${base}/`;
  const absolute = new URL(root, globalThis.location?.href ?? 'http://localhost/').href;
  return {
    label: opts.label ?? root,
    async read(path, onProgress) {
      try {
        return (await fetchModelFile(absolute, path, { onProgress }, fetchFn)) ?? undefined;
      } catch (err) {
        if (!(err instanceof ModelDownloadError)) throw err;
        if (opts.hubToken !== undefined && (err.status === 401 || err.status === 403)) throw new ModelAccessError(err.url, err.status, opts.hubToken);
        const where = opts.label ?? root;
        if (err.status !== undefined) throw new ModelSourceError(where, `GET ${err.url} answered ${err.status} ${err.statusText ?? ''}`.trimEnd());
        const cause = err.cause instanceof Error ? err.cause.message : String(err.cause ?? err.message);
        throw new ModelSourceError(where, `fetching ${err.url} failed (${cause})`);
      }
    },
  };
}

/** The hub id of a spec ('org/name[@rev]' or { id }), or undefined for the other shapes. */
export function hubSpecOf(spec: ModelSpec): HubSpec | undefined {
  if (typeof spec === 'string') return spec === 'default' ? undefined : { id: spec };
  return 'id' in spec ? spec : undefined;
}

/**
 * A source over a hub repo: `{endpoint}/{org}/{name}/resolve/{revision}/{file}`. The spec's own
 * endpoint/token win over `settings` (HF_ENDPOINT / HF_TOKEN in Node, the app's choice in a browser).
 */
export function hubSource(spec: HubSpec, settings: HubSettings, opts: { fetch?: typeof fetch; cache?: FileCache } = {}): ModelFileSource {
  const id = parseHubId(spec.id);
  if (!id) throw new ModelSourceError(describeSpec(spec), "not a hub id; use 'org/name' or 'org/name@revision'");
  const endpoint = checkEndpoint(spec.endpoint ?? settings.endpoint);
  const token = spec.token ?? settings.token;
  const label = `${id.repo}@${id.revision} (${endpoint})`;
  const base = hubBaseUrl(endpoint, id);
  const source = urlSource(base, tokenFetch({ endpoint, token }, opts.fetch), { label, hubToken: Boolean(token) });
  return opts.cache ? cachedSource(source, opts.cache, (path) => `${base}${path}`) : source;
}

/** The name a loaded model reports: 'default', the hub id, the folder, the URL or 'files'. */
export function specName(spec: ModelSpec): string {
  if (typeof spec === 'string') return spec;
  if ('id' in spec) return spec.id;
  if ('folder' in spec) return spec.folder;
  if ('url' in spec) return spec.url;
  return 'files';
}
