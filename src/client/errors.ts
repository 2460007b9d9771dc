// Errors the remote client raises. One class per meaning, each with a stable `name` and a message
// that names the bad value (URL, function, status) and how to fix it. They extend the engine's
// EmbedbookError so they cross worker boundaries through serializeError like the engine's own.
import { EmbedbookError } from '../core/errors';

/** Base class: everything the remote client throws on purpose is a RemoteError. */
export class RemoteError extends EmbedbookError {
  override readonly name: string = 'RemoteError';
  /** HTTP status when the server answered, undefined for network failures. */
  readonly status?: number;
  constructor(message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status;
  }
  override details(): Record<string, unknown> {
    return { status: this.status };
  }
}

/** The server could not be reached at all (DNS, refused connection, reset, CORS). */
export class RemoteNetworkError extends RemoteError {
  override readonly name = 'RemoteNetworkError';
  readonly url: string;
  constructor(url: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    // Browsers report a CORS refusal as the same bare "Failed to fetch" as a dead server.
    const cors = /failed to fetch|networkerror|load failed/i.test(why)
      ? ' From a page on another origin, the server must allow it: `embedbook serve --cors-origin <page origin>`.'
      : '';
    super(`Cannot reach the embedbook server at ${url} (${why}). Is \`embedbook serve\` running there, and is the URL right?${cors}`, { cause });
    this.url = url;
  }
  override details(): Record<string, unknown> {
    return { url: this.url };
  }
}

/** 401/403: missing or wrong API key (or admin key for deploy). */
export class RemoteAuthError extends RemoteError {
  override readonly name = 'RemoteAuthError';
  constructor(url: string, status: number, serverMessage: string, keyKind: 'API key' | 'admin key', keyGiven: boolean) {
    const hint = keyGiven
      ? `the ${keyKind} was rejected — check it matches the server's --${keyKind === 'API key' ? 'api-key' : 'admin-key'}`
      : `the server requires an ${keyKind} — pass ${keyKind === 'API key' ? '{ apiKey } / --api-key' : '--admin-key'}`;
    super(`Unauthorized (${status}) at ${url}: ${hint}.${serverMessage ? ` Server said: ${serverMessage}` : ''}`, { status });
  }
}

/** 404 on a function route: names the functions that do exist. */
export class UnknownFunctionError extends RemoteError {
  override readonly name = 'UnknownFunctionError';
  readonly functionName: string;
  readonly available: readonly string[];
  constructor(functionName: string, available: readonly string[], url: string) {
    const list = available.length ? available.map((n) => `"${n}"`).join(', ') : '(none deployed — run `embedbook deploy <file>.function.ts`)';
    super(`No function "${functionName}" on ${url}. Available: ${list}.`, { status: 404 });
    this.functionName = functionName;
    this.available = available;
  }
  override details(): Record<string, unknown> {
    return { status: 404, functionName: this.functionName, available: [...this.available] };
  }
}

/** 429 that did not clear after the allowed number of waits. */
export class QueueFullError extends RemoteError {
  override readonly name = 'QueueFullError';
  constructor(functionName: string, waits: number, url: string) {
    super(`The server's queue for "${functionName}" at ${url} stayed full (429) after ${waits} waits; lower concurrentChunks or retry later.`, { status: 429 });
  }
}

/** A 429 answer, carried to the caller that decides to wait (internal, but exported for tests). */
export class RateLimitedError extends RemoteError {
  override readonly name = 'RateLimitedError';
  /** How long the server asked us to wait, in ms. */
  readonly retryAfterMs: number;
  /** The place in line the server gave (X-Queue-Ticket): sent back on the retry so older waiters go first. */
  readonly ticket?: string;
  constructor(url: string, retryAfterMs: number, ticket?: string) {
    super(`Server at ${url} is busy (429); retry after ${Math.round(retryAfterMs)} ms.`, { status: 429 });
    this.retryAfterMs = retryAfterMs;
    this.ticket = ticket;
  }
}

/** Any other non-2xx answer: keeps the server's error name and message. */
export class RemoteHttpError extends RemoteError {
  override readonly name = 'RemoteHttpError';
  /** The `error.name` from the server's JSON body, when it sent one. */
  readonly serverErrorName?: string;
  constructor(method: string, url: string, status: number, serverErrorName: string | undefined, serverMessage: string) {
    super(`${method} ${url} failed with ${status}${serverErrorName ? ` ${serverErrorName}` : ''}: ${serverMessage || '(no message)'}`, { status });
    this.serverErrorName = serverErrorName;
  }
}

/** The server's answer could not be understood (not Arrow where Arrow was promised, wrong columns). */
export class RemoteProtocolError extends RemoteError {
  override readonly name = 'RemoteProtocolError';
}

/**
 * A 503 StoreUnavailableError: the server's queue store (e.g. Redis) failed or did not answer.
 * Transient; the caller waits Retry-After and asks again (internal, but exported for tests).
 */
export class StoreUnavailableError extends RemoteError {
  override readonly name = 'StoreUnavailableError';
  /** How long the server asked us to wait, in ms. */
  readonly retryAfterMs: number;
  constructor(url: string, retryAfterMs: number, serverMessage: string) {
    super(`The server at ${url} cannot reach its queue store (503)${serverMessage ? `: ${serverMessage}` : ''}; retry after ${Math.round(retryAfterMs)} ms.`, { status: 503 });
    this.retryAfterMs = retryAfterMs;
  }
}

/** 503 StoreUnavailableError that did not clear after the allowed number of waits. */
export class ServerUnavailableError extends RemoteError {
  override readonly name = 'ServerUnavailableError';
  constructor(functionName: string, waits: number, waitedMs: number, url: string, last: string) {
    super(
      `The server at ${url} could not reach its queue store for "${functionName}" through ${waits} waits (${Math.round(waitedMs / 1000)} s): ${last} ` +
        `Check GET ${url}/health (its "store" field) and the store (e.g. Redis), then run the call again.`,
      { status: 503 },
    );
  }
}
