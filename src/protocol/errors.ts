// Errors that cross the HTTP boundary, defined once for both sides: the server throws them, the
// error body carries them (`{ error: serializeError(err) }`: name, code, message and plain fields),
// and the client rebuilds the same class from the body (deserializeError). The HTTP status of each
// is on the class (`statusCode`), so status ↔ error is one table: this file and server/errors.ts.
import { EmbedbookError, deserializeError, errorCode, registerErrorClasses, serializeError, type SerializedError } from '../core/errors';
import { RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER, TICKET_HEADER } from './http';

/** An error with an HTTP status: what the server answers with, and the client reads back. */
export abstract class HttpError extends EmbedbookError {
  abstract readonly statusCode: number;
  /** Extra response headers (e.g. Retry-After). */
  headers(): Record<string, string> {
    return {};
  }
}

/** No function of that name is deployed (404). */
export class UnknownFunctionError extends HttpError {
  override readonly name = 'UnknownFunctionError';
  readonly statusCode = 404;
  constructor(
    readonly functionName: string,
    readonly available: readonly string[],
    /** Where: "this server", or the client's server URL. */
    where = 'this server',
  ) {
    super(
      `No function named "${functionName}" is deployed on ${where}. Deployed: ${available.length ? available.map((n) => `"${n}"`).join(', ') : '(none)'}; ` +
        'deploy it with `embedbook deploy <file>.function.ts`.',
    );
  }
}

/** The bounded queue is full: back off for `retryAfterMs` (429). Waited out by the client. */
export class QueueFullError extends HttpError {
  override readonly name = 'QueueFullError';
  readonly statusCode = 429;
  constructor(
    readonly queuedRows: number,
    readonly limit: number,
    readonly incoming: number,
    /** The wait asked for, in ms (also sent as X-Retry-After-Ms). */
    readonly retryAfterMs: number,
    /** The caller's place in line, sent back in X-Queue-Ticket on the retry. */
    readonly ticket?: string,
    readonly position?: number,
  ) {
    super(
      `Queue full: ${queuedRows} rows queued + ${incoming} incoming exceeds maxQueuedRows ${limit}` +
        `${position !== undefined && ticket ? ` (you are number ${position} in line)` : ''}. ` +
        `Retry after ${retryAfterMs} ms${ticket ? ' with the X-Queue-Ticket header of this answer, which keeps your place' : ''}, or send smaller chunks / fewer concurrent chunks.`,
    );
  }
  /** Retry-After in whole seconds (at least 1), as HTTP has it. */
  get retryAfterS(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
  override headers(): Record<string, string> {
    return {
      [RETRY_AFTER_HEADER]: String(this.retryAfterS),
      [RETRY_AFTER_MS_HEADER]: String(this.retryAfterMs),
      ...(this.ticket ? { [TICKET_HEADER]: this.ticket } : {}),
    };
  }
}

/**
 * The queue store (e.g. Redis) failed or did not answer (503): the request was not carried out (or,
 * for a submit that timed out, may have been). Transient: retry after `retryAfterMs`.
 */
export class StoreUnavailableError extends HttpError {
  override readonly name = 'StoreUnavailableError';
  readonly statusCode = 503;
  constructor(
    readonly reason: string,
    readonly retryAfterMs = 5_000,
  ) {
    super(`The queue store is unavailable (${reason}): the request could not be carried out. Retry in ${Math.round(retryAfterMs / 1000)} s; GET /health reports when the store is back.`);
  }
  override headers(): Record<string, string> {
    return { [RETRY_AFTER_HEADER]: String(Math.max(1, Math.ceil(this.retryAfterMs / 1000))) };
  }
}

/** A function definition is malformed (bad name, batching options, resources, args…). */
export class InvalidDefinitionError extends HttpError {
  override readonly name = 'InvalidDefinitionError';
  readonly statusCode = 400;
  constructor(readonly field: string, detail: string) {
    super(`Invalid function definition: \`${field}\` ${detail}`);
  }
}

/** A handler declared to take one row (a scalar) per call: refused, it would defeat batching. */
export class ScalarHandlerError extends HttpError {
  override readonly name = 'ScalarHandlerError';
  readonly statusCode = 400;
  constructor(readonly functionName: string, readonly what: string) {
    super(
      `Function "${functionName}" declares ${what}: a handler must take a whole batch (one array per ` +
        'argument, e.g. `args: { text: "string[]" }` and `handler: async (text: string[]) => …`). ' +
        'One row per call defeats batching, so it is refused at deploy.',
    );
  }
}

/**
 * The store no longer has a call it once accepted (e.g. Redis restarted empty, or failed over and
 * lost its last writes): the call's rows and result are gone, not merely unfinished. Distinct from
 * UnknownCallError (404: never existed, already read, or expired): a client that still has the
 * call's input submits it again (rows are pure), instead of giving up.
 */
export class CallLostError extends HttpError {
  override readonly name = 'CallLostError';
  readonly statusCode = 410;
  constructor(readonly callId: string) {
    super(`Call "${callId}" was lost by the queue store (it restarted empty or lost its last writes since the call was accepted): submit its rows again.`);
  }
}

registerErrorClasses({ UnknownFunctionError, QueueFullError, StoreUnavailableError, InvalidDefinitionError, ScalarHandlerError, CallLostError });

/** The JSON body of every non-2xx answer. */
export interface ErrorBody {
  error: SerializedError;
}

/** The body for an error: its serialized form without the stack (a server's internals stay home). */
export function errorBody(err: unknown): ErrorBody {
  const { stack: _stack, ...error } = serializeError(err);
  return { error };
}

/** The body for an error known only by name and message (framework errors, 404 routes). */
export function plainErrorBody(name: string, message: string): ErrorBody {
  return { error: { name, code: errorCode(name), message } };
}

/**
 * Reads an error body back into an Error: the server's own class when this side knows it
 * (registered), else a plain Error with the same name and code. Undefined when the text is not an
 * error body. Bodies from other software (`{ error: "text", message }`) give a plain Error.
 */
export function readErrorBody(text: string): Error | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (error && typeof error === 'object' && typeof (error as { name?: unknown }).name === 'string') {
    const e = error as Record<string, unknown>;
    return deserializeError({ ...e, name: e.name as string, message: typeof e.message === 'string' ? e.message : '' });
  }
  if (typeof error === 'string') return new Error(typeof message === 'string' ? `${error}: ${message}` : error);
  if (typeof message === 'string') return new Error(message);
  return undefined;
}
