// One error class per meaning, each with a stable `name` (and so `code`), the HTTP status it maps to
// and a message that names the bad value and how to fix it. Errors cross the HTTP boundary as
// `{ error: { name, code, message, ...fields } }` (protocol/errors.ts errorBody) and the worker
// boundary as serializeError's plain data. The three the client also meets (UnknownFunctionError,
// QueueFullError, StoreUnavailableError) live in src/protocol/errors.ts, defined once for both sides.
import { EmbedbookError, registerErrorClasses } from '../core/errors';
import { CallLostError, HttpError, InvalidDefinitionError, QueueFullError, ScalarHandlerError, StoreUnavailableError, UnknownFunctionError } from '../protocol/errors';
import type { RowError } from '../core/types';
import { RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER } from '../protocol/http';

export { CallLostError, InvalidDefinitionError, QueueFullError, ScalarHandlerError, StoreUnavailableError, UnknownFunctionError };
/** Every error the server answers with on purpose: an HttpError (status + headers). */
export { HttpError as ServerError };



/** The uploaded bundle could not be loaded in a worker, or has no handler. */
export class InvalidBundleError extends HttpError {
  override readonly name = 'InvalidBundleError';
  readonly statusCode = 400;
  constructor(readonly functionName: string, detail: string) {
    super(`The bundle for function "${functionName}" cannot be used: ${detail}`);
  }
}

/** `resources.gpu` names a GPU that no worker has, and CPU fallback is off. */
export class UnsatisfiableResourcesError extends HttpError {
  override readonly name = 'UnsatisfiableResourcesError';
  readonly statusCode = 409;
  constructor(readonly functionName: string, readonly gpu: string, readonly available: string[]) {
    super(
      `Function "${functionName}" asks for resources.gpu "${gpu}" but this server's workers have ` +
        `${available.length ? `only ${available.map((g) => `"${g}"`).join(', ')}` : 'no GPU'}. ` +
        'Start the server with a matching --gpus list, drop resources.gpu, or start it with --allow-cpu-fallback.',
    );
  }
}

export class UnknownCallError extends HttpError {
  override readonly name = 'UnknownCallError';
  readonly statusCode = 404;
  constructor(readonly callId: string) {
    super(`No call with id "${callId}": it never existed, was deleted, or its result expired.`);
  }
}


/** The request body is not a readable Arrow IPC stream. */
export class MalformedIpcError extends HttpError {
  override readonly name = 'MalformedIpcError';
  readonly statusCode = 400;
  constructor(detail: string) {
    super(`The request body is not a valid Arrow IPC stream (application/vnd.apache.arrow.stream): ${detail}`);
  }
}

/** The call's columns do not match the function's declared arguments. */
export class SchemaMismatchError extends HttpError {
  override readonly name = 'SchemaMismatchError';
  readonly statusCode = 400;
  constructor(
    readonly functionName: string,
    readonly missing: string[],
    readonly extra: string[],
    readonly wrongType: string[] = [],
  ) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing column(s) ${missing.map((c) => `"${c}"`).join(', ')}`);
    if (extra.length) parts.push(`unexpected column(s) ${extra.map((c) => `"${c}"`).join(', ')}`);
    if (wrongType.length) parts.push(`wrong type: ${wrongType.join('; ')}`);
    super(`Call to "${functionName}" does not match its arguments: ${parts.join('; ')}.`);
  }
}

/** A request that is neither of the above but still invalid (bad JSON body, bad query value). */
export class BadRequestError extends HttpError {
  override readonly name = 'BadRequestError';
  readonly statusCode = 400;
}

/** No route for this method and path (the API's own 404, in the documented error shape). */
export class RouteNotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  readonly statusCode = 404;
  constructor(readonly method: string, readonly path: string) {
    super(`No API route ${method} ${path}: see docs/http-api.md for the routes (e.g. POST /functions/:name/calls, GET /calls/:id).`);
  }
}

/** The body's Content-Type is not the one the route reads (checked before the body is parsed). */
export class UnsupportedMediaTypeError extends HttpError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;
  constructor(readonly route: string, readonly expected: string, readonly got: string) {
    super(`${route} takes ${expected}, got Content-Type ${JSON.stringify(got)}: send the body as ${expected}.`);
  }
}

/**
 * Rows came for a function version whose stream was retired (replaced or removed, its stream closed
 * to new rows so it can be deleted once drained): this node had not yet seen the change. The queue
 * re-reads the registry and re-routes the call; it reaches a client only if the registry stays
 * behind, as a 503 to retry.
 */
export class StreamRetiredError extends HttpError {
  override readonly name = 'StreamRetiredError';
  readonly statusCode = 503;
  constructor(readonly stream: string) {
    super(`The function version "${stream}" was replaced or removed while this call was submitted, and this server has not caught up yet: retry in a second (the new version takes it).`);
  }
  override headers(): Record<string, string> {
    return { [RETRY_AFTER_HEADER]: '1' };
  }
}

/** Held results (finished, not yet read) reached the server's byte budget: 429 until clients read them. */
export class ResultBudgetError extends HttpError {
  override readonly name = 'ResultBudgetError';
  readonly statusCode = 429;
  constructor(readonly heldBytes: number, readonly maxBytes: number, readonly retryAfterMs: number) {
    super(
      `Results held for reading (${Math.round(heldBytes / 1024 ** 2)} MiB) reached this server's budget of ${Math.round(maxBytes / 1024 ** 2)} MiB: ` +
        `retry after ${retryAfterMs} ms, once clients have read their finished calls (GET /calls/:id), or raise --max-held-results.`,
    );
  }
  override headers(): Record<string, string> {
    return { [RETRY_AFTER_HEADER]: String(Math.max(1, Math.ceil(this.retryAfterMs / 1000))), [RETRY_AFTER_MS_HEADER]: String(this.retryAfterMs) };
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  readonly statusCode = 401;
  constructor(readonly needs: 'API key' | 'admin key') {
    super(`Missing or wrong ${needs}: send \`Authorization: Bearer <${needs === 'API key' ? 'apiKey' : 'adminKey'}>\`.`);
  }
  override headers(): Record<string, string> {
    return { 'www-authenticate': 'Bearer' };
  }
}

/** Deploy or remove on a server started without an admin key: code upload is off there. */
export class DeployDisabledError extends HttpError {
  override readonly name = 'DeployDisabledError';
  readonly statusCode = 403;
  constructor() {
    super(
      'Deploying and removing functions is off on this server: it was started without an admin key. ' +
        'Restart it with --admin-key-file <file> (or EMBEDBOOK_ADMIN_KEY, or --admin-key) and send `Authorization: Bearer <adminKey>`.',
    );
  }
}

/** The request's Host header is not one this server answers to (blocks DNS rebinding). */
export class HostNotAllowedError extends HttpError {
  override readonly name = 'HostNotAllowedError';
  readonly statusCode = 403;
  constructor(readonly host: string | undefined, allowed: string[]) {
    super(
      `${host === undefined ? 'The request has no Host header' : `Host ${JSON.stringify(host.slice(0, 100))} is not one this server answers to`} ` +
        `(allowed: ${allowed.join(', ')}). If you reach it under another name (a proxy, a LAN address), start it with ` +
        '--allowed-hosts <name>. The check keeps web pages that rebind their DNS name to this address out.',
    );
  }
}

/** New work arrives while the server is stopping; also the status of rows handed back at shutdown. */
export class ServerShuttingDownError extends HttpError {
  override readonly name = 'ServerShuttingDownError';
  readonly statusCode = 503;
  constructor() {
    super(SHUTTING_DOWN_MESSAGE);
  }
}

const SHUTTING_DOWN_MESSAGE = 'server shutting down: row not processed, submit it again';
/** The per-row status of rows the server handed back unprocessed while shutting down. */
export const SHUTTING_DOWN_STATUS: RowError = { code: 'SERVER_SHUTTING_DOWN', message: SHUTTING_DOWN_MESSAGE };
/** The per-row status of rows dropped by a cancel (the code of CancelledError). */
export const CANCELLED_STATUS: RowError = { code: 'CANCELLED', message: 'cancelled' };

/** A worker died (crash, process.exit, out of memory) or hung past the batch deadline. */
export class WorkerLostError extends EmbedbookError {
  override readonly name: string = 'WorkerLostError';
  constructor(readonly reason: string) {
    super(`Worker lost mid-batch: ${reason}`);
  }
}

/**
 * A batch ran past its deadline: its worker was terminated and replaced. The batcher does not retry
 * it whole: each of its rows runs alone once (see docs/server.md, "Deadlines").
 */
export class BatchTimeoutError extends WorkerLostError {
  override readonly name = 'BatchTimeoutError';
}

/**
 * The handler exhausted its worker's JavaScript heap (resources.memory, default 1 GiB): the worker
 * was terminated and replaced. The batcher does not retry the batch whole; it splits it in halves.
 */
export class WorkerOutOfMemoryError extends WorkerLostError {
  override readonly name = 'WorkerOutOfMemoryError';
  constructor(readonly memoryMb: number) {
    super(
      `the handler exhausted its memory limit of ${memoryMb} MiB of JavaScript heap (resources.memory) and its worker was replaced; ` +
        'use less memory per batch (a smaller maxBatchingSize) or raise resources.memory',
    );
  }
}

/** Every call with rows in a running batch was cancelled: the batch was stopped (its worker replaced if it had started). */
export class BatchCancelledError extends EmbedbookError {
  override readonly name = 'BatchCancelledError';
  constructor() {
    super('every call in this batch was cancelled');
  }
}

/** A handler threw or returned a bad shape; its message is carried into row statuses. */
export class HandlerError extends EmbedbookError {
  override readonly name: string;
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

registerErrorClasses({
  InvalidBundleError, UnsatisfiableResourcesError, UnknownCallError, MalformedIpcError,
  SchemaMismatchError, BadRequestError, NotFoundError: RouteNotFoundError, UnsupportedMediaTypeError, UnauthorizedError,
  DeployDisabledError, HostNotAllowedError, ServerShuttingDownError, StreamRetiredError, WorkerLostError, BatchTimeoutError, WorkerOutOfMemoryError,
  BatchCancelledError, ResultBudgetError,
});
