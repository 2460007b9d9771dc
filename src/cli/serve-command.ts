// `embedbook serve`: the function-queue server (src/server's createServer) until Ctrl-C, which
// drains in-flight calls before exiting. With `--store redis://… --workers 0` it is an API node
// (HTTP only); `embedbook worker` (worker-command.ts) runs the batches. The built-in "embed" function (default model) is
// deployed at start unless --no-default-function, so a fresh server is useful at once.
import { createServer } from '../server/create-server';
import { InvalidStoreSpecError, openQueueStore, type OpenedStore } from '../server/redis/open-store';
import type { RedisStoreOptions } from '../server/redis-store';
import { describeAuth, parseAuthFlags, requireAuthOffLoopback, type RawAuthFlags } from './auth-options';
import { CliUsageError, listenError } from './errors';
import { runInForeground } from './foreground';
import type { CliIO } from './main';
import { describePool, parseServeTuning, type RawServeTuning } from './serve-options';

export interface ServeFlags extends RawServeTuning, RawAuthFlags {
  host: string;
  port: string;
  corsOrigin?: string[];
  defaultFunction?: boolean;
  /** 'memory' (default) or a Redis URL: servers on one Redis share the queue (docs/distributed-queue.md). */
  store?: string;
  /** Shared store: ms before rows of a silent (killed) server are taken over (RedisStoreOptions.reclaimIdleMs). */
  reclaimIdleMs?: string;
}

export const DEFAULT_FUNCTION = { definition: { name: 'embed', model: 'default', maxBatchingSize: 32, maxBufferDuration: 50 } };
/** On GPU workers: batches large enough for the GPU sub-batch budget (model/pipeline/batching.ts). */
export const GPU_DEFAULT_FUNCTION = { definition: { ...DEFAULT_FUNCTION.definition, maxBatchingSize: 256 } };

export function parsePort(raw: string, flag = 'port'): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new CliUsageError(`--${flag} must be a port number 0-65535, got ${JSON.stringify(raw)}.`, flag);
  return port;
}

/** Opens `--store` (or EMBEDBOOK_STORE); a malformed value is a usage error naming the flag. */
export async function openStoreFlag(spec: string | undefined, opts: RedisStoreOptions = {}): Promise<OpenedStore> {
  try {
    return await openQueueStore(spec ?? process.env.EMBEDBOOK_STORE, opts);
  } catch (err) {
    if (err instanceof InvalidStoreSpecError) throw new CliUsageError(err.message, 'store');
    throw err;
  }
}

/** --reclaim-idle-ms: 100 ms (tests) to 1 h; below it a busy event loop could look dead. */
export function parseReclaimIdleMs(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || ms < 100 || ms > 3_600_000) {
    throw new CliUsageError(`--reclaim-idle-ms must be a whole number of milliseconds from 100 to 3600000 (how long a silent server's rows wait before others take them), got ${JSON.stringify(raw)}.`, 'reclaim-idle-ms');
  }
  return ms;
}

/** Resolves once the server has stopped (on io.signal). */
export async function runServe(flags: ServeFlags, io: CliIO): Promise<number> {
  const port = parsePort(flags.port);
  const tuning = parseServeTuning(flags);
  const access = parseAuthFlags(flags);
  requireAuthOffLoopback(flags.host, access);
  for (const origin of flags.corsOrigin ?? []) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/i.test(origin)) {
      throw new CliUsageError(`--cors-origin must be an origin like http://localhost:5173 (scheme://host[:port], no path), got ${JSON.stringify(origin)}.`, 'cors-origin');
    }
  }
  const opened = await openStoreFlag(flags.store, { reclaimIdleMs: parseReclaimIdleMs(flags.reclaimIdleMs) });
  if (tuning.workers === 0 && !opened.store?.shared) {
    await opened.close();
    throw new CliUsageError('--workers 0 makes an API node, which runs no batches: give it the shared store worker nodes take work from (--store redis://host:port, with `embedbook worker --store` on the same URL).', 'workers');
  }
  let server;
  try {
    server = createServer({
      ...tuning,
      store: opened.store,
      registry: opened.registry,
      host: flags.host,
      port,
      apiKey: access.apiKey,
      adminKey: access.adminKey,
      allowedHosts: access.allowedHosts,
      insecureNoAuth: access.insecureNoAuth,
      corsOrigins: flags.corsOrigin,
      functions: flags.defaultFunction === false ? [] : [tuning.gpus?.length ? GPU_DEFAULT_FUNCTION : DEFAULT_FUNCTION],
    });
  } catch (err) {
    // e.g. --device webgpu where no adapter exists (GpuUnavailableError): nothing started but the store.
    await opened.close();
    throw err;
  }
  let url: string;
  try {
    ({ url } = await server.listen());
  } catch (err) {
    await server.close().catch(() => undefined);
    await opened.close();
    throw listenError(err, flags.host, port);
  }
  const fns = await server.queue.list();
  const running = server;
  return runInForeground(io, {
    title: `embedbook server listening on ${url}`,
    lines: [
      ['functions', fns.map((f) => f.name).join(', ') || '(none: deploy with `embedbook deploy <file>.function.ts`)'],
      ['store', opened.description],
      ['pool', describePool(tuning, server.queue.pool.size)],
      ['device', `${server.queue.device.device} (${server.queue.device.reason})`],
      ['access', describeAuth(access)],
    ],
    onCtrlC: 'Ctrl-C drains in-flight calls and stops.',
    ready: url,
    stopping: 'Stopping: draining in-flight calls…',
    close: [() => running.close(), () => opened.close()],
  });
}
