// Hugging Face hub ids: `org/name[@revision]` → `{endpoint}/{org}/{name}/resolve/{revision}/{file}`,
// as huggingface_hub and transformers.js resolve them. The endpoint comes from HF_ENDPOINT (the
// variable huggingface_hub reads; default https://huggingface.co) and the optional token (HF_TOKEN)
// is sent to that endpoint's origin only — never to a CDN or any other host a redirect points at.
import { EmbedbookError } from '../../core/errors';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface HubId {
  /** `org/name` */
  repo: string;
  /** Branch, tag or commit; default 'main'. */
  revision: string;
}

export interface HubSettings {
  /** Hub base URL, e.g. https://huggingface.co or a mirror. */
  endpoint: string;
  /** Bearer token for private or gated repos; sent to `endpoint`'s origin only. */
  token?: string;
}

// Same character rules as huggingface_hub's repo-id validator: letters, digits, '-', '_', '.'.
const PART = '[A-Za-z0-9][A-Za-z0-9._-]{0,95}';
const HUB_ID = new RegExp(`^(${PART})/(${PART})(?:@([A-Za-z0-9._/-]{1,200}))?$`);

/** Parses `org/name[@revision]`; undefined when `s` is not shaped like a hub id. */
export function parseHubId(s: string): HubId | undefined {
  const m = HUB_ID.exec(s);
  if (!m || m[1].includes('..') || m[2].includes('..') || m[2].endsWith('.git')) return undefined;
  return { repo: `${m[1]}/${m[2]}`, revision: m[3] ?? 'main' };
}

/** The endpoint and token a Node process uses: HF_ENDPOINT / HF_TOKEN from `env`. */
export function hubSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): HubSettings {
  const endpoint = env.HF_ENDPOINT?.trim() || DEFAULT_HF_ENDPOINT;
  const token = env.HF_TOKEN?.trim() || undefined;
  return { endpoint: checkEndpoint(endpoint), ...(token ? { token } : {}) };
}

/** The endpoint must be an absolute http(s) URL; returned without a trailing slash. */
export function checkEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new HubEndpointError(endpoint);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new HubEndpointError(endpoint);
  return endpoint.replace(/\/+$/, '');
}

/** `{endpoint}/{org}/{name}/resolve/{revision}/` (the revision URL-encoded, as huggingface_hub does). */
export function hubBaseUrl(endpoint: string, id: HubId): string {
  return `${endpoint.replace(/\/+$/, '')}/${id.repo}/resolve/${encodeURIComponent(id.revision)}/`;
}

export type HubFetch = (url: string, init?: { signal?: AbortSignal; method?: 'GET' | 'HEAD' }) => Promise<Response>;

const MAX_REDIRECTS = 10;

/**
 * A fetch that adds `Authorization: Bearer <token>` only for URLs on the endpoint's origin and
 * follows redirects itself, so the token never reaches the host a redirect points at (the hub
 * redirects weight files to a CDN). Browsers hide redirect targets (an 'opaqueredirect'
 * response): there the request is repeated with redirect 'follow', and the Fetch standard drops
 * Authorization on a cross-origin redirect.
 */
export function tokenFetch(settings: HubSettings, fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)): HubFetch {
  const origin = new URL(settings.endpoint).origin;
  const headersFor = (url: string): Record<string, string> =>
    settings.token && new URL(url).origin === origin ? { Authorization: `Bearer ${settings.token}` } : {};
  return async (first, init = {}) => {
    let url = first;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await fetchFn(url, { method: init.method, headers: headersFor(url), redirect: 'manual', signal: init.signal });
      if (res.type === 'opaqueredirect') return fetchFn(url, { method: init.method, headers: headersFor(url), redirect: 'follow', signal: init.signal });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status > 399 || !location) return res;
      await res.body?.cancel();
      url = new URL(location, url).href;
    }
    throw new TypeError(`more than ${MAX_REDIRECTS} redirects from ${first}`);
  };
}

/** HF_ENDPOINT (or a picked endpoint) is not an http(s) URL. */
class HubEndpointError extends EmbedbookError {
  override readonly name = 'HubEndpointError';
  constructor(readonly endpoint: string) {
    super(`hub endpoint ${JSON.stringify(endpoint)} is not an http(s) URL; set HF_ENDPOINT to e.g. ${DEFAULT_HF_ENDPOINT} or your mirror's base URL`);
  }
  override details(): Record<string, unknown> {
    return { endpoint: this.endpoint };
  }
}

/** The hub refused a file: the repo is private/gated (needs a token), the token lacks access, or the repo does not exist. */
export class ModelAccessError extends EmbedbookError {
  override readonly name = 'ModelAccessError';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly hasToken: boolean,
  ) {
    super(
      `GET ${url} answered ${status}: ` +
        (hasToken
          ? 'the token in HF_TOKEN has no access to this repository (accept its licence on the hub, or use a token with read access), or the id is wrong'
          : 'the repository does not exist, or it is private or gated: check the id, or set HF_TOKEN to a token with read access'),
    );
  }
  override details(): Record<string, unknown> {
    return { url: this.url, status: this.status, hasToken: this.hasToken };
  }
}
