// The HTTP API of docs/http-api.md as an encapsulated fastify plugin: register it at the root
// (`embedbook serve`) or under a prefix on another app (`npm start` mounts it at /api). Auth, the
// Arrow content-type parser, CORS and error mapping apply to these routes only.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import { ARROW_STREAM, readCallBody } from './arrow-io';
import { BadRequestError, ServerError, UnauthorizedError } from './errors';
import type { CallView, FunctionQueue } from './function-queue';

export interface QueueRoutesOptions {
  queue: FunctionQueue;
  /** Required (as a bearer token) on every route when set. */
  apiKey?: string;
  /** Required for deploy/remove; defaults to apiKey. */
  adminKey?: string;
  /** Origins allowed by CORS; none (default) sends no CORS headers. */
  corsOrigins?: string[];
  /** Max request body in bytes (Arrow or JSON); larger → 413. */
  bodyLimit: number;
  version: string;
}

const MAX_POLL_S = 300;
const DEFAULT_POLL_S = 30;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time check of `Authorization: Bearer <key>` against any of `keys`. */
function bearerMatches(req: FastifyRequest, keys: string[]): boolean {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m) return false;
  const got = digest(m[1].trim());
  let ok = false;
  for (const k of keys) ok = timingSafeEqual(got, digest(k)) || ok;
  return ok;
}

function sendError(reply: FastifyReply, status: number, name: string, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers(headers).type('application/json').send({ error: { name, message } });
}

export async function queueRoutes(app: FastifyInstance, opts: QueueRoutesOptions): Promise<void> {
  const { queue } = opts;
  const apiKey = opts.apiKey || undefined;
  const adminKey = opts.adminKey || apiKey;

  if (opts.corsOrigins?.length) {
    await app.register(cors, {
      origin: opts.corsOrigins,
      methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type'],
      exposedHeaders: ['retry-after', 'x-call-id', 'x-call-status', 'x-failed-rows', 'server-timing'],
      maxAge: 600,
    });
  }

  // parseAs 'buffer' lets fastify enforce bodyLimit (413) before we decode a single byte.
  app.addContentTypeParser(ARROW_STREAM, { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS') return; // CORS preflight carries no credentials
    const isAdmin = (req.method === 'POST' || req.method === 'DELETE') && /\/functions(\/[^/]+)?\/?$/.test(req.routeOptions.url ?? '');
    if (isAdmin && adminKey && !bearerMatches(req, [adminKey])) {
      const e = new UnauthorizedError('admin key');
      return sendError(reply, e.statusCode, e.name, e.message, e.headers());
    }
    if (!isAdmin && apiKey && !bearerMatches(req, adminKey ? [apiKey, adminKey] : [apiKey])) {
      const e = new UnauthorizedError('API key');
      return sendError(reply, e.statusCode, e.name, e.message, e.headers());
    }
  });

  app.setErrorHandler((err: FastifyError | ServerError, req, reply) => {
    if (err instanceof ServerError) return sendError(reply, err.statusCode, err.name, err.message, err.headers());
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

  // Asks the store once, so an idle server notices a store outage (and its end) too.
  app.get('/health', async () => {
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

  app.get('/functions', async () => queue.list());

  app.post('/functions', async (req, reply) => {
    const body = req.body as { definition?: unknown; bundle?: unknown } | undefined;
    if (!body || typeof body !== 'object') throw new BadRequestError('POST /functions expects a JSON body { definition, bundle }.');
    if (body.bundle !== undefined && typeof body.bundle !== 'string') throw new BadRequestError('`bundle` must be the ES module text of the bundled definition file.');
    const out = await queue.deploy(body.definition, body.bundle as string | undefined);
    return reply.code(201).send(out);
  });

  app.delete<{ Params: { name: string } }>('/functions/:name', async (req, reply) => {
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
      .send(Buffer.from(view.ipc.buffer, view.ipc.byteOffset, view.ipc.byteLength));
  };

  app.post<{ Params: { name: string }; Querystring: { wait?: string } }>('/functions/:name/calls', async (req, reply) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (type !== ARROW_STREAM) {
      return sendError(reply, 415, 'UnsupportedMediaTypeError', `Calls must be sent as ${ARROW_STREAM}, got ${JSON.stringify(type)}.`);
    }
    const wait = seconds('wait', req.query.wait);
    const input = readCallBody(req.body as Buffer | undefined);
    const out = await queue.submit(req.params.name, input);
    // ?wait=S (optional): answer with the result itself when the call finishes within S seconds,
    // saving the poll round trip; otherwise the usual 202 with the call id.
    if (wait === undefined) return reply.code(202).send(out);
    const view = await queue.poll(out.callId, wait * 1000);
    return sendView(reply, view, out.callId);
  });

  app.get<{ Params: { id: string }; Querystring: { timeout?: string } }>('/calls/:id', async (req, reply) => {
    const s = seconds('timeout', req.query.timeout) ?? DEFAULT_POLL_S;
    return sendView(reply, await queue.poll(req.params.id, s * 1000), req.params.id);
  });

  app.delete<{ Params: { id: string } }>('/calls/:id', async (req, reply) => {
    await queue.cancel(req.params.id);
    return reply.code(204).send();
  });

  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await queue.renderMetrics()));
}
