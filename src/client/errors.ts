// Errors the remote client raises. One class per meaning, each with a stable `name` and a message
// that names the bad value (URL, function, status) and how to fix it. They extend the engine's
// EmbedbookError so they cross worker boundaries through serializeError like the engine's own.
import { EmbedbookError, registerErrorClasses } from '../core/errors';
import { CallLostError, QueueFullError, StoreUnavailableError, UnknownFunctionError } from '../protocol/errors';

// The answers the server also sends (404 unknown function, 429 queue full, 503 store down) are the
// protocol's own classes, rebuilt from the error body: one class per meaning on both sides.
export { CallLostError, QueueFullError, StoreUnavailableError, UnknownFunctionError };

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

/** 429 QueueFullError answers that did not clear after the allowed number of waits. */
export class QueueStayedFullError extends RemoteError {
  override readonly name = 'QueueStayedFullError';
  constructor(functionName: string, readonly waits: number, url: string) {
    super(`The server's queue for "${functionName}" at ${url} stayed full (429) after ${waits} waits; lower concurrentChunks or retry later.`, { status: 429 });
  }
}

/** Any other non-2xx answer: keeps the server's error (its class when known here) as `cause`. */
export class RemoteHttpError extends RemoteError {
  override readonly name = 'RemoteHttpError';
  /** The `error.name` from the server's JSON body, when it sent one. */
  readonly serverErrorName?: string;
  /** The `error.code` from the server's JSON body, when it sent one. */
  readonly serverErrorCode?: string;
  constructor(method: string, url: string, status: number, serverError: Error | undefined, fallbackMessage = '') {
    const serverErrorName = serverError && serverError.name !== 'Error' ? serverError.name : undefined;
    const serverMessage = serverError?.message ?? fallbackMessage;
    super(`${method} ${url} failed with ${status}${serverErrorName ? ` ${serverErrorName}` : ''}: ${serverMessage || '(no message)'}`, { status, cause: serverError });
    this.serverErrorName = serverErrorName;
    const code = (serverError as { code?: unknown } | undefined)?.code;
    this.serverErrorCode = serverErrorName && typeof code === 'string' ? code : undefined;
  }
}

/** The server's answer could not be understood (not Arrow where Arrow was promised, wrong columns). */
export class RemoteProtocolError extends RemoteError {
  override readonly name = 'RemoteProtocolError';
}

/** One chunk's call was lost by the server's store (410) more often than the client re-submits it. */
export class CallLostTooOftenError extends RemoteError {
  override readonly name = 'CallLostTooOftenError';
  constructor(functionName: string, times: number, url: string) {
    super(
      `The server at ${url} lost the call for a chunk of "${functionName}" ${times} times (its queue store keeps restarting empty): ` +
        `check the store (GET ${url}/health, Redis persistence), then run the call again.`,
      { status: 410 },
    );
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

registerErrorClasses({
  RemoteError, RemoteNetworkError, RemoteAuthError, QueueStayedFullError, RemoteHttpError, RemoteProtocolError, ServerUnavailableError, CallLostTooOftenError,
});
