// What a picker shows about a hub repo before downloading it: the model file's size (for the
// dtype that would run), the embedding dimension, the licence, the architecture and the prompts.
// Small requests only: config.json, the sentence-transformers configs, README.md's front matter
// and a HEAD of the model file (the hub's x-linked-size, else content-length).
import { modelFileOrder, type Dtype } from '../dtype';
import { hubBaseUrl, parseHubId, tokenFetch, type HubSettings } from './hub';

export interface HubRepoInfo {
  id: string;
  /** The ONNX file that would load, and its size in bytes (undefined when the server does not say). */
  modelFile?: string;
  sizeBytes?: number;
  /** `<modelFile>_data` when the repo keeps the weights there (external data); sizeBytes then counts both. */
  externalDataFile?: string;
  dimension?: number;
  license?: string;
  architecture?: string;
  prompts: string[];
}

/** Reads the repo's small files; a file that is missing just leaves its field empty. */
export async function fetchHubRepoInfo(id: string, settings: HubSettings, opts: { dtype?: Dtype; defaultDtype?: Dtype; signal?: AbortSignal; fetch?: typeof fetch } = {}): Promise<HubRepoInfo> {
  const parsed = parseHubId(id);
  if (!parsed) throw new TypeError(`${JSON.stringify(id)} is not a hub id: use org/name or org/name@revision`);
  const base = hubBaseUrl(settings.endpoint, parsed);
  const get = tokenFetch(settings, opts.fetch);
  const json = async (file: string): Promise<Record<string, unknown> | undefined> => {
    const res = await get(`${base}${file}`, { signal: opts.signal });
    if (res.status === 401 || res.status === 403) throw new Error(`${base}${file} answered ${res.status}: the repository does not exist or needs a token`);
    if (!res.ok) return undefined;
    try {
      return (await res.json()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const [config, pooling, st, readme] = await Promise.all([
    json('config.json'),
    json('1_Pooling/config.json'),
    json('config_sentence_transformers.json'),
    get(`${base}README.md`, { signal: opts.signal }).then((r) => (r.ok ? r.text() : '')),
  ]);
  const info: HubRepoInfo = { id, prompts: Object.keys((st?.prompts as Record<string, string> | undefined) ?? {}) };
  const hidden = Number(config?.hidden_size ?? config?.d_model ?? pooling?.word_embedding_dimension);
  if (Number.isInteger(hidden) && hidden > 0) info.dimension = hidden;
  if (Array.isArray(config?.architectures) && typeof config.architectures[0] === 'string') info.architecture = config.architectures[0];
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme)?.[1];
  const license = front ? /^license:\s*["']?([^"'\s#]+)/m.exec(front)?.[1] : undefined;
  if (license) info.license = license;
  for (const file of modelFileOrder(opts.dtype, opts.defaultDtype ?? 'fp32').filter((f) => f.startsWith('onnx/'))) {
    const res = await get(`${base}${file}`, { method: 'HEAD', signal: opts.signal });
    await res.body?.cancel();
    if (!res.ok) continue;
    info.modelFile = file;
    const sizeOf = (r: Response) => {
      const n = Number(r.headers.get('x-linked-size') ?? r.headers.get('content-length'));
      return Number.isFinite(n) && n > 0 ? n : 0;
    };
    let size = sizeOf(res);
    // The weights may live beside the graph (external data, the usual `_data` name): count them too.
    const data = await get(`${base}${file}_data`, { method: 'HEAD', signal: opts.signal });
    await data.body?.cancel();
    if (data.ok) {
      info.externalDataFile = `${file}_data`;
      size += sizeOf(data);
    }
    if (size > 0) info.sizeBytes = size;
    break;
  }
  return info;
}
