// The HTTP API of docs/http-api.md as an encapsulated fastify plugin: register it at the root
// (`embedbook serve`) or under a prefix on another app (`npm start` mounts it at /api). Auth, the
// Arrow content-type parser, CORS and error mapping apply to these routes only.
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import { ARROW_STREAM, JSON_MEDIA, METRICS_MEDIA, RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER, TICKET_HEADER, routes } from '../protocol/http';
import { errorBody, plainErrorBody } from '../protocol/errors';
import { readCallBody } from './arrow-io';
import { BadRequestError, DeployDisabledError, RouteNotFoundError, ServerError, UnauthorizedError, UnsupportedMediaTypeError } from './errors';
import { bearerToken, keyMatches } from './keys';
import type { CallView, FunctionQueue } from './function-queue';

export interface QueueRoutesOptions {
  queue: FunctionQueue;
  /** Required (as a bearer token) on every route when set. */
  apiKey?: string;
  /** Required for deploy/remove; none: deploy/remove are off (403). createServer defaults it to apiKey. */
  adminKey?: string;
  /** Origins allowed by CORS; none (default) sends no CORS headers. */
  corsOrigins?: string[];
  /** Max request body in bytes (Arrow or JSON); larger → 413. */
  bodyLimit: number;
  version: string;
}

const MAX_POLL_S = 300;
const DEFAULT_POLL_S = 30;

/** Exact, constant-time check of `Authorization: Bearer <key>` against any of `keys`. */
function bearerMatches(req: FastifyRequest, keys: string[]): boolean {
  return keyMatches(bearerToken(req.headers.authorization), keys);
}

/** An error known by name and message only: `{ error: { name, code, message } }`. */
function sendError(reply: FastifyReply, status: number, name: string, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers(headers).type(JSON_MEDIA).send(plainErrorBody(name, message));
}

/** One of the server's errors: its status, headers, and `{ error: serializeError(err) }` (no stack). */
export function sendHttpError(reply: FastifyReply, err: ServerError): FastifyReply {
  return reply.code(err.statusCode).headers(err.headers()).type(JSON_MEDIA).send(errorBody(err));
}

/**
 * Fastify options for the errors raised before any route or plugin runs (a URL that does not
 * decode, a request line or body Node cannot read): the same `{ error: { name, code, message } }` shape
 * as every other answer. Pass them to `Fastify({...})` wherever an app serving these routes is made.
 */
export const edgeErrorOptions = {
  frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 400;
    return sendError(reply, status, 'BadRequestError', `The request could not be routed: ${err.message}`);
  },
  clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, text] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
    const body = JSON.stringify(plainErrorBody('BadRequestError', `The HTTP request could not be read (${err.code ?? err.message}): check its framing (Content-Length, chunked encoding) and headers.`));
    if (socket.writable) socket.write(`HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
    socket.destroy(err);
  },
};

/**
 * A route-level onRequest hook: a body whose Content-Type is not `expected` gets 415 before any
 * parser runs (otherwise e.g. Arrow bytes sent as application/json fail JSON parsing: a 400).
 */
function requireContentType(route: string, expected: string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const got = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (got === expected) return;
    const e = new UnsupportedMediaTypeError(route, expected, got);
    return sendHttpError(reply, e);
  };
}

export async function queueRoutes(app: FastifyInstance, opts: QueueRoutesOptions): Promise<void> {
  const { queue } = opts;
  const { apiKey, adminKey } = opts;

  if (opts.corsOrigins?.length) {
    await app.register(cors, {
      origin: opts.corsOrigins,
      methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type', TICKET_HEADER],
      exposedHeaders: [RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER, TICKET_HEADER, 'x-call-id', 'x-call-status', 'x-failed-rows', 'server-timing'],
      maxAge: 600,
    });
  }

  // parseAs 'buffer' lets fastify enforce bodyLimit (413) before we decode a single byte.
  app.addContentTypeParser(ARROW_STREAM, { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS') return; // CORS preflight carries no credentials
    const isAdmin = (req.method === 'POST' || req.method === 'DELETE') && /\/functions(\/[^/]+)?\/?$/.test(req.routeOptions.url ?? '');
    if (isAdmin && !adminKey) {
      const e = new DeployDisabledError();
      return sendHttpError(reply, e);
    }
    if (isAdmin && adminKey && !bearerMatches(req, [adminKey])) {
      const e = new UnauthorizedError('admin key');
      return sendHttpError(reply, e);
    }
    if (!isAdmin && apiKey && !bearerMatches(req, adminKey ? [apiKey, adminKey] : [apiKey])) {
      const e = new UnauthorizedError('API key');
      return sendHttpError(reply, e);
    }
  });

  app.setErrorHandler((err: FastifyError | ServerError, req, reply) => {
    if (err instanceof ServerError) return sendHttpError(reply, err);
    const status = (err as FastifyError).statusCode ?? 500;
    if (status === 413) {
      return sendError(reply, 413, 'PayloadTooLargeError', `The request body is larger than the server's bodyLimit of ${opts.bodyLimit} bytes: send smaller chunks (chunkSize) or raise --body-limit.`);
    }
    if (status === 415) {
      return sendError(reply, 415, 'UnsupportedMediaTypeError', `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not accepted here: send calls as ${ARROW_STREAM} and deploys as application/json.`);
    }
    if (status < 500) return sendError(reply, status, 'BadRequestError', err.message);
    req.log.error(err);
    return sendError(reply, 500, 'InternalServerError', err.message);
  });

  app.setNotFoundHandler((req, reply) => {
    const e = new RouteNotFoundError(req.method, req.url.split('?')[0]);
    return sendHttpError(reply, e);
  });

  // Asks the store once, so an idle server notices a store outage (and its end) too.
  app.get(routes.health, async () => {
    const store = await queue.checkStore();
    return {
      ok: !queue.isClosing && store.ok,
      version: opts.version,
      functions: queue.functionNames().length,
      workers: queue.pool.size,
      device: queue.device,
      store,
    };
  });

  app.get(routes.functions, async () => queue.list());

  app.post(routes.functions, { onRequest: requireContentType('POST /functions', JSON_MEDIA) }, async (req, reply) => {
    const body = req.body as { definition?: unknown; bundle?: unknown } | undefined;
    if (!body || typeof body !== 'object') throw new BadRequestError('POST /functions expects a JSON body { definition, bundle }.');
    if (body.bundle !== undefined && typeof body.bundle !== 'string') throw new BadRequestError('`bundle` must be the ES module text of the bundled definition file.');
    const out = await queue.deploy(body.definition, body.bundle as string | undefined);
    return reply.code(201).send(out);
  });

  app.delete<{ Params: { name: string } }>(routes.fn, async (req, reply) => {
    await queue.remove(req.params.name);
    return reply.code(204).send();
  });

  /** Seconds from a query parameter, validated: undefined when absent. */
  const seconds = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined || raw === '') return undefined;
    const s = Number(raw);
    if (!Number.isFinite(s) || s < 0 || s > MAX_POLL_S) {
      throw new BadRequestError(`Query parameter ${name} must be a number of seconds in [0, ${MAX_POLL_S}], got ${JSON.stringify(raw)}.`);
    }
    return s;
  };

  const sendView = (reply: FastifyReply, view: CallView, callId: string) => {
    if (!view.done) return reply.code(202).send({ callId, status: 'pending', doneRows: view.call.doneRows, rows: view.call.rows });
    return reply
      .code(200)
      .type(ARROW_STREAM)
      .header('x-call-id', callId)
      .header('x-call-status', view.call.state)
      .header('x-failed-rows', String(view.call.failedRows))
      .header('server-timing', `handler;dur=${view.handlerMs.toFixed(3)}`)
      .header('content-length', view.ipc.byteLength)
      .send(answerBody(view.ipc.parts));
  };

  // The answer's parts go out as they are (a vector answer's floats are views of the held results):
  // joining them first cost a copy and a 1.5 MB allocation per 1,000 × 384-d answer.
  const answerBody = (parts: Uint8Array[]) => {
    const buffers = parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    return buffers.length === 1 ? buffers[0] : Readable.from(buffers, { objectMode: false });
  };

  const callsRoute = { onRequest: requireContentType('POST /functions/:name/calls', ARROW_STREAM) };
  app.post<{ Params: { name: string }; Querystring: { wait?: string } }>(routes.calls, callsRoute, async (req, reply) => {
    const wait = seconds('wait', req.query.wait);
    const input = readCallBody(req.body as Buffer | undefined, { maxRows: queue.maxRowsPerCall });
    const ticket = req.headers[TICKET_HEADER];
    const out = await queue.submit(req.params.name, input, typeof ticket === 'string' ? ticket : undefined);
    // ?wait=S (optional): answer with the result itself when the call finishes within S seconds,
    // saving the poll round trip; otherwise the usual 202 with the call id.
    if (wait === undefined) return reply.code(202).send(out);
    const view = await queue.poll(out.callId, wait * 1000, true);
    return sendView(reply, view, out.callId);
  });

  app.get<{ Params: { id: string }; Querystring: { timeout?: string } }>(routes.call, async (req, reply) => {
    const s = seconds('timeout', req.query.timeout) ?? DEFAULT_POLL_S;
    return sendView(reply, await queue.poll(req.params.id, s * 1000, true), req.params.id);
  });

  app.delete<{ Params: { id: string } }>(routes.call, async (req, reply) => {
    await queue.cancel(req.params.id);
    return reply.code(204).send();
  });

  app.get(routes.metrics, async (_req, reply) => reply.type(METRICS_MEDIA).send(await queue.renderMetrics()));
}
