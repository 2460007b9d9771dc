// One error class per meaning, each with a stable `name`, the HTTP status it maps to and a message
// that names the bad value and how to fix it. Errors cross the HTTP boundary as
// `{ error: { name, message } }` and the worker boundary as plain `{ name, message }`.
import { EmbedbookError } from '../core/errors';

export abstract class ServerError extends EmbedbookError {
  abstract override readonly name: string;
  abstract readonly statusCode: number;
  /** Extra response headers (e.g. Retry-After). */
  headers(): Record<string, string> {
    return {};
  }
}

/** A function definition is malformed (bad name, batching options, resources, args…). */
export class InvalidDefinitionError extends ServerError {
  override readonly name = 'InvalidDefinitionError';
  readonly statusCode = 400;
  constructor(readonly field: string, detail: string) {
    super(`Invalid function definition: \`${field}\` ${detail}`);
  }
}

/** A handler declared to take one row (a scalar) per call: refused, it would defeat batching. */
export class ScalarHandlerError extends ServerError {
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

/** The uploaded bundle could not be loaded in a worker, or has no handler. */
export class InvalidBundleError extends ServerError {
  override readonly name = 'InvalidBundleError';
  readonly statusCode = 400;
  constructor(readonly functionName: string, detail: string) {
    super(`The bundle for function "${functionName}" cannot be used: ${detail}`);
  }
}

/** `resources.gpu` names a GPU that no worker has, and CPU fallback is off. */
export class UnsatisfiableResourcesError extends ServerError {
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

export class UnknownFunctionError extends ServerError {
  override readonly name = 'UnknownFunctionError';
  readonly statusCode = 404;
  constructor(readonly functionName: string, known: string[]) {
    super(
      `No function named "${functionName}" is deployed. Deployed: ${known.length ? known.map((n) => `"${n}"`).join(', ') : '(none)'}; ` +
        'deploy it with `embedbook deploy <file>.function.ts`.',
    );
  }
}

export class UnknownCallError extends ServerError {
  override readonly name = 'UnknownCallError';
  readonly statusCode = 404;
  constructor(readonly callId: string) {
    super(`No call with id "${callId}": it never existed, was deleted, or its result expired.`);
  }
}

/** The request body is not a readable Arrow IPC stream. */
export class MalformedIpcError extends ServerError {
  override readonly name = 'MalformedIpcError';
  readonly statusCode = 400;
  constructor(detail: string) {
    super(`The request body is not a valid Arrow IPC stream (application/vnd.apache.arrow.stream): ${detail}`);
  }
}

/** The call's columns do not match the function's declared arguments. */
export class SchemaMismatchError extends ServerError {
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
export class BadRequestError extends ServerError {
  override readonly name = 'BadRequestError';
  readonly statusCode = 400;
}

/** No route for this method and path (the API's own 404, in the documented error shape). */
export class RouteNotFoundError extends ServerError {
  override readonly name = 'NotFoundError';
  readonly statusCode = 404;
  constructor(readonly method: string, readonly path: string) {
    super(`No API route ${method} ${path}: see docs/http-api.md for the routes (e.g. POST /functions/:name/calls, GET /calls/:id).`);
  }
}

/** The body's Content-Type is not the one the route reads (checked before the body is parsed). */
export class UnsupportedMediaTypeError extends ServerError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;
  constructor(readonly route: string, readonly expected: string, readonly got: string) {
    super(`${route} takes ${expected}, got Content-Type ${JSON.stringify(got)}: send the body as ${expected}.`);
  }
}

/** The bounded queue is full: back off for `retryAfterS` seconds. */
export class QueueFullError extends ServerError {
  override readonly name = 'QueueFullError';
  readonly statusCode = 429;
  /** Retry-After in whole seconds (at least 1), as HTTP has it. */
  readonly retryAfterS: number;
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
    const retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(
      `Queue full: ${queuedRows} rows queued + ${incoming} incoming exceeds maxQueuedRows ${limit}` +
        `${position !== undefined && ticket ? ` (you are number ${position} in line)` : ''}. ` +
        `Retry after ${retryAfterMs} ms${ticket ? ' with the X-Queue-Ticket header of this answer, which keeps your place' : ''}, or send smaller chunks / fewer concurrent chunks.`,
    );
    this.retryAfterS = retryAfterS;
  }
  override headers(): Record<string, string> {
    return {
      'retry-after': String(this.retryAfterS),
      'x-retry-after-ms': String(this.retryAfterMs),
      ...(this.ticket ? { 'x-queue-ticket': this.ticket } : {}),
    };
  }
}

export class UnauthorizedError extends ServerError {
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
export class DeployDisabledError extends ServerError {
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
export class HostNotAllowedError extends ServerError {
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
export class ServerShuttingDownError extends ServerError {
  override readonly name = 'ServerShuttingDownError';
  readonly statusCode = 503;
  constructor() {
    super(SHUTTING_DOWN_STATUS);
  }
}

/**
 * The queue store (e.g. Redis) failed or did not answer: the request was not carried out (or, for
 * a submit that timed out, may have been). Retry after a few seconds; /health says when it is back.
 */
export class StoreUnavailableError extends ServerError {
  override readonly name = 'StoreUnavailableError';
  readonly statusCode = 503;
  constructor(readonly reason: string, readonly retryAfterS = 5) {
    super(`The queue store is unavailable (${reason}): the request could not be carried out. Retry in ${retryAfterS} s; GET /health reports when the store is back.`);
  }
  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterS) };
  }
}

/** The per-row status text of rows the server handed back unprocessed while shutting down. */
export const SHUTTING_DOWN_STATUS = 'server shutting down: row not processed, submit it again';
/** The per-row status text of rows dropped by a cancel. */
export const CANCELLED_STATUS = 'cancelled';

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

/** Plain `{name, message}` for the wire. */
export function toPlainError(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
