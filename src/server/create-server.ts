// createServer: the function-queue server (fastify + FunctionQueue). `embedbook serve` calls it;
// `npm start` can instead register `queueRoutes` under /api on the app's own fastify instance.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { InvalidOptionError } from '../core/errors';
import { hostAllowList, isLoopback } from './allowed-hosts';
import { trackConnections } from './close-connections';
import { FunctionQueue, type QueueOptions } from './function-queue';
import { validateKey } from './keys';
import { edgeErrorOptions, queueRoutes, sendHttpError } from './routes';
import { ServerError } from './errors';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7711;
export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;

export interface ServerOptions extends QueueOptions {
  host?: string;
  /** 0 picks a free port (tests). Default 7711. */
  port?: number;
  /** Bearer key every route requires (non-empty; RFC 6750 token characters). None: no key needed. */
  apiKey?: string;
  /** Key for deploy/remove (default: apiKey). With neither, deploy and remove answer 403. */
  adminKey?: string;
  /** Host names answered besides the bind address and loopback names (`name`, `name:port`, `*`). */
  allowedHosts?: string[];
  /** Allow listening on a non-loopback address with no apiKey (anyone who can reach it may call). */
  insecureNoAuth?: boolean;
  corsOrigins?: string[];
  /** Max request body in bytes (default 32 MiB). */
  bodyLimit?: number;
  /** Mount the API under this path (e.g. '/api'); default the root. */
  prefix?: string;
  /** Functions deployed at listen(): `{ definition, bundle? }` as POST /functions takes them. */
  functions?: Array<{ definition: unknown; bundle?: string }>;
  /** How long close() lets in-flight batches finish before handing rows back (default 10 s). */
  shutdownGraceMs?: number;
  logger?: boolean;
  /** Use an existing fastify app (e.g. one that also serves the web app). */
  app?: FastifyInstance;
}

export interface EmbedbookServer {
  app: FastifyInstance;
  queue: FunctionQueue;
  /** Deploys `functions`, then listens; resolves with the base URL of the API. */
  listen(): Promise<{ url: string; host: string; port: number }>;
  /** Graceful: refuses new calls, finishes or hands back in-flight ones, stops workers and HTTP. */
  close(): Promise<void>;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function createServer(opts: ServerOptions = {}): EmbedbookServer {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const apiKey = validateKey('apiKey', opts.apiKey);
  const adminKey = validateKey('adminKey', opts.adminKey) ?? apiKey;
  const bindHost = opts.host ?? DEFAULT_HOST;
  if (!apiKey && !opts.insecureNoAuth && !isLoopback(bindHost)) {
    throw new InvalidOptionError('host', bindHost, 'a loopback address (127.0.0.1, ::1, localhost) when no apiKey is set',
      'Anyone who can reach a non-loopback address could call every function: set an API key, or pass insecureNoAuth (--insecure-no-auth) to accept that.');
  }
  const hosts = hostAllowList(bindHost, opts.allowedHosts);
  const app = opts.app ?? Fastify({ logger: opts.logger ?? false, bodyLimit, forceCloseConnections: 'idle', ...edgeErrorOptions });
  // On the root instance: guards every route of the app (the web app's files too under `start`).
  app.addHook('onRequest', async (req, reply) => {
    try {
      hosts.check(req.headers.host, (app.server.address() as AddressInfo | null)?.port ?? 0);
    } catch (err) {
      if (err instanceof ServerError) return sendHttpError(reply, err);
      throw err;
    }
  });
  const queue = new FunctionQueue(opts);
  const connections = trackConnections(app.server);
  void app.register(queueRoutes, {
    prefix: opts.prefix ?? '',
    queue,
    apiKey,
    adminKey,
    corsOrigins: opts.corsOrigins,
    bodyLimit,
    version: packageVersion(),
  });
  let closed: Promise<void> | undefined;
  return {
    app,
    queue,
    async listen() {
      // keepIfSame: on a shared registry, servers starting with the same functions reuse their version.
      for (const f of opts.functions ?? []) await queue.deploy(f.definition, f.bundle, true);
      const host = opts.host ?? DEFAULT_HOST;
      await app.listen({ host, port: opts.port ?? DEFAULT_PORT });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? DEFAULT_PORT);
      const shown = host.includes(':') ? `[${host}]` : host;
      return { url: `http://${shown}:${port}${opts.prefix ?? ''}`, host, port };
    },
    close() {
      closed ??= (async () => {
        // Queue first: pending long-polls get their final answers while HTTP still runs.
        await queue.close(opts.shutdownGraceMs ?? 10_000);
        // Every long-poll now has its answer: end connections as their responses go out (not only
        // the ones Node deems idle — see close-connections.ts); a stuck reader gets 5 s.
        connections.closeAll(5_000);
        await app.close();
        connections.dispose();
      })();
      return closed;
    },
  };
}
