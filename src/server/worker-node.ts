// A worker node (`embedbook worker`): a FunctionQueue on a shared store that serves no API — it
// learns the deployed functions from the RegistryStore and claims batches of those its workers fit.
// Optionally a tiny HTTP port answers GET /health and GET /metrics (for a load balancer or
// Prometheus); nothing else is served there.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidOptionError } from '../core/errors';
import { FunctionQueue } from './function-queue';
import type { QueueOptions } from './queue-options';
import type { RegistryStore } from './registry/registry-store';
import type { QueueStore } from './store';
import { JSON_MEDIA, METRICS_MEDIA, routes } from '../protocol/http';

export interface WorkerNodeOptions extends QueueOptions {
  store: QueueStore;
  registry: RegistryStore;
  /** Serve GET /health and GET /metrics on this port (0: a free one); none when undefined. */
  healthPort?: number;
  /** Where the health port listens (default 127.0.0.1). */
  healthHost?: string;
  /** How long close() lets running batches finish before handing their rows back (default 10 s). */
  shutdownGraceMs?: number;
}

export interface WorkerNode {
  queue: FunctionQueue;
  /** http://host:port of the health port, when there is one. */
  healthUrl?: string;
  /** Lets running batches finish (up to the grace), hands the rest back to the stream, stops. */
  close(): Promise<void>;
}

export async function startWorkerNode(opts: WorkerNodeOptions): Promise<WorkerNode> {
  if (!opts.store.shared || !opts.registry.shared) {
    throw new InvalidOptionError('store', 'a private store', 'a shared store (Redis)', 'A worker node takes its work from a store other nodes submit to: give it the Redis URL the API nodes use.');
  }
  const queue = new FunctionQueue(opts);
  await queue.registry.start();
  let server: Server | undefined;
  let healthUrl: string | undefined;
  if (opts.healthPort !== undefined) {
    server = createHttpServer((req, res) => {
      void (async () => {
        if (req.method === 'GET' && req.url === routes.health) {
          const store = await queue.checkStore();
          const ok = !queue.isClosing && store.ok;
          res.writeHead(ok ? 200 : 503, { 'content-type': JSON_MEDIA });
          res.end(JSON.stringify({ ok, role: 'worker', store, functions: queue.functionNames().length, workers: queue.pool.size, device: queue.device }));
        } else if (req.method === 'GET' && req.url === routes.metrics) {
          res.writeHead(200, { 'content-type': METRICS_MEDIA });
          res.end(await queue.renderMetrics());
        } else {
          res.writeHead(404, { 'content-type': JSON_MEDIA });
          res.end(JSON.stringify({ error: { name: 'RouteNotFoundError', message: 'A worker node answers only GET /health and GET /metrics.' } }));
        }
      })().catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(opts.healthPort, opts.healthHost ?? '127.0.0.1', () => resolve());
    });
    const addr = s.address() as AddressInfo;
    healthUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }
  let closed: Promise<void> | undefined;
  return {
    queue,
    ...(healthUrl !== undefined ? { healthUrl } : {}),
    close() {
      closed ??= (async () => {
        await queue.close(opts.shutdownGraceMs ?? 10_000);
        if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}
