// The Node client's HTTP: node:http(s) with keep-alive agents behind the FetchLike shape the
// transport speaks. Node's global fetch (undici) spends about 0.45 ms more per loopback round
// trip than node:http on a 2-core machine (bench/results/queue.md); a chunk is at least one round
// trip, so that alone was a quarter of the queue's per-chunk overhead. Bodies here are small
// (an Arrow chunk, a JSON answer), so answers are read whole before they resolve.
import http from 'node:http';
import https from 'node:https';
import type { FetchLike, WireResponse } from './http-transport';

export interface NodeHttpFetchOptions {
  /** Open connections per server (default 64, the Remote client's concurrency ceiling). */
  maxSockets?: number;
}

class NodeWireResponse implements WireResponse {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };

  constructor(
    readonly status: number,
    readonly statusText: string,
    raw: http.IncomingHttpHeaders,
    private readonly bytes: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get: (name) => {
        const v = raw[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    };
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.bytes;
    // A Buffer may be a view into Node's shared pool: hand out only its own bytes.
    return byteOffset === 0 && byteLength === buffer.byteLength ? (buffer as ArrayBuffer) : (buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer);
  }

  async text(): Promise<string> {
    return this.bytes.toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.bytes.toString('utf8')) as unknown;
  }

  /** The body was read whole already: nothing left to cancel. */
  readonly body = { cancel: async (): Promise<void> => undefined };
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function plainHeaders(h: RequestInit['headers']): Record<string, string> {
  if (!h) return {};
  if (h instanceof Headers || Array.isArray(h)) return Object.fromEntries(h instanceof Headers ? h.entries() : h);
  return { ...(h as Record<string, string>) };
}

/** Body bytes node:http can send as is; undefined for kinds only fetch knows (streams, forms). */
function bodyBytes(body: RequestInit['body']): Uint8Array | string | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/**
 * A FetchLike over node:http(s). Requests with a body fetch cannot hand over as bytes (a stream, a
 * FormData) go to globalThis.fetch instead, so this never refuses what fetch takes.
 */
export function createNodeHttpFetch(opts: NodeHttpFetchOptions = {}): FetchLike {
  const maxSockets = opts.maxSockets ?? 64;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };

  const once = (url: URL, method: string, headers: Record<string, string>, body: Uint8Array | string | null, signal: AbortSignal | undefined) =>
    new Promise<{ res?: NodeWireResponse; retry: boolean }>((resolve, reject) => {
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, { method, headers, agent: agents[url.protocol as 'http:' | 'https:'] });
      let settled = false;
      const onAbort = () => req.destroy(abortError(signal as AbortSignal) as Error);
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => finish(() => resolve({ res: new NodeWireResponse(res.statusCode ?? 0, res.statusMessage ?? '', res.headers, parts.length === 1 ? parts[0] : Buffer.concat(parts)), retry: false })));
        res.on('error', (err) => finish(() => reject(err)));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed while idle fails at once on reuse: send once
        // more on a fresh connection (what Node's docs advise) — but only requests that may run
        // twice. A reset POST may have reached the server (a call submitted), so it fails instead
        // and the engine's chunk retry decides. (Node's agent also retires idle sockets before the
        // server's advertised Keep-Alive timeout, which makes this race rare.)
        const stale = req.reusedSocket && IDEMPOTENT.has(method) && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && !signal?.aborted;
        finish(() => (stale ? resolve({ retry: true }) : reject(signal?.aborted ? abortError(signal) : new TypeError(err.message, { cause: err }))));
      });
      if (body !== null && body !== undefined) {
        req.setHeader('content-length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      }
      req.end(body ?? undefined);
    });

  const nodeFetch = async (input: string, init: RequestInit = {}): Promise<WireResponse> => {
    const body = bodyBytes(init.body);
    const url = new URL(input);
    if (body === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return globalThis.fetch(input, init);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw abortError(signal);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = plainHeaders(init.headers);
    for (let attempt = 0; ; attempt++) {
      const out = await once(url, method, headers, body, signal);
      if (out.res) return out.res;
      if (attempt >= 1) throw new TypeError(`connection to ${url.host} was reset twice`);
    }
  };
  return nodeFetch;
}
