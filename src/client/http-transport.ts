// The wire protocol of docs/http-api.md, one method per route. Knows HTTP, Arrow IPC bytes and error
// mapping; knows nothing about chunks, retries or concurrency (remote-function.ts does that).
import type { Table } from 'apache-arrow';
import { decodeCallAnswer, encodeCallArgs, type CallAnswer } from './call-codec';
import {
  CallLostError,
  QueueFullError,
  RemoteAuthError,
  RemoteHttpError,
  RemoteNetworkError,
  RemoteProtocolError,
  StoreUnavailableError,
} from './errors';
import { deserializeError } from '../core/errors';
import { defaultTimers } from '../core/timers';
import type { TimerApi } from '../core/types';
import { readErrorBody } from '../protocol/errors';
import { ARROW_STREAM, JSON_MEDIA, RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER, TICKET_HEADER, paths } from '../protocol/http';

/**
 * The part of a fetch Response the transport reads. A real Response is one; so is the Node
 * client's node:http answer (node-http-fetch.ts), which skips undici's per-request cost.
 */
export interface WireResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  /** Present on fetch Responses; cancelling it drops an unread body. */
  readonly body?: { cancel(): Promise<void> } | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<WireResponse>;

export interface HealthInfo {
  ok: boolean;
  version?: string;
  functions?: number;
  workers?: number;
}

/** One deployed function, as GET /functions lists it. */
export interface FunctionInfo {
  name: string;
  version?: number | string;
  args?: unknown;
  maxBatchingSize?: number;
  maxBufferDuration?: number;
  retries?: number;
  resources?: { cpu?: number; memory?: string; gpu?: string };
  stats?: Record<string, unknown>;
}

export type PollResult =
  | { done: true; table: CallAnswer }
  | { done: false; doneRows: number; rows: number };

export interface TransportOptions {
  url: string;
  apiKey?: string;
  adminKey?: string;
  fetch?: FetchLike;
  /** Clock for Retry-After dates (default: the engine's default TimerApi). */
  timers?: TimerApi;
}

/** Parses Retry-After (delta-seconds or HTTP date) into ms; 1 s when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number {
  if (!header) return 1000;
  const secs = Number(header.trim());
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(header);
  if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  return 1000;
}

/**
 * How long a 429 asks to wait: the server's X-Retry-After-Ms when present (finer than Retry-After's
 * whole seconds, so a fast queue is not left idle), else Retry-After. At most a minute either way.
 */
function rateLimitWaitMs(headers: WireResponse['headers'], nowMs: number): number {
  const ms = Number(headers.get(RETRY_AFTER_MS_HEADER) ?? NaN);
  const wait = Number.isFinite(ms) && ms >= 0 ? ms : parseRetryAfter(headers.get(RETRY_AFTER_HEADER), nowMs);
  return Math.min(60_000, wait);
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

export class HttpTransport {
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly adminKey?: string;
  private readonly fetchFn: FetchLike;
  /** HTTP answers received (any status): tells a wrong URL from a blip mid-run. */
  answers = 0;
  private readonly timers: TimerApi;

  constructor(opts: TransportOptions) {
    if (typeof opts.url !== 'string' || !/^https?:\/\//i.test(opts.url) && !opts.url.startsWith('/')) {
      throw new TypeError(`Remote url must be an http(s) URL or a same-origin path like "/api", got ${JSON.stringify(opts.url)}.`);
    }
    this.baseUrl = opts.url.replace(/\/+$/, '');
    this.apiKey = opts.apiKey || undefined;
    this.adminKey = opts.adminKey || undefined;
    // Bind: a bare `fetch` reference called as a method of another object throws "Illegal invocation".
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timers = opts.timers ?? defaultTimers;
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** Sends one request; maps network failures, 401/403 and 429 and other non-2xx to client errors. */
  async request(method: string, path: string, init: { body?: BodyInit; contentType?: string; signal?: AbortSignal; admin?: boolean; allow?: number[]; headers?: Record<string, string> } = {}): Promise<WireResponse> {
    const url = this.url(path);
    const headers: Record<string, string> = { ...init.headers };
    const key = init.admin ? (this.adminKey ?? this.apiKey) : this.apiKey;
    if (key) headers.authorization = `Bearer ${key}`;
    if (init.contentType) headers['content-type'] = init.contentType;
    let res: WireResponse;
    try {
      res = await this.fetchFn(url, { method, headers, body: init.body, signal: init.signal });
    } catch (err) {
      if (isAbort(err) || init.signal?.aborted) throw err;
      throw new RemoteNetworkError(url, err);
    }
    this.answers++;
    if (res.ok || init.allow?.includes(res.status)) return res;
    const text = await res.text().catch(() => '');
    const serverError = readErrorBody(text) ?? (text ? new Error(text.slice(0, 300)) : undefined);
    const name = serverError?.name;
    if (res.status === 429) {
      // The server's QueueFullError (its place-in-line ticket and wait from the headers, which a
      // proxy's bare 429 also has).
      const retryAfterMs = rateLimitWaitMs(res.headers, this.timers.now());
      const ticket = res.headers.get(TICKET_HEADER) ?? undefined;
      const message = serverError instanceof QueueFullError ? serverError.message : `Server at ${url} is busy (429); retry after ${Math.round(retryAfterMs)} ms.`;
      throw deserializeError({ ...(serverError instanceof QueueFullError ? serverError.details() : {}), name: 'QueueFullError', message, retryAfterMs, ticket });
    }
    if (res.status === 410 && serverError instanceof CallLostError) throw serverError;
    if (res.status === 503 && serverError instanceof StoreUnavailableError) {
      throw new StoreUnavailableError(serverError.reason ?? serverError.message, parseRetryAfter(res.headers.get(RETRY_AFTER_HEADER), this.timers.now()));
    }
    // A node whose registry is a redeploy behind answers 503 StreamRetiredError + Retry-After: a
    // transient state like a store outage, waited out the same way (and bounded the same way).
    if (res.status === 503 && name === 'StreamRetiredError') {
      throw new StoreUnavailableError(serverError?.message ?? 'function version retired', parseRetryAfter(res.headers.get(RETRY_AFTER_HEADER), this.timers.now()));
    }
    // 403s that no key fixes (deploy turned off on the server, a Host it does not answer) keep the
    // server's own name and message.
    if ((res.status === 401 || res.status === 403) && name !== 'DeployDisabledError' && name !== 'HostNotAllowedError') {
      throw new RemoteAuthError(url, res.status, serverError?.message ?? '', init.admin ? 'admin key' : 'API key', Boolean(key));
    }
    throw new RemoteHttpError(method, url, res.status, serverError);
  }

  async json<T>(method: string, path: string, init: Parameters<HttpTransport['request']>[2] = {}): Promise<T> {
    const res = await this.request(method, path, init);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new RemoteProtocolError(`${method} ${this.url(path)} answered ${res.status} with a body that is not JSON: ${text.slice(0, 120)}`, { status: res.status, cause: err });
    }
  }

  health(signal?: AbortSignal): Promise<HealthInfo> {
    return this.json<HealthInfo>('GET', paths.health, { signal });
  }

  listFunctions(signal?: AbortSignal): Promise<FunctionInfo[]> {
    return this.json<FunctionInfo[]>('GET', paths.functions, { signal });
  }

  /**
   * POST /functions/:name/calls with the batch as an Arrow IPC stream; the call id comes back at once.
   * With `waitS`, sends `?wait=S`: a call that finishes within S seconds comes back with its result
   * table (one round trip); otherwise only the id (then poll). `ticket`: the one an earlier 429 for
   * this chunk gave (QueueFullError.ticket), so the retry keeps its place in line.
   */
  async submit(name: string, args: Table, signal?: AbortSignal, waitS?: number, ticket?: string): Promise<{ callId: string; rows: number; table?: CallAnswer }> {
    const body = encodeCallArgs(args);
    const query = waitS === undefined ? '' : `?wait=${Number(Math.max(0, Math.min(300, waitS)).toFixed(3))}`;
    const path = `${paths.calls(name)}${query}`;
    const res = await this.request('POST', path, {
      body: body as unknown as BodyInit, // a Uint8Array is a valid body; lib.dom's BodyInit typing lags behind.
      contentType: ARROW_STREAM,
      signal,
      headers: ticket ? { [TICKET_HEADER]: ticket } : undefined,
    });
    if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith(ARROW_STREAM)) {
      const callId = res.headers.get('x-call-id') ?? '';
      const bytes = new Uint8Array(await res.arrayBuffer());
      try {
        return { callId, rows: args.numRows, table: decodeCallAnswer(bytes) };
      } catch (err) {
        throw new RemoteProtocolError(`POST ${this.url(path)} returned a body that is not an Arrow IPC stream (${bytes.byteLength} bytes).`, { status: res.status, cause: err });
      }
    }
    const text = await res.text();
    let out: { callId?: unknown; rows?: number };
    try {
      out = JSON.parse(text) as { callId?: unknown; rows?: number };
    } catch (err) {
      throw new RemoteProtocolError(`POST ${this.url(path)} answered ${res.status} with a body that is not JSON: ${text.slice(0, 120)}`, { status: res.status, cause: err });
    }
    if (typeof out.callId !== 'string') throw new RemoteProtocolError(`POST ${this.url(path)} did not return a callId.`);
    return { callId: out.callId, rows: out.rows ?? args.numRows };
  }

  /** GET /calls/:id?timeout=S: the result table when done, else progress when the long-poll expires. */
  async poll(callId: string, timeoutS: number, signal?: AbortSignal): Promise<PollResult> {
    const path = `${paths.call(callId)}?timeout=${Math.max(0, Math.round(timeoutS))}`;
    const res = await this.request('GET', path, { signal, allow: [202] });
    if (res.status === 202) {
      const body = (await res.json().catch(() => ({}))) as { doneRows?: number; rows?: number };
      return { done: false, doneRows: body.doneRows ?? 0, rows: body.rows ?? 0 };
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    try {
      return { done: true, table: decodeCallAnswer(bytes) };
    } catch (err) {
      throw new RemoteProtocolError(`GET ${this.url(path)} returned a body that is not an Arrow IPC stream (${bytes.byteLength} bytes).`, { status: res.status, cause: err });
    }
  }

  /** DELETE /calls/:id. Best effort: a call that already finished, expired or was lost is not an error. */
  async cancel(callId: string): Promise<void> {
    const res = await this.request('DELETE', paths.call(callId), { allow: [404, 409, 410] });
    await res.body?.cancel().catch(() => undefined);
  }

  /** POST /functions (admin): deploy or update a function from a definition and its bundled code. */
  deploy(definition: Record<string, unknown>, bundle: string): Promise<{ name: string; version: number | string }> {
    return this.json('POST', paths.functions, {
      body: JSON.stringify({ definition, bundle }),
      contentType: JSON_MEDIA,
      admin: true,
    });
  }
}

